"""``deploybot`` for looking: verify, status, show."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from bot.cli.base import (
    config_option,
    counted,
    fail,
    find_customer,
    load,
    main,
    print_report,
    utc_now,
)
from bot.config.models import Config
from bot.config.sections import DEFAULT_PORT
from bot.domain.commands import CommandError, parse_components, usage_line
from bot.domain.durations import format_duration
from bot.domain.effects import describe
from bot.domain.model import ENDED, Deployment, State, note_texts
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.prerequisites.rollback import guide_steps
from bot.domain.texts import say
from bot.domain.waiting import choice_waiting

if TYPE_CHECKING:
    from bot.app.store import OutboxItem, Store, Timer
    from integrations.gitlab import GitLabClient
    from integrations.zammad import ZammadClient

# The shell (store, clients, HTTP) is imported by the commands that use it, so that the
# planning commands start in a fraction of a second.


@contextlib.contextmanager
def _clients(config: Config, scenario: str | None) -> Iterator[tuple[ZammadClient, GitLabClient]]:
    """Clients for the configured Zammad and GitLab, or for emulators on ``scenario``."""
    from bot.app.run.wiring import gitlab_client, zammad_client

    if scenario is None:
        yield zammad_client(config.zammad), gitlab_client(config.gitlab)
        return
    from emulators.gitlab import GitLabEmulator
    from emulators.scenario import load_scenario
    from emulators.server import RunningEmulator
    from emulators.zammad import ZammadEmulator

    data = load_scenario(None if scenario == "demo" else Path(scenario))
    token = str(data.get("token", "demo-token"))
    with (
        RunningEmulator(ZammadEmulator(data)) as zammad,
        RunningEmulator(GitLabEmulator(data)) as gitlab,
    ):
        yield (
            zammad_client(config.zammad, url=zammad.url, token=token),
            gitlab_client(config.gitlab, url=gitlab.url, token=token),
        )


@main.command("verify")
@click.argument("tickets", nargs=-1, required=True)
@click.option("--env", "environment", help="Target environment (default: the customer's).")
@click.option(
    "--components", help='Components to deploy, e.g. "addon-diba 3.2.11, iam-sync 3.2.1".'
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--emulate",
    "scenario",
    metavar="SCENARIO",
    help="Ask Zammad and GitLab emulators on this scenario file ('demo': the shipped one).",
)
@config_option
def verify(
    tickets: tuple[str, ...],
    environment: str | None,
    components: str | None,
    as_json: bool,
    scenario: str | None,
    config_path: Path | None,
) -> None:
    """Check the prerequisites of deploying TICKETS to production: exit 0 when all pass."""
    config = load(config_path)
    explicit = None
    if components is not None:
        try:
            explicit = parse_components(components)
        except CommandError as exc:
            example = usage_line(exc.usage, "en").split(" ", 2)[2]
            fail(f'--components: {exc} (write it like "{example}")')
    from bot.app.orders.gather import DeploymentRequest, FactGatherer
    from bot.app.outside.zammad_reads import ZammadReads
    from emulators.scenario import ScenarioError
    from integrations.secrets import MissingSecretError
    from integrations.zammad import ZammadError

    request = DeploymentRequest(tuple(tickets), environment, explicit)
    try:
        with _clients(config, scenario) as (zammad, gitlab):
            facts = FactGatherer(config, ZammadReads(zammad), gitlab).gather(request)
    except (MissingSecretError, ScenarioError) as exc:
        fail(str(exc))
    except ZammadError as exc:
        fail(f"Zammad did not answer: {exc}", code=1)
    report = check_prerequisites(facts, config)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_report(report, config.provider.language)
    sys.exit(0 if report.ready else 1)


# ---------------------------------------------------------------------------------------------
# The lifecycle: demo, daemon, status and the CLI side of email-only requests


@main.command("status")
@click.option("--customer", "customer_name", help="Only this customer's deployments.")
@click.option("--all", "show_all", is_flag=True, help="Include ended deployments.")
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(1),
    help="With --all: the newest N.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@config_option
def status(
    customer_name: str | None,
    show_all: bool,
    limit: int,
    as_json: bool,
    config_path: Path | None,
) -> None:
    """Deployments and their states, the next timers and the outbox; with --all also the
    newest ended ones, and how many there are in each state."""
    config = load(config_path)
    store = _store(config)
    customer = find_customer(config, customer_name).name if customer_name else None
    if show_all:
        deployments = store.deployments.list(customer=customer, newest=limit)
        counts = store.reports.count_by_state(customer)
        if not as_json:
            by_state = ", ".join(f"{s.value} {n}" for s, n in counts.items())
            click.echo(f"{say(config.provider.language, 'cli_by_state')}: {by_state}")
    else:
        deployments = store.deployments.list(customer=customer, states=OPEN_STATES)
    ids = {d.id for d in deployments} if customer else None
    timers = [t for t in store.timers.list() if ids is None or t.deployment_id in ids]
    pending = [i for i in store.outbox.pending() if ids is None or i.deployment_id in ids]
    if as_json:
        click.echo(
            json.dumps(_status_json(deployments, timers, pending), ensure_ascii=False, indent=2)
        )
    else:
        _print_status(config, deployments, timers, pending)


OPEN_STATES = [state for state in State if state not in ENDED]


def _state_store(path: Path) -> Store:
    """The store of an existing SQLite state file; a missing or foreign file is an error
    (a typo must not serve an empty calendar)."""
    import sqlite3

    from bot.app.store import Store

    if not path.is_file():
        fail(f"--state {path}: no such file (the daemon's state.sqlite, or a demo's)")
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ).fetchone()
    except sqlite3.DatabaseError:
        found = None
    if found is None:
        fail(f"--state {path}: not a deploybot state (an SQLite database deploybot wrote)")
    return Store(f"sqlite:///{path.resolve()}")


def _store(config: Config) -> Store:
    from bot.app.store import Store, state_url

    return Store(state_url(config))


def _status_json(
    deployments: list[Deployment], timers: list[Timer], pending: list[OutboxItem]
) -> dict[str, Any]:
    return {
        "deployments": [
            {
                "id": d.id,
                "customer": d.customer,
                "environment": d.environment,
                "state": d.state.value,
                "planned_start": d.planned_start.isoformat() if d.planned_start else None,
                # a customer's choice waiting for the team's accept
                "chosen": {"start": d.chosen.start.isoformat(), "since": d.chosen.at.isoformat()}
                if d.chosen is not None
                else None,
                "tickets": [t.number for t in d.tickets],
            }
            for d in deployments
        ],
        "timers": [
            {"deployment": t.deployment_id, "name": t.name, "due": t.due_at.isoformat()}
            for t in timers
        ],
        "outbox": [
            {
                "deployment": i.deployment_id,
                "effect": describe(i.effect),
                "attempts": i.attempts,
                "last_error": i.last_error,
            }
            for i in pending
        ],
    }


def _print_status(
    config: Config, deployments: list[Deployment], timers: list[Timer], pending: list[OutboxItem]
) -> None:
    console = Console()
    language = config.provider.language
    table = Table(title=say(language, "cli_deployments"))
    # Ids and times are what people copy into commands: never broken; tickets wrap instead.
    table.add_column(say(language, "cli_col_id"), no_wrap=True)
    for key in ("cli_col_customer", "cli_col_env", "cli_col_state"):
        table.add_column(say(language, key))
    table.add_column(say(language, "cli_col_start"), no_wrap=True)
    table.add_column(say(language, "cli_col_tickets"), overflow="fold")
    tz = config.provider.tz
    waiting = []
    for d in deployments:
        start = f"{d.planned_start.astimezone(tz):%d/%m/%Y %H:%M}" if d.planned_start else "-"
        line = choice_waiting(d, config, now=utc_now(), language=config.provider.language)
        if line is not None and d.chosen is not None:
            chosen = say(config.provider.language, "cli_chosen_short")
            start = f"{d.chosen.start.astimezone(tz):%d/%m/%Y %H:%M} ({chosen})"
            waiting.append(f"{d.id}: {line}")
        requesters = ", ".join(parseaddr(a)[1] or a for a in d.email_requesters)
        label = config.zammad.ticket_label
        tickets = ", ".join(label(t.number) for t in d.tickets) or requesters
        table.add_row(d.id, d.customer, d.environment, d.state.value, start, tickets)
    console.print(table)
    for line in waiting:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    if timers:
        due = [
            f"{t.deployment_id} {t.name} at {t.due_at.astimezone(tz):%d/%m %H:%M}" for t in timers
        ]
        console.print(f"{say(language, 'cli_next_timers')}: " + "; ".join(due))
    lines = [
        f"\n  {i.deployment_id}: {describe(i.effect)} — "
        f"{counted(i.attempts, 'attempt', 'attempts')}"
        + (f", last error: {i.last_error}" if i.last_error else "")
        for i in pending
    ]
    console.print(say(language, "cli_outbox", count=len(pending)) + "".join(lines))


@main.command("show")
@click.argument("deployment_id")
@config_option
def show(deployment_id: str, config_path: Path | None) -> None:
    """One deployment: its details, its history (audit trail) and its effects."""
    config = load(config_path)
    store = _store(config)
    deployment = store.deployments.get(deployment_id.upper())
    if deployment is None:
        fail(say(config.provider.language, "cli_no_deployment", id=deployment_id), code=1)
    tz = config.provider.tz

    def local(moment: datetime | None) -> str:
        return f"{moment.astimezone(tz):%d/%m/%Y %H:%M}" if moment else "-"

    language = config.provider.language
    click.echo(f"{deployment.id}  {deployment.customer} {deployment.environment}  "
               f"{deployment.state.value}")  # fmt: skip
    for key, text in _details(deployment, config, local):
        click.echo(f"  {say(language, f'cli_show_{key}'):<12}{text}")
    click.echo(say(language, "cli_show_history"))
    for entry in store.audit.trail(deployment.id):
        change = f"{entry.old_state or '-'} -> {entry.new_state}"
        click.echo(
            f"  {local(entry.at)}  {entry.event:<16} {change:<26} {entry.source}/{entry.actor}"
        )
        for name, outcome in (entry.details.get("step3") or {}).get("checks", {}).items():
            click.echo(f"      {say(language, 'cli_show_step3')}: {name}: {outcome}")
    _show_step3(store, deployment.id)
    click.echo(say(language, "cli_show_effects"))
    for item in store.outbox.items(deployment.id):
        error = f" — {item.last_error}" if item.last_error else ""
        click.echo(f"  [{item.status}] {describe(item.effect, language)}{error}")


def _details(
    d: Deployment, config: Config, local: Callable[[datetime | None], str]
) -> Iterator[tuple[str, str]]:
    """The lines of ``show`` above the history, as (label key, text), in the operator's
    language."""
    language = config.provider.language
    label = config.zammad.ticket_label
    yield "tickets", ", ".join(f"{label(t.number)} {t.title}" for t in d.tickets) or "-"
    back = say(language, "cli_show_back_to")
    yield (
        "components",
        ", ".join(
            f"{c.name} {c.version} ({back} {c.rollback_version or '?'})" for c in d.components
        )
        or "-",
    )
    duration = format_duration(d.duration)
    yield "planned", say(language, "cli_show_for", start=local(d.planned_start), duration=duration)
    yield "actual", f"{local(d.actual_start)} – {local(d.actual_end)}"
    waiting = choice_waiting(d, config, now=utc_now(), language=language)
    if waiting is not None:
        yield "waiting", waiting
    if d.chosen is not None:
        said = f" — “{d.chosen.comment}”" if d.chosen.comment else ""
        yield "chosen", say(language, "cli_show_chosen_by", start=local(d.chosen.start),
                            by=d.chosen.by, tag=config.zammad.tags.accept) + said  # fmt: skip
    for step in guide_steps(d, config, language):
        yield "rollback", step
    for note in note_texts(d, language):
        yield "note", note
    for name, version in d.verified:
        yield "verified", name + (f" ({version})" if version else "")


def _show_step3(store: Store, deployment_id: str) -> None:
    """Step 3 carried out: each job's state and link, then the progress lines."""

    run = store.runs.load(deployment_id)
    if run is None:
        return
    click.echo(f"Step 3 ({run.mode}, {run.phase}{': ' + run.held if run.held else ''}):")
    for step in run.steps:
        click.echo(f"  {step.state:<9} {step.target.label}  {step.web_url or '-'}")
    for line in run.lines:
        click.echo(f"  | {line}")


@main.command("serve")
@click.option(
    "--port", type=click.IntRange(0, 65535),
    help=f"Port to listen on (default: server.port, else {DEFAULT_PORT}; 0: any free one).",
)  # fmt: skip
@click.option("--host", default=None, help="Address to listen on (default: server.host).")
@click.option(
    "--state", "state_path", type=click.Path(path_type=Path, dir_okay=False),
    help="A SQLite state file to show instead of state.url (the demo's, say).",
)  # fmt: skip
@config_option
def serve_views(
    port: int | None, host: str | None, state_path: Path | None, config_path: Path | None
) -> None:
    """Serve the change calendar, the deployment pages, the report and the calendar feed from
    the store, without the daemon: /calendar, /calendar.ics, /deployments/ID, /report; with
    booking links configured, the customers' booking pages too (/book/…).

    The token is read from the variable named by server.token_env (default
    DEPLOYBOT_PAGES_TOKEN). A booking is acted on as the daemon would: same store, outbox, rules.
    """
    from bot.app.store import sqlite_url
    from bot.app.web.views import ViewsApp
    from bot.app.web.webhook import serve
    from integrations.secrets import MissingSecretError, read_secret

    config = load(config_path)
    store = _state_store(state_path) if state_path else _store(config)
    if state_path is not None:  # the booking pages act on that store too
        url = sqlite_url(state_path.resolve())
        config = config.model_copy(update={"state": config.state.model_copy(update={"url": url})})
    name = config.server.token_env or "DEPLOYBOT_PAGES_TOKEN"
    try:
        token = read_secret(name, None, what="pages token").encode()
        app = _booking_app(config, ViewsApp(config, store, token, utc_now))
    except MissingSecretError as exc:
        fail(str(exc))
    host = host or config.server.host
    port = port if port is not None else config.server.port or DEFAULT_PORT
    try:
        server = serve(app, host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    click.echo(f"http://{host}:{server.server_port}/calendar — Ctrl-C stops")
    try:
        threading.Event().wait()  # the server answers in its own threads
    except KeyboardInterrupt:
        server.shutdown()


def _booking_app(config: Config, views: Any) -> Any:
    """The views, with the booking pages before them when links are configured: a booking's
    effects are carried out right after it, in the background."""
    from bot.app.run.wiring import booking_links, build_service
    from bot.app.web.booking_pages import booking_app
    from bot.cli.base import utc_now

    links = booking_links(config)
    if links is None:
        return views
    service = build_service(config, clock=utc_now)

    def drain() -> None:
        def run() -> None:
            service.drain_outbox()  # claimed effect by effect: no decision lock needed

        threading.Thread(target=run, name="deploybot-booking-effects", daemon=True).start()

    pages = booking_app(service, service.links, after=drain)
    assert pages is not None  # the service makes links: booking_links said so
    return pages.before(views)
