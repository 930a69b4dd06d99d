"""``deploybot`` tools: emulate, preview, log-template, demo."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.base import config_option, fail, find_customer, load, main, utc_now
from bot.config.models import Config, Customer, EmailKind
from bot.domain.calendar.planning import propose_slots
from bot.domain.calendar.rules import rules_for
from bot.domain.model import ComponentVersion, Deployment, State, TicketRef
from bot.domain.notifications import recipients_for
from bot.domain.rendering import EMAIL_KINDS, Renderer, TemplateError, moment_words
from bot.domain.texts import LANGUAGES
from emulators.scenario import ScenarioError

if TYPE_CHECKING:
    from emulators.server import EmulatorApp


@main.command("emulate")
@click.argument("system", type=click.Choice(["zammad", "gitlab", "google"]))
@click.option("--port", default=0, show_default="a free port", type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 to serve on.")  # fmt: skip
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Scenario file (default: the shipped demo scenario).",
)
@click.option(
    "--key-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("google-service-account.json"),
    show_default=True,
    help="google: where to write the service account's key file (its token_uri points here).",
)
@click.option(
    "--search",
    type=click.Choice(["sql", "es"]),
    default=None,
    help="zammad: search as a Zammad without Elasticsearch (sql, the default) or with it (es).",
)
def emulate(
    system: str, port: int, scenario_path: Path | None, key_file: Path, search: str | None
) -> None:
    """Serve a Zammad, GitLab or Google (Drive, Sheets, Calendar) emulator on 127.0.0.1 until
    interrupted."""
    # Imported here so that the planning commands do not load the HTTP stack.
    from emulators.scenario import load_scenario
    from emulators.server import RunningEmulator

    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as exc:
        fail(str(exc))
    if search is not None:
        scenario.setdefault("zammad", {})["search"] = search
    app = _emulator(system, scenario)
    try:
        server = RunningEmulator(app, port=port)
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}")
    for line in _emulator_hints(system, scenario, server.url, app, key_file):
        click.echo(line)
    click.echo("  Ctrl-C stops it.")
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()


def _emulator(system: str, scenario: dict[str, Any]) -> EmulatorApp:
    from emulators.gitlab import GitLabEmulator
    from emulators.google import GoogleEmulator
    from emulators.zammad import ZammadEmulator

    kinds: dict[str, type[EmulatorApp]] = {
        "zammad": ZammadEmulator,
        "gitlab": GitLabEmulator,
        "google": GoogleEmulator,
    }
    return kinds[system](scenario)


def _emulator_hints(
    system: str, scenario: dict[str, Any], url: str, app: EmulatorApp, key_file: Path
) -> list[str]:
    """What to tell the person who started the emulator: where it is and how to call it."""
    if system == "google":
        from emulators.google import GoogleEmulator

        assert isinstance(app, GoogleEmulator)
        account = str((scenario.get("google") or {}).get("service_account", "deploybot@demo"))
        key_file.write_text(json.dumps(app.issue_key(account, f"{url}/token"), indent=2))
        key_file.chmod(0o600)
        return [
            f"google emulator on {url}  (Drive v3, Sheets v4, Calendar v3, OAuth)",
            f"  key file of {account}: {key_file}",
            f"  in the configuration: google: {{credentials_file: {key_file}, api_url: {url}}}",
        ]
    token = scenario.get("token", "demo-token")
    header = (
        f"Authorization: Token token={token}" if system == "zammad" else f"PRIVATE-TOKEN: {token}"
    )
    example = "/api/v1/tickets/1?all=true" if system == "zammad" else "/api/v4/projects/11/releases"
    searching = ""
    if system == "zammad":
        backend = (scenario.get("zammad") or {}).get("search", "sql")
        searching = ", search with Elasticsearch" if backend == "es" else ", no Elasticsearch"
    return [
        f"{system} emulator on {url}  (token: {token}{searching})",
        f"  try: curl -H '{header}' {url}{example}",
    ]


def sample_deployment(config: Config, customer: Customer, now: datetime) -> Deployment:
    """A plausible deployment of ``customer`` at its next allowed slot, to preview templates."""
    rules = rules_for(config, customer)
    plan = propose_slots(rules, now=now, duration=customer.default_duration, count=1)
    start = plan.slots[0].start if plan.slots else now + timedelta(days=2)
    versions = [("3.2.11", "3.2.10"), ("3.2.1", "3.2.0")]
    names = list(customer.components)[:2] or ["addon"]
    components = tuple(
        ComponentVersion(name, version, previous)
        for name, (version, previous) in zip(names, versions, strict=False)
    )
    return Deployment(
        id=f"{customer.name.upper()}-{start.year}-0007",
        customer=customer.name,
        environment=customer.default_environment.name,
        state=State.SCHEDULED,
        requested_at=now,
        tickets=(
            TicketRef("7412280", "Tractar els ORGANISMES com si fós un ORGÀNIC"),
            TicketRef("7412301", "Error al sincronitzar grups niats"),
        ),
        components=components,
        duration=customer.default_duration,
        planned_start=start,
    )


#: The booking link a previewed proposals email shows (a sample: no link is signed).
SAMPLE_LINK = "https://deploybot.example/book/SAMPLE"


def sample_offer(
    config: Config, deployment: Deployment, template: EmailKind, language: str, now: datetime
) -> tuple[Deployment, dict[str, str]]:
    """For the proposals and the receipt of a choice: the deployment with three proposed
    slots (the customer's next allowed ones), and the sample link or the first slot chosen."""
    customer = config.customer(deployment.customer)
    plan = propose_slots(rules_for(config, customer), now=now, duration=deployment.duration,
                         count=3)  # fmt: skip
    starts = tuple(slot.start for slot in plan.slots) or (now + timedelta(days=2),)
    offered = dataclasses.replace(deployment, state=State.READY, planned_start=None,
                                  proposals=starts, proposal_round=1)  # fmt: skip
    if template == "proposals":
        return offered, {"link": SAMPLE_LINK}
    return offered, {"chosen": moment_words(starts[0], config, language)}


@main.command("preview")
@click.argument("template", type=click.Choice(EMAIL_KINDS))
@click.option("--customer", "customer_name", required=True, help="Customer to preview for.")
@click.option("--lang", type=click.Choice(LANGUAGES), help="Language (default: the customer's).")
@click.option("--env", "environment", help="Environment (default: the customer's production).")
@click.option("--html", "as_html", is_flag=True, help="Print the HTML part instead of the text.")
@config_option
def preview(
    template: EmailKind,
    customer_name: str,
    lang: str | None,
    environment: str | None,
    as_html: bool,
    config_path: Path | None,
) -> None:
    """Print an email rendered for a sample deployment of a customer (its next allowed slot)."""
    config = load(config_path, quiet=True)
    customer = find_customer(config, customer_name)
    now = utc_now()
    deployment = sample_deployment(config, customer, now)
    if environment:
        deployment = dataclasses.replace(deployment, environment=environment)
    if template in ("start", "delay", "end", "rollback"):
        start = deployment.planned_start or now
        end = start + deployment.duration + timedelta(minutes=6) if template == "end" else None
        deployment = dataclasses.replace(deployment, actual_start=start, actual_end=end)
    extra: dict[str, str] = {}
    if template in ("proposals", "chosen"):
        language = lang or customer.language
        deployment, extra = sample_offer(config, deployment, template, language, now)
    to, cc = recipients_for(template, deployment, config)
    sent = deployment.actual_end or deployment.actual_start or deployment.planned_start or now
    try:
        email = Renderer.for_config(config).email(
            template, deployment, config, now=sent, language=lang, **extra
        )
    except TemplateError as exc:
        fail(f"template error: {exc}")
    click.echo(f"To: {', '.join(to) or '(nobody configured)'}")
    if cc:
        click.echo(f"Cc: {', '.join(cc)}")
    click.echo(f"Subject: {email.subject}")
    click.echo("")
    click.echo(email.html if as_html else email.text, nl=False)


@main.command("log-template")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lang", type=click.Choice(LANGUAGES), help="Header language (default: operator's).")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@config_option
def log_template(path: Path, lang: str | None, force: bool, config_path: Path | None) -> None:
    """Write the deployment-log template (styled header, filters, status list) to PATH."""
    from integrations.deployment_log import write_template

    if path.exists() and not force:
        fail(f"{path} exists; pass --force to replace it", code=1)
    language = lang or load(config_path).provider.language
    write_template(path, language)
    click.echo(f"wrote {path} ({language})")


@main.command("demo")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the artifacts (emptied first).",
)
@config_option
def demo(out: Path, config_path: Path | None) -> None:
    """Play the whole procedure for DIBA on the emulators and leave every artifact in --out."""
    from bot.cli.demo import BACKENDS, run_demo
    from emulators.scenario import load_scenario

    config = load(config_path, quiet=True)
    backend = os.environ.get("DEPLOYBOT_DEMO_BACKEND", "folder") or "folder"
    if backend not in BACKENDS:
        fail(f"DEPLOYBOT_DEMO_BACKEND={backend!r}: write one of {', '.join(BACKENDS)}")
    systems = "Zammad and GitLab" + (", Google Drive and Calendar" if backend != "folder" else "")
    click.echo(f"deploybot demo: {config.source} on the emulated {systems}, out: {out}")
    if backend != "folder":
        click.echo(f"  the deployment log: {backend}")
    click.echo("")
    run_demo(config, load_scenario(), out.resolve(), click.echo, backend=backend)
