"""``deploybot demo``: the whole procedure for one customer, as a person would drive it in
Zammad, against the Zammad and GitLab emulators, with real files and no secrets.

The workbench it builds (emulators, store, service, a clock that only moves when told) is also
what the end-to-end tests drive.
"""

from __future__ import annotations

import contextlib
import html
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.app.run.service import Service
from bot.app.run.wiring import build_service, deployment_log
from bot.app.store import Store, sqlite_url
from bot.app.web.booking_desk import BookingDesk
from bot.app.web.booking_pages import BookingPages
from bot.app.web.server import serve
from bot.config.loading import config_data
from bot.config.models import Config, GoogleCalendarConfig, GoogleConfig
from bot.config.sections import DEFAULT_PORT
from bot.domain.model import Deployment
from bot.resources import example_config_path
from emulators.gitlab import GitLabEmulator
from emulators.google import GoogleEmulator
from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator

#: The demo's "now": Thursday 26 November 2026, 10:00 in Madrid — fixed, so runs repeat.
DEMO_START = datetime.fromisoformat("2026-11-26T10:00:00+01:00")
#: Where the demo's booking links point (its pages are served on loopback; a link's path is
#: what the page reads) and the secret that signs them — no secret of anyone's.
DEMO_PUBLIC_URL = "https://deploybot.example"
DEMO_BOOKING_SECRET = "demo-booking-secret-published-not-a-secret"
#: The variables the demo's configuration names, and the token of the team's pages it prints.
DEMO_SECRET_VARIABLE = "DEPLOYBOT_BOOKING_SECRET"
DEMO_PAGES_VARIABLE = "DEPLOYBOT_PAGES_TOKEN"
DEMO_PAGES_TOKEN = "demo"


class ManualClock:
    """A clock that moves only when told (the demo and the tests set the time)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment``."""
        self.now = moment

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self.now += delta


@dataclass
class Workbench:
    """Everything a demo or an end-to-end test drives."""

    config: Config
    out: Path
    clock: ManualClock
    store: Store
    service: Service
    zammad: ZammadEmulator
    gitlab: GitLabEmulator
    build: Callable[[], Service]
    #: The Drive / Sheets / Calendar emulator, when the log or the calendar is at Google.
    google: GoogleEmulator | None = None

    def restart(self) -> None:
        """Stop and start deploybot: a new process on the same store and outside systems."""
        self.service = self.build()
        self.store = self.service.store

    def person_tags(
        self, ticket_id: int, *tags: str, by: str = "marta.vidal@soffid.example"
    ) -> None:
        """A person adds tags to a ticket in Zammad."""
        current = list(self.zammad.tags[ticket_id])
        self.zammad.set_tags(ticket_id, [*current, *tags], by=by)

    def person_notes(
        self, ticket_id: int, text: str, by: str = "marta.vidal@soffid.example"
    ) -> None:
        """A person writes an internal note in Zammad."""
        self.zammad.add_article(
            ticket_id, body=f"<p>{text}</p>", internal=True, type_="note", sender="Agent", author=by
        )
        self.zammad._touch(ticket_id)

    def cycle(self) -> None:
        """One poll cycle of the daemon."""
        self.service.run_cycle()

    def deployment(self, deployment_id: str) -> Deployment:
        """A deployment from the store."""
        found = self.store.deployments.get(deployment_id)
        assert found is not None, deployment_id
        return found

    def notes(self, ticket_id: int) -> list[dict[str, Any]]:
        """deploybot's articles on a ticket."""
        return [a for a in self.zammad.ticket_articles(ticket_id) if "deploybot ref" in a["body"]]


def demo_config(
    base: Config, out: Path, zammad_url: str, gitlab_url: str, gitlab_retries: int = 0
) -> Config:
    """The example configuration pointed at the emulators and at files under ``out``."""
    return base.model_copy(
        update={
            "zammad": base.zammad.model_copy(update={"url": zammad_url}),
            "gitlab": base.gitlab.model_copy(
                update={"url": gitlab_url, "max_retries": gitlab_retries}
            ),
            "smtp": base.smtp.model_copy(
                update={"transport": "directory", "directory": out / "mail"}
            ),
            "calendar": base.calendar.model_copy(
                update={"ics_dir": out / "calendar", "caldav": None}
            ),
            # Locks and log backups too stay under ``out``, whatever store the demo runs on.
            "deployment_log": base.deployment_log.model_copy(
                update={
                    "dir": out / "DEPLOYMENTS",
                    "lock_dir": out / "locks",
                    "backup_dir": out / "log-backups",
                }
            ),
            "state": base.state.model_copy(update={"url": sqlite_url(out / "state.sqlite")}),
        }
    )


#: The Drive folder and calendar of the demo scenario's ``google`` section.
DEMO_FOLDER = "1DeploymentsFolderXk3mQ9"
DEMO_CALENDAR = "despliegues@group.calendar.google.com"
BACKENDS = ("folder", "google_drive", "google_sheets")


def google_config(config: Config, backend: str, key_file: Path, api_url: str) -> Config:
    """``config`` with its log in the emulated Drive (``google_drive`` or ``google_sheets``) and
    its events in the emulated Google Calendar, signed in with ``key_file``."""
    google = GoogleConfig(credentials_file=key_file, api_url=api_url)
    log = config.deployment_log.model_copy(update={"backend": backend, "folder_id": DEMO_FOLDER})
    calendar = config.calendar.model_copy(
        update={"google": GoogleCalendarConfig(calendar_id=DEMO_CALENDAR)}
    )
    return config.model_copy(update={"google": google, "deployment_log": log, "calendar": calendar})


def _start_google(
    stack: contextlib.ExitStack, scenario: dict[str, Any], clock: ManualClock, out: Path
) -> tuple[GoogleEmulator, Path, str]:
    """The Google emulator on the scenario, and a key file of its service account."""
    app = GoogleEmulator(scenario, clock=clock)
    server = stack.enter_context(RunningEmulator(app))
    account = str((scenario.get("google") or {}).get("service_account", "deploybot@demo"))
    key_file = out / "google-service-account.json"
    key_file.write_text(json.dumps(app.issue_key(account, f"{server.url}/token")))
    key_file.chmod(0o600)
    return app, key_file, server.url


@contextlib.contextmanager
def workbench(
    base: Config,
    scenario: dict[str, Any],
    out: Path,
    *,
    start: datetime = DEMO_START,
    observer: Callable[[str], None] | None = None,
    store_url: str | None = None,
    gitlab_retries: int = 0,
    backend: str = "folder",
    booking: bool = False,
) -> Iterator[Workbench]:
    """Emulators on the scenario, a store and a service writing under ``out``; with a Google
    ``backend``, the log and the calendar at the emulated Google too; with ``booking``, the
    proposals reach the customer with a booking link (:data:`DEMO_PUBLIC_URL`)."""
    out.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(start)
    zammad_app = ZammadEmulator(scenario, clock=clock)
    gitlab_app = GitLabEmulator(scenario, clock=clock)
    token = str(scenario.get("token", "demo-token"))
    with contextlib.ExitStack() as stack:
        zammad = stack.enter_context(RunningEmulator(zammad_app))
        gitlab = stack.enter_context(RunningEmulator(gitlab_app))
        config = demo_config(base, out, zammad.url, gitlab.url, gitlab_retries)
        google_app = None
        if backend != "folder":
            google_app, key_file, google_url = _start_google(stack, scenario, clock, out)
            config = google_config(config, backend, key_file, google_url)
        if store_url is not None:
            state = config.state.model_copy(update={"url": store_url})
            config = config.model_copy(update={"state": state})
        secret = None
        if booking:
            server = config.server.model_copy(update={"public_url": DEMO_PUBLIC_URL})
            config = config.model_copy(update={"server": server})
            secret = DEMO_BOOKING_SECRET

        def build() -> Service:
            return build_service(config, clock=clock, observer=observer, token=token,
                                 sleep=lambda _: None, booking_secret=secret)  # fmt: skip

        service = build()
        yield Workbench(
            config, out, clock, service.store, service, zammad_app, gitlab_app, build, google_app
        )


def run_demo(
    base: Config,
    scenario: dict[str, Any],
    out: Path,
    echo: Callable[[str], None],
    *,
    backend: str = "folder",
) -> Path:
    """Play the procedure for DIBA: tag → report and proposals → schedule → start → a delay →
    done. Leaves the log, the emails, the event, Zammad's state and the SQLite state in ``out``
    (with a Google ``backend``, the log and the event are at the emulated Google)."""
    if out.exists():
        shutil.rmtree(out)
    observer = lambda line: echo(f"    {line}")  # noqa: E731
    with workbench(base, scenario, out, observer=observer, backend=backend, booking=True) as bench:
        tz = bench.config.provider.tz

        def step(text: str) -> None:
            echo(f"{bench.clock().astimezone(tz):%a %d %b %H:%M}  {text}")

        step("Marta tags tickets 7412280 and 7412301 'deploy'")
        bench.person_tags(1, "deploy")
        bench.person_tags(2, "deploy")
        bench.cycle()
        deployment = bench.store.deployments.list()[0]
        first = deployment.proposals[0].astimezone(tz)
        step(f"{deployment.id} is {deployment.state.value}; first proposal {first:%d/%m/%Y %H:%M}")

        bench.clock.advance(timedelta(minutes=20))
        link = _agree_the_slot(bench, first, step)

        timers = {t.name: t.due_at for t in bench.store.timers.list()}
        if "reminder" in timers:
            bench.clock.set(timers["reminder"])
            step("The working day before: the reminder re-checks the prerequisites")
            bench.cycle()

        bench.clock.set(first)
        step("Slot time: Marta tags 'deploy-start'")
        bench.person_tags(1, "deploy-start")
        bench.cycle()
        _play_jobs(bench, deployment.id, step)

        current = bench.deployment(deployment.id)
        late = first + current.duration + bench.config.workflow.delay_grace + timedelta(minutes=1)
        bench.clock.set(late)
        step("The estimate and its grace have passed: the delay timer fires")
        bench.cycle()

        bench.clock.advance(timedelta(minutes=9))
        step("Marta finishes and tags 'deploy-done'")
        bench.person_tags(1, "deploy-done")
        bench.cycle()

        final = bench.deployment(deployment.id)
        step(f"{final.id} is {final.state.value}")
        _leave_state(bench, echo)
        _leave_config(base, scenario, out)
    _farewell(out, base, link, echo)
    return out


def _play_jobs(bench: Workbench, deployment_id: str, step: Callable[[str], None]) -> None:
    """Step 3 carried out: a cycle a minute while deploybot plays and follows DIBA's GitLab
    jobs (maintenance on, each deploy job, restart, checks, maintenance off)."""
    runner = bench.service.jobs_runner
    if runner is None or bench.config.customer("DIBA").step3 is None:
        return
    step("deploybot plays DIBA's GitLab jobs, one cycle a minute")
    for _ in range(12):
        bench.clock.advance(timedelta(minutes=1))
        bench.cycle()
        run = runner.runs.load(deployment_id)
        if run is None or run.phase in ("held", "finished"):
            break
    if run is not None and run.lines:
        step(f"step 3: {run.lines[-1]}")


def _agree_the_slot(bench: Workbench, first: datetime, step: Callable[[str], None]) -> str:
    """The customer opens the link of the proposals comment and chooses the first slot, as a
    browser would (the page served on loopback, its form sent back with its CSRF token); Marta
    accepts the choice with one tag. Returns the link's token."""
    service, links = bench.service, bench.service.links
    assert links is not None
    comments = [str(a["body"]) for a in bench.zammad.ticket_articles(1) if not a["internal"]]
    token = comments[-1].split("/book/", 1)[1].split('"', 1)[0]
    step(
        f"The customer opens the link in the proposals comment: {links.base_url}/book/{token[:12]}…"
    )
    pages = BookingPages(BookingDesk(service, links, after=lambda: None))
    server = serve(pages, "127.0.0.1", 0)
    try:
        address = f"http://127.0.0.1:{server.server_port}/book/{token}"
        session = requests.Session()
        page = session.get(address, timeout=10)
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        answer = session.post(address, data={"csrf": csrf, "slot": first.isoformat()}, timeout=30)
        (bench.out / "booking-page.html").write_text(page.text, encoding="utf-8")
    finally:
        server.shutdown()
    said = answer.text.split('role="status">', 1)[1].split("</p>", 1)[0].replace("<p>", "")
    step(f"...chooses {first:%d/%m %H:%M}; the page says: {html.unescape(' '.join(said.split()))}")
    bench.cycle()
    step("Marta reads the note and tags 'deploy-accept'")
    bench.person_tags(1, "deploy-accept")
    bench.cycle()
    return token


def _leave_state(bench: Workbench, echo: Callable[[str], None]) -> None:
    """Zammad's state as a file; the log and events at Google, read back, when used."""
    (bench.out / "zammad-state.json").write_text(
        json.dumps(bench.zammad.dump(), ensure_ascii=False, indent=2, default=str) + "\n",
        encoding="utf-8",
    )
    if bench.google is not None:
        _show_google(bench, echo)


def _show_google(bench: Workbench, echo: Callable[[str], None]) -> None:
    """The log as Google holds it (read back through the API) and the calendar's events."""
    log = deployment_log(bench.config, "DIBA")
    where = "Google Sheet" if bench.config.deployment_log.backend == "google_sheets" else "Drive"
    echo("")
    echo(f"{log.name} in {where} (read back through the API):")
    for row in log.read_rows():
        echo(f"  {row['deployment_id']}  {row['status']}  {row.get('components') or ''}")
    assert bench.google is not None
    for calendar in bench.google.calendar.calendars.values():
        for event in calendar.events.values():
            start = event["start"]["dateTime"]
            echo(
                f"Google Calendar {calendar.summary!r}: {event['summary']} at {start}, "
                f"{event['status']}, iCalUID {event['iCalUID']}"
            )


def _leave_config(base: Config, scenario: dict[str, Any], out: Path) -> None:
    """``out/deploybot.yaml``: the demo's configuration for ``deploybot serve`` on its state —
    the state, mail, calendar and log under ``out``, the demo's booking links and the variables
    holding the pages token and the links' secret; the emulators' token in a file beside it."""
    source = base.source or example_config_path()
    data = config_data(source.read_text(encoding="utf-8"))
    token_file = out / "emulators-token"
    token_file.write_text(str(scenario.get("token", "demo-token")) + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    for system in ("zammad", "gitlab"):
        data[system] = {**data.get(system, {}), "token_file": token_file.name}
    data["state"] = {**data.get("state", {}), "url": "sqlite:///state.sqlite"}
    data["smtp"] = {**data.get("smtp", {}), "transport": "directory", "directory": "mail"}
    calendar = {k: v for k, v in data.get("calendar", {}).items() if k != "caldav"}
    data["calendar"] = {**calendar, "ics_dir": "calendar"}
    data["deployment_log"] = {**data.get("deployment_log", {}), "dir": "DEPLOYMENTS",
                              "lock_dir": "locks", "backup_dir": "log-backups"}  # fmt: skip
    data["server"] = {
        **data.get("server", {}),
        "public_url": DEMO_PUBLIC_URL,
        "token_env": DEMO_PAGES_VARIABLE,
        "booking_secret_env": DEMO_SECRET_VARIABLE,
    }
    header = "# deploybot demo: `deploybot serve --config` this file to see the demo's state.\n"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    (out / "deploybot.yaml").write_text(header + text, encoding="utf-8")


def _farewell(out: Path, base: Config, link: str, echo: Callable[[str], None]) -> None:
    """What the demo left, and the one command that serves its change calendar and answers
    its booking link (spent now: it says where the deployment stands)."""
    echo("")
    echo(f"Artifacts in {out}:")
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        echo(f"  {path.relative_to(out)}")
    port = base.server.port or DEFAULT_PORT
    pages, secret = f"{DEMO_PAGES_VARIABLE}={DEMO_PAGES_TOKEN}", DEMO_SECRET_VARIABLE
    variables = f"{pages} {secret}={DEMO_BOOKING_SECRET}"
    echo("")
    echo("The change calendar and the customer's booking link of this demo:")
    echo(f"  {variables} .venv/bin/deploybot serve --config {out / 'deploybot.yaml'}")
    echo(f"  then open http://127.0.0.1:{port}/calendar?month=2026-11&token={DEMO_PAGES_TOKEN}")
    echo(f"  and the link ({DEMO_PUBLIC_URL}/book/…): http://127.0.0.1:{port}/book/{link}")
