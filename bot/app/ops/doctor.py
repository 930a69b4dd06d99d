"""``deploybot doctor``: one line per check of what deploybot needs to run, ✓ or ✗ with the fix.

Reads only: it logs in, lists and looks things up, and never writes to Zammad, GitLab, the mail
server, the calendar or the logs. Secrets are named, never shown.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import holidays

from bot.app.intake import DAEMON_STARTED, HOOK_RECEIVED
from bot.app.outside import LiveChecks
from bot.app.run import (
    LiveSystems,
    caldav_calendar,
    deployment_log,
    gitlab_client,
    google_apis,
    google_calendar,
    smtp_mailer,
    uses_google,
    zammad_client,
)
from bot.app.store import read_markers, state_url
from bot.config.models import Config, Customer
from bot.domain.gitlab_setup import component_projects, hook_url
from bot.domain.model import ComponentVersion, Deployment, State, TicketRef
from bot.domain.rendering import EMAIL_KINDS, Renderer, TemplateError
from bot.domain.zammad_setup import workflow_tags
from integrations.deployment_log import LogCorruptError
from integrations.secrets import MissingSecretError, read_secret

if TYPE_CHECKING:
    from integrations.google_api import GoogleApis
    from integrations.zammad import Ticket, ZammadClient


@dataclass(frozen=True)
class Finding:
    """One check: what was checked, whether it passed, what was found, and how to fix it."""

    ok: bool
    what: str
    detail: str = ""
    fix: str = ""

    def line(self) -> str:
        """The check as the doctor prints it."""
        mark = "✓" if self.ok else "✗"
        detail = f": {self.detail}" if self.detail else ""
        fix = f" — {self.fix}" if self.fix and not self.ok else ""
        return f"{mark} {self.what}{detail}{fix}"


Check = Callable[[], Iterator[Finding]]


#: What to do when a whole check fails, by check.
FIXES = {
    "Zammad": "check zammad.url, that this machine reaches Zammad, and the token "
    "(401: wrong token; 403: the user may not read tickets)",
    "GitLab": "check gitlab.url, that this machine reaches GitLab, and the token (read_api)",
    "mail": "check smtp: host, port, STARTTLS or TLS, and the login",
    "calendar": "check calendar.caldav (url, calendar name, login) or calendar.google "
    "(calendar_id, shared with the service account: 'Make changes to events')",
    "Google": "check google.credentials_file (a service account's JSON key) and that the "
    "Drive folder is shared with that account as Editor (Content manager on a shared drive)",
}


def _guarded(what: str, check: Check) -> Iterator[Finding]:
    """The findings of one check; a failure is one failed finding, in plain words."""
    try:
        yield from check()
    except MissingSecretError as error:  # its own finding says how to set it, once
        yield Finding(False, what, f"not checked: {error}")
    except (OSError, RuntimeError, ValueError) as error:  # outside systems, files, secrets
        yield Finding(False, what, str(error), FIXES.get(what, ""))
    except Exception as error:  # anything else: say it, go on
        yield Finding(False, what, f"{type(error).__name__}: {error}", FIXES.get(what, ""))


def _secrets(config: Config, environ: Mapping[str, str] | None) -> Iterator[Finding]:
    named = [
        ("Zammad token", config.zammad.token_env, config.zammad.token_file),
        ("GitLab token", config.gitlab.token_env, config.gitlab.token_file),
        ("Zammad webhook secret", config.zammad.webhook_secret_env, None),
        ("GitLab webhook secret", config.gitlab.webhook_secret_env, None),
        ("SMTP password", config.smtp.password_env, config.smtp.password_file),
        ("booking link secret", config.server.booking_secret_env, None),
    ]
    if config.calendar.caldav is not None:
        dav = config.calendar.caldav
        named.append(("CalDAV password", dav.password_env, dav.password_file))
    for what, env, path in named:
        if not env and path is None:
            continue
        where = str(path) if path is not None else f"${env}"
        try:
            read_secret(env, path, what=what, environ=environ)
        except MissingSecretError as error:  # its message says what is missing and where
            yield Finding(False, what, str(error).removeprefix(f"{what}: "))
            continue
        yield Finding(True, what, f"present in {where}")


#: The shortest booking secret accepted: the HMAC key of customers' links.
MIN_SECRET_BYTES = 32


def _server(config: Config, environ: Mapping[str, str] | None) -> Iterator[Finding]:
    """The endpoint's settings that are wrong though valid: an unencrypted public address,
    a short booking secret, pages without a token."""
    server = config.server
    if server.public_url:
        url = server.public_url
        plain = url.startswith("http://")
        yield Finding(
            not plain,
            "server.public_url",
            f"{url} is plain HTTP: booking links and webhooks would cross the internet unencrypted"
            if plain
            else url,
            "serve it over https:// (TLS at a reverse proxy: README, 'Behind nginx with TLS')",
        )
        yield Finding(
            bool(server.token_env),
            "pages token",
            f"read from ${server.token_env}"
            if server.token_env
            else "server.token_env names none: the team's pages and the calendar feed are off",
            "set server.token_env: DEPLOYBOT_PAGES_TOKEN and that variable",
        )
    if server.booking_secret_env:
        try:
            secret = read_secret(server.booking_secret_env, None, what="booking link secret",
                                 environ=environ)  # fmt: skip
        except MissingSecretError:
            return  # said once, among the secrets
        size, least = len(secret.encode()), MIN_SECRET_BYTES
        yield Finding(
            size >= least,
            "booking link secret strength",
            f"{size} bytes" + (f", fewer than {least}" if size < least else ""),
            f"set ${server.booking_secret_env} to {least} random bytes or more "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(32))")',
        )


Progress = Callable[[str, int, int, str], None] | None


def _zammad(config: Config, progress: Progress = None) -> Iterator[Finding]:
    client = zammad_client(config.zammad, on_retry=progress)
    me = client.me()
    yield Finding(True, "Zammad", f"{config.zammad.url} answers; the token is {me.display_name}'s")
    tickets = client.find_tickets_with_tags([config.zammad.tags.request])
    yield Finding(True, "Zammad tickets", f"readable ({len(tickets)} tagged now)")
    missing = [tag for tag in workflow_tags(config) if not client.known_tag(tag)]
    yield Finding(
        not missing,
        "Zammad tags",
        f"missing: {', '.join(missing)}" if missing else "every workflow tag exists",
        "run `deploybot setup zammad --apply` with an admin token",
    )
    yield from _ticket_lookup(client, tickets)
    for customer in config.customers:
        yield _organization(client, customer)


def _ticket_lookup(client: ZammadClient, tagged: list[Ticket]) -> Iterator[Finding]:
    """Whether a ticket that exists is found again by its number (how the re-checks, ``verify``
    and GitLab's release notes reach tickets)."""
    sample = tagged[0] if tagged else client.any_ticket()
    if sample is None:
        return
    found = client.ticket_by_number(sample.number)
    yield Finding(
        found is not None and found.id == sample.id,
        "Zammad ticket look-up by number",
        f"ticket {sample.number} found"
        if found is not None
        else f"ticket {sample.number} exists (id {sample.id}) but the search by number misses it",
        "the token's user must be an agent of the ticket's group (Zammad searches only the "
        "groups the user may read)",
    )


def _organization(client: ZammadClient, customer: Customer) -> Finding:
    """The customer's organization: found by Zammad's search, or only in the list (a search
    index that lags or is broken), or not at all."""
    what = f"Zammad organization of {customer.name}"
    name = customer.organization
    if client.search_organization(name) is not None:
        return Finding(True, what, name)
    listed = client.list_organization(name)
    if listed is None:
        return Finding(
            False,
            what,
            f"no organization {name!r}",
            "fix zammad_organization in the configuration, or create it in Zammad",
        )
    return Finding(
        False,
        what,
        f"{name!r} exists (id {listed.id}) but Zammad's search does not find it",
        "Zammad's search index lags behind or is broken: check Elasticsearch and rebuild the "
        "index (`zammad run rake zammad:searchindex:rebuild`); people searching in Zammad miss "
        "it too. deploybot itself reads organizations by id and is not held up",
    )


def _gitlab(config: Config, progress: Progress = None) -> Iterator[Finding]:
    client = gitlab_client(config.gitlab, on_retry=progress)
    projects = component_projects(config)
    yield Finding(True, "GitLab", f"{config.gitlab.url}: {len(projects)} component project(s)")
    for project in projects:
        try:
            yield Finding(True, f"GitLab project {project}", client.check_project(project))
        except Exception as error:
            fix = "check the path in the configuration and the token's access to the project"
            yield Finding(False, f"GitLab project {project}", str(error), fix)


def gitlab_hooks(config: Config) -> Iterator[Finding]:
    """With ``gitlab.hooks``: deploybot's hook on each component project, and a delivery
    received since the daemon started (else the safety poll alone would see changes)."""
    if not config.gitlab.hooks:
        every = config.gitlab.poll_seconds
        yield Finding(True, "GitLab changes", f"every project read every {every} s (no hooks)")
        return
    url = hook_url(config)
    if url is None:
        yield Finding(False, "GitLab hooks", "server.public_url is not set: GitLab has no "
                      "address to send events to", "set server.public_url")  # fmt: skip
        return
    client = gitlab_client(config.gitlab)
    fix = "run `deploybot setup gitlab --apply` (with a Maintainer's token)"
    for project in component_projects(config):
        what = f"GitLab hook on {project}"
        try:
            urls = [str(hook.url) for hook in client.project(project).hooks.list(get_all=True)]
        except Exception as error:  # a project, or its hooks, the token may not read
            yield Finding(False, what, f"cannot read its hooks: {error}", fix)
            continue
        yield Finding(url in urls, what, f"sends to {url}" if url in urls else "missing", fix)
    yield _hook_delivery(config, url)


def _hook_delivery(config: Config, url: str) -> Finding:
    markers = read_markers(state_url(config), [DAEMON_STARTED, HOOK_RECEIVED])
    started, received = markers.get(DAEMON_STARTED), markers.get(HOOK_RECEIVED)
    what = "GitLab hook deliveries"
    if started is None:
        return Finding(False, what, "the daemon has not started on this state yet",
                       "start `deploybot run`; GitLab's next event then reaches it")  # fmt: skip
    since = f"since the daemon started at {started}"
    if received is None or datetime.fromisoformat(received) < datetime.fromisoformat(started):
        fix = (
            f"check that GitLab reaches {url} (a project's Settings → Webhooks lists its "
            "recent deliveries and their answers) and the secret of gitlab.webhook_secret_env"
        )
        return Finding(False, what, f"none received {since}", fix)
    return Finding(True, what, f"the last at {received}, {since}")


def _mail(config: Config) -> Iterator[Finding]:
    smtp = config.smtp
    if smtp.transport == "directory":
        folder = config.resolve_path(smtp.directory)
        yield _writable("mail folder", folder)
        return
    done = smtp_mailer(config).check()
    yield Finding(True, f"SMTP {smtp.host}:{smtp.port}", done)


def _writable(what: str, path: Path) -> Finding:
    """Whether deploybot can write into ``path`` (or create it, in its nearest parent)."""
    existing = next((p for p in (path, *path.parents) if p.exists()), path)
    ok = os.access(existing, os.W_OK)
    return Finding(
        ok,
        what,
        f"{path} {'writable' if ok else 'not writable'}",
        f"give deploybot write access to {existing}",
    )


class _SharedGoogle:
    """The Google clients the checks share (one sign-in), built when first needed so that a
    missing key file is the finding of the check that needed it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._apis: GoogleApis | None = None

    def __call__(self) -> GoogleApis | None:
        if self._apis is None and uses_google(self.config):
            self._apis = google_apis(self.config)
        return self._apis


def _calendar(config: Config, google: _SharedGoogle) -> Iterator[Finding]:
    yield _writable("calendar folder", config.resolve_path(config.calendar.ics_dir))
    if config.calendar.google is not None:
        calendar_google = google_calendar(config, apis=google())
        assert calendar_google is not None
        yield Finding(
            True, f"Google Calendar {config.calendar.google.calendar_id}", calendar_google.check()
        )
    calendar = caldav_calendar(config)
    if calendar is not None:
        yield Finding(True, f"CalDAV {calendar.url}", calendar.check())


def _google(config: Config, google: _SharedGoogle) -> Iterator[Finding]:
    if config.google is None or config.deployment_log.backend == "folder":
        return
    from integrations.log_drive import DriveFolder
    from integrations.log_sheets import SHEET, template_sheet_name

    apis = google()
    assert apis is not None
    folder = DriveFolder(apis, str(config.deployment_log.folder_id))
    yield Finding(True, f"Drive folder, as {apis.account}", folder.check())
    sheets = config.deployment_log.backend == "google_sheets"
    name = config.deployment_log.template
    name = template_sheet_name(name) if sheets else name
    template = folder.find(name, SHEET if sheets else None)
    found = f"{name!r} found" if template else f"no {name!r}: new logs get deploybot's own headers"
    yield Finding(True, "log template", found)


def _logs(config: Config, google: _SharedGoogle) -> Iterator[Finding]:
    for customer in config.customers:
        if customer.managed_by == "partner_exclusive":
            continue
        what = f"deployment log of {customer.name}"
        try:
            log = deployment_log(config, customer.name, apis=google())
            yield Finding(True, what, log.check())
        except LogCorruptError as error:
            yield Finding(False, what, str(error), "repair or restore the workbook")
        except Exception as error:
            fix = (
                "give deploybot write access to deployment_log.dir, or point it elsewhere"
                if config.deployment_log.backend == "folder"
                else "share the Drive folder with the service account as Editor"
            )
            yield Finding(False, what, str(error), fix)


def _sample(config: Config, customer: Customer, now: datetime) -> Deployment:
    return Deployment(
        id=f"{customer.name.upper()}-DOCTOR-0001",
        customer=customer.name,
        environment=customer.default_environment.name,
        state=State.SCHEDULED,
        requested_at=now,
        tickets=(TicketRef("7400000", "Sample ticket", 1),),
        components=(ComponentVersion("component", "1.0.1", "1.0.0"),),
        planned_start=now + timedelta(days=1),
    )


def _templates(config: Config, now: datetime) -> Iterator[Finding]:
    renderer = Renderer.for_config(config)
    for customer in config.customers:
        sample = _sample(config, customer, now)
        try:
            for kind in EMAIL_KINDS:
                renderer.email(kind, sample, config, now=now)
            renderer.deployment_note("checklist", sample, config, now=now)
        except TemplateError as error:
            yield Finding(
                False,
                f"templates for {customer.name}",
                str(error),
                "fix the template in templates_dir",
            )
            continue
        yield Finding(True, f"templates for {customer.name}", f"every email in {customer.language}")


def _holidays(config: Config, now: datetime) -> Iterator[Finding]:
    years = sorted({now.year, now.year + 1, now.year + 2})
    regions = {(config.provider.holidays.country, config.provider.holidays.subdiv)}
    regions |= {(c.holidays.country, c.holidays.subdiv) for c in config.customers}
    for country, subdiv in sorted(regions, key=str):
        table = holidays.country_holidays(country, subdiv=subdiv, years=years)
        empty = [year for year in years if not any(day.year == year for day in table)]
        name = f"{country}-{subdiv}" if subdiv else country
        yield Finding(
            not empty,
            f"holidays of {name}",
            f"known for {years[0]}–{years[-1]}"
            if not empty
            else f"none known for {', '.join(map(str, empty))}",
            "update the holidays package",
        )


def _live(config: Config, environ: Mapping[str, str] | None, now: datetime) -> Iterator[Finding]:
    """Each customer's step 3 checks and monitoring, run once (reading only): what they see."""
    live = LiveChecks(LiveSystems(), environ, tries=1)
    for customer in config.customers:
        if not customer.checks and customer.monitoring.alertmanager is None:
            continue
        sample = _sample(config, customer, now)
        flight = live.flight(customer, sample, "before")
        for outcome in flight.outcomes:
            why = outcome.problem.text("en") if outcome.problem else "answers"
            fix = "check the system, or the check's url/tcp, ca_file and secrets"
            yield Finding(outcome.passed, f"{customer.name} check {outcome.name}", why, fix)
        if customer.monitoring.alertmanager is not None:
            what = f"{customer.name} monitoring"
            if flight.monitoring_problem is not None:
                problem = flight.monitoring_problem.text("en")
                yield Finding(False, what, problem, "check monitoring.alertmanager (url, token)")
            else:
                names = ", ".join(a.name for a in flight.firing or ()) or "none firing"
                yield Finding(True, what, f"Alertmanager answers; alerts: {names}")


def diagnose(
    config: Config,
    *,
    now: datetime,
    environ: Mapping[str, str] | None = None,
    progress: Progress = None,
) -> Iterator[Finding]:
    """Every check, each finding as soon as it is known, in the order a person fixes things:
    secrets, the endpoint, Zammad, GitLab, mail, calendar, logs, templates, holidays, and each
    customer's step 3 checks (``progress`` hears of each retry of an outside system)."""
    google = _SharedGoogle(config)
    checks: list[tuple[str, Check]] = [
        ("secrets", lambda: _secrets(config, environ)),
        ("server", lambda: _server(config, environ)),
        ("Zammad", lambda: _zammad(config, progress)),
        ("GitLab", lambda: _gitlab(config, progress)),
        ("GitLab hooks", lambda: gitlab_hooks(config)),
        ("mail", lambda: _mail(config)),
        ("Google", lambda: _google(config, google)),
        ("calendar", lambda: _calendar(config, google)),
        ("deployment logs", lambda: _logs(config, google)),
        ("templates", lambda: _templates(config, now)),
        ("holidays", lambda: _holidays(config, now)),
        ("step 3 checks", lambda: _live(config, environ, now)),
    ]
    for what, check in checks:
        yield from _guarded(what, check)
