"""The command line: ``deploybot …``.

The shell of the program: it reads the configuration once, reads the clock once per command,
and hands plain data to the pure core.
"""

from __future__ import annotations

import calendar as month_calendar
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot import __version__
from bot.calendar import (
    DayVerdict,
    SlotPlan,
    SlotRules,
    explain_day,
    propose_slots,
    rules_for,
)
from bot.calendar_texts import WEEKDAY_NAMES, short_date
from bot.commands import CommandError, parse_components, parse_datetime
from bot.config import (
    Config,
    ConfigError,
    Customer,
    EmailKind,
    UnknownCustomerError,
    load_config,
)
from bot.daemon import run_daemon, webhook_secret
from bot.durations import DurationError, format_duration, parse_duration
from bot.effects import channels_for, describe
from bot.facts import DeploymentRequest, FactGatherer
from bot.lifecycle import (
    CancelRequested,
    DelayRequested,
    DoneRequested,
    Event,
    Origin,
    RollbackRequested,
    new_deployment,
)
from bot.model import ComponentVersion, Deployment, State, TicketRef
from bot.notifications import recipients_for
from bot.prerequisites import Report, check_prerequisites
from bot.rendering import EMAIL_KINDS, LANGUAGES, Renderer, TemplateError
from bot.resources import example_config_path
from bot.service import Service
from bot.store import Store
from bot.wiring import gitlab_client, zammad_client
from integrations.emulators.scenario import ScenarioError
from integrations.gitlab import GitLabClient
from integrations.secrets import MissingSecretError
from integrations.zammad import ZammadClient, ZammadError

EXIT_CONFIG = 2

log = logging.getLogger("deploybot")


def utc_now() -> datetime:
    """The system clock, read by the shell only (tests move it with time-machine)."""
    return datetime.now(UTC)


def default_config_path(cwd: Path | None = None) -> Path:
    """``./deploybot.yaml``, else ``$DEPLOYBOT_CONFIG``, else the shipped example."""
    local = (cwd or Path.cwd()) / "deploybot.yaml"
    if local.exists():
        return local
    from_env = os.environ.get("DEPLOYBOT_CONFIG")
    if from_env:
        return Path(from_env)
    return example_config_path()


def _fail(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def load(config_path: Path | None) -> Config:
    """Load the configuration or exit with code 2 and every problem on stderr."""
    path = config_path or default_config_path()
    try:
        return load_config(path)
    except ConfigError as exc:
        _fail(str(exc))


def find_customer(config: Config, name: str) -> Customer:
    """The named customer (case-insensitive) or exit 2 listing the known ones."""
    try:
        return config.customer(name)
    except UnknownCustomerError as exc:
        _fail(str(exc))


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date; write it as YYYY-MM-DD", param_hint=option
        ) from None


def _parse_duration(value: str | None, default: timedelta) -> timedelta:
    if value is None:
        return default
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise click.BadParameter(str(exc), param_hint="--duration") from None


def config_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--config PATH`` option every command takes."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Configuration file (default: ./deploybot.yaml, $DEPLOYBOT_CONFIG, the example).",
    )(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="deploybot")
def main() -> None:
    """deploybot: production deployments by the procedure, driven from Zammad."""


def customer_summary(config: Config, customer: Customer) -> str:
    """One line that says what deploybot will do for a customer."""
    rules = rules_for(config, customer)
    region = rules.customer_side.region
    productive = [
        e.name + ("*" if e is customer.default_environment else "")
        for e in customer.environments
        if e.productive
    ]
    parts = [
        customer.managed_by + (f" ({customer.partner.name})" if customer.partner else ""),
        region,
        customer.language,
        f"window {rules.window_text()}",
        f"productive: {', '.join(productive) or 'none'}",
        f"{len(customer.components)} component(s)",
    ]
    if customer.am_pam:
        parts.append("AM/PAM")
    if customer.vacations:
        parts.append(f"{len(customer.vacations)} vacation(s)")
    return f"{customer.name}: " + ", ".join(parts)


@main.command("validate-config")
@config_option
def validate_config(config_path: Path | None) -> None:
    """Check the configuration; print OK and one line per customer, or every error (exit 2)."""
    config = load(config_path)
    click.echo(f"OK {config.source}")
    for customer in config.customers:
        click.echo(f"  {customer_summary(config, customer)}")


def _plan_json(plan: SlotPlan) -> dict[str, Any]:
    return {
        "customer": plan.customer,
        "slots": [
            {"start": slot.start.isoformat(), "end": slot.end.isoformat()} for slot in plan.slots
        ],
        "skipped": [_verdict_json(v, with_allowed=False) for v in plan.skipped],
    }


def _verdict_json(verdict: DayVerdict, *, with_allowed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"date": verdict.day.isoformat()}
    if with_allowed:
        out["allowed"] = verdict.allowed
    out["reasons"] = [{"code": r.code, "text": r.text} for r in verdict.reasons]
    return out


def print_plan(console: Console, plan: SlotPlan, rules: SlotRules, duration: timedelta) -> None:
    """The slot plan as a person reads it: the slots, then the skipped days and why."""
    table = Table(
        title=f"{plan.customer}: next {len(plan.slots)} slot(s) of {format_duration(duration)}",
        title_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("day")
    table.add_column("date")
    table.add_column("time")
    for number, slot in enumerate(plan.slots, start=1):
        table.add_row(
            str(number),
            WEEKDAY_NAMES.get(rules.language, WEEKDAY_NAMES["en"])[slot.start.weekday()],
            short_date(slot.start.date()),
            f"{slot.start:%H:%M}–{slot.end:%H:%M} ({slot.start:%Z})",
        )
    console.print(table)
    if not plan.slots:
        console.print("[bold red]No allowed slot in the search horizon.[/]")
    if plan.skipped:
        console.print("Skipped days:")
        for verdict in plan.skipped:
            reasons = "; ".join(f"[bold]{r.code}[/]: {r.text}" for r in verdict.reasons)
            console.print(f"  {short_date(verdict.day)}  {reasons}", highlight=False)


@main.command("plan")
@click.argument("customer_name", metavar="CUSTOMER")
@click.option("--from", "from_date", help="First day to consider (YYYY-MM-DD; default: now).")
@click.option("--count", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option("--duration", help="Slot length, e.g. 15m, 1h30 (default: the customer's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@config_option
def plan_command(
    customer_name: str,
    from_date: str | None,
    count: int,
    duration: str | None,
    as_json: bool,
    config_path: Path | None,
) -> None:
    """The next allowed slots of CUSTOMER and every day skipped on the way, with reasons."""
    config = load(config_path)
    customer = find_customer(config, customer_name)
    length = _parse_duration(duration, customer.default_duration)
    rules = rules_for(config, customer)
    after = None
    if from_date is not None:
        after = datetime.combine(_parse_date(from_date, "--from"), datetime.min.time(), rules.tz)
    plan = propose_slots(rules, now=utc_now(), duration=length, count=count, after=after)
    if as_json:
        click.echo(json.dumps(_plan_json(plan), ensure_ascii=False, indent=2))
    else:
        print_plan(Console(), plan, rules, length)


@main.command("check-day")
@click.argument("customer_name", metavar="CUSTOMER")
@click.argument("day", metavar="DATE")
@click.option("--duration", help="Slot length, e.g. 15m, 1h30 (default: the customer's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@config_option
def check_day(
    customer_name: str,
    day: str,
    duration: str | None,
    as_json: bool,
    config_path: Path | None,
) -> None:
    """Whether DATE can hold a deployment for CUSTOMER: exit 0 if allowed, 1 if not."""
    config = load(config_path)
    customer = find_customer(config, customer_name)
    length = _parse_duration(duration, customer.default_duration)
    rules = rules_for(config, customer)
    verdict = explain_day(rules, _parse_date(day, "DATE"), now=utc_now(), duration=length)
    if as_json:
        click.echo(json.dumps(_verdict_json(verdict, with_allowed=True), ensure_ascii=False))
    elif verdict.allowed:
        click.echo(f"{customer.name} {verdict.day.isoformat()}: allowed")
    else:
        click.echo(f"{customer.name} {verdict.day.isoformat()}: refused")
        for reason in verdict.reasons:
            click.echo(f"  {reason.code}: {reason.text}")
    sys.exit(0 if verdict.allowed else 1)


REASON_STYLES: dict[str, str] = {
    "weekend": "grey50",
    "holiday": "bold white on red",
    "vacation": "bold white on magenta",
    "friday": "black on yellow",
    "eve_of_non_working_day": "black on khaki1",
    "eve_of_holiday": "black on dark_orange",
    "eve_of_vacation": "black on orchid",
    "outside_window": "black on sky_blue1",
    "conflict": "black on cyan",
    "past": "dim",
}


def month_verdicts(
    rules: SlotRules, year: int, month: int, now: datetime, duration: timedelta
) -> list[DayVerdict]:
    """The verdict of every day of a month, in order."""
    days = month_calendar.monthrange(year, month)[1]
    return [
        explain_day(rules, date(year, month, number), now=now, duration=duration)
        for number in range(1, days + 1)
    ]


def month_grid(rules: SlotRules, year: int, month: int, verdicts: list[DayVerdict]) -> Table:
    """A month as a grid: allowed days in green, refused days coloured by their first reason."""
    by_day = {verdict.day: verdict for verdict in verdicts}
    names = WEEKDAY_NAMES.get(rules.language, WEEKDAY_NAMES["en"])
    table = Table(title=f"{rules.customer} {year}-{month:02d}", show_lines=True)
    for name in names:
        table.add_column(name[:3], justify="center")
    for week in month_calendar.Calendar().monthdatescalendar(year, month):
        cells: list[Text] = []
        for day in week:
            if day.month != month:
                cells.append(Text(""))
                continue
            verdict = by_day[day]
            if verdict.allowed:
                cells.append(Text(f"{day.day:>2} ✓", style="bold black on green"))
            else:
                cells.append(Text(f"{day.day:>2}", style=REASON_STYLES[verdict.codes[0]]))
        table.add_row(*cells)
    return table


@main.command("calendar")
@click.argument("customer_name", metavar="CUSTOMER")
@click.option("--month", "month_text", help="Month to show, YYYY-MM (default: this month).")
@click.option("--duration", help="Slot length, e.g. 15m, 1h30 (default: the customer's).")
@config_option
def calendar_command(
    customer_name: str, month_text: str | None, duration: str | None, config_path: Path | None
) -> None:
    """A month grid of allowed and refused days, with a legend naming holidays and vacations."""
    config = load(config_path)
    customer = find_customer(config, customer_name)
    rules = rules_for(config, customer)
    length = _parse_duration(duration, customer.default_duration)
    now = utc_now()
    if month_text is None:
        local = now.astimezone(rules.tz)
        year, month = local.year, local.month
    else:
        try:
            year, month = (int(part) for part in month_text.split("-"))
            date(year, month, 1)
        except ValueError:
            raise click.BadParameter(
                f"'{month_text}' is not a month; write it as YYYY-MM", param_hint="--month"
            ) from None
    verdicts = month_verdicts(rules, year, month, now, length)
    console = Console()
    console.print(month_grid(rules, year, month, verdicts))
    legend = Text("✓ allowed", style="bold black on green")
    for code, style in REASON_STYLES.items():
        legend.append("  ")
        legend.append(code, style=style)
    console.print(legend)
    for verdict in verdicts:
        for reason in verdict.reasons:
            if reason.code in ("holiday", "vacation"):
                console.print(f"  {short_date(verdict.day)}  {reason.text}", highlight=False)


@main.command("overview")
@click.option("--count", default=3, show_default=True, type=click.IntRange(1, 20))
@config_option
def overview(count: int, config_path: Path | None) -> None:
    """Every customer's next allowed slots (partner-exclusive customers are named, not planned)."""
    config = load(config_path)
    console = Console()
    now = utc_now()
    console.print(f"[bold]deploybot overview[/] of {config.source} at {now:%Y-%m-%d %H:%M} UTC")
    for customer in config.customers:
        console.rule(customer_summary(config, customer), align="left")
        if customer.managed_by == "partner_exclusive":
            partner = customer.partner.name if customer.partner else "its partner"
            console.print(
                f"Not handled: {customer.name} is run exclusively by {partner}, "
                "which follows its own procedure."
            )
            continue
        rules = rules_for(config, customer)
        plan = propose_slots(rules, now=now, duration=customer.default_duration, count=count)
        print_plan(console, plan, rules, customer.default_duration)


@main.command("emulate")
@click.argument("system", type=click.Choice(["zammad", "gitlab"]))
@click.option("--port", default=0, show_default="a free port", type=click.IntRange(0, 65535))
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Scenario file (default: the shipped demo scenario).",
)
def emulate(system: str, port: int, scenario_path: Path | None) -> None:
    """Serve a Zammad or GitLab emulator on 127.0.0.1 until interrupted."""
    # Imported here so that the planning commands do not load the HTTP stack.
    from integrations.emulators.gitlab import GitLabEmulator
    from integrations.emulators.scenario import ScenarioError, load_scenario
    from integrations.emulators.server import EmulatorApp, RunningEmulator
    from integrations.emulators.zammad import ZammadEmulator

    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as exc:
        _fail(str(exc))
    app: EmulatorApp = ZammadEmulator(scenario) if system == "zammad" else GitLabEmulator(scenario)
    try:
        server = RunningEmulator(app, port=port)
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}")
    token = scenario.get("token", "demo-token")
    header = (
        f"Authorization: Token token={token}" if system == "zammad" else f"PRIVATE-TOKEN: {token}"
    )
    example = "/api/v1/tickets/1?all=true" if system == "zammad" else "/api/v4/projects/11/releases"
    click.echo(f"{system} emulator on {server.url}  (token: {token})")
    click.echo(f"  try: curl -H '{header}' {server.url}{example}")
    click.echo("  Ctrl-C stops it.")
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()


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
            TicketRef("ES-7412280", "Tractar els ORGANISMES com si fós un ORGÀNIC"),
            TicketRef("ES-7412301", "Error al sincronitzar grups niats"),
        ),
        components=components,
        duration=customer.default_duration,
        restarts=customer.restarts,
        planned_start=start,
    )


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
    config = load(config_path)
    customer = find_customer(config, customer_name)
    now = utc_now()
    deployment = sample_deployment(config, customer, now)
    if environment:
        deployment = deployment.evolve(environment=environment)
    if template in ("start", "delay", "end", "rollback"):
        start = deployment.planned_start or now
        end = start + deployment.duration + timedelta(minutes=6) if template == "end" else None
        deployment = deployment.evolve(actual_start=start, actual_end=end)
    to, cc = recipients_for(template, deployment, config)
    sent = deployment.actual_end or deployment.actual_start or deployment.planned_start or now
    try:
        email = Renderer.for_config(config).email(
            template, deployment, config, now=sent, language=lang
        )
    except TemplateError as exc:
        _fail(f"template error: {exc}")
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
        _fail(f"{path} exists; pass --force to replace it", code=1)
    language = lang or load(config_path).provider.language
    write_template(path, language)
    click.echo(f"wrote {path} ({language})")


_MARKS = {"passed": "✓", "failed": "✗", "warning": "⚠", "not_applicable": "–"}


def print_report(report: Report, language: str) -> None:
    """The prerequisite report as text: the summary, then one line per check with its links."""
    title = " ".join(part for part in (report.customer, report.environment) if part) or "?"
    click.echo(f"{title}: {report.summary(language)}")
    for check in report.checks:
        click.echo(f"  {_MARKS[check.status]} {check.code:<24} {check.message}")
        for link in check.links:
            click.echo(f"      {link.label}: {link.url}")
        for line in check.lines:
            click.echo(f"      · {line}")


@contextlib.contextmanager
def _clients(config: Config, scenario: str | None) -> Iterator[tuple[ZammadClient, GitLabClient]]:
    """Clients for the configured Zammad and GitLab, or for emulators on ``scenario``."""
    if scenario is None:
        yield zammad_client(config.zammad), gitlab_client(config.gitlab)
        return
    from integrations.emulators.gitlab import GitLabEmulator
    from integrations.emulators.scenario import load_scenario
    from integrations.emulators.server import RunningEmulator
    from integrations.emulators.zammad import ZammadEmulator

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
            _fail(f'--components: {exc} (write it like "{exc.usage.split(" ", 2)[2]}")')
    request = DeploymentRequest(tuple(tickets), environment, explicit)
    try:
        with _clients(config, scenario) as (zammad, gitlab):
            facts = FactGatherer(config, zammad, gitlab).gather(request)
    except (MissingSecretError, ScenarioError) as exc:
        _fail(str(exc))
    except ZammadError as exc:
        _fail(f"Zammad did not answer: {exc}", code=1)
    report = check_prerequisites(facts, config)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_report(report, config.provider.language)
    sys.exit(0 if report.ready else 1)


# ---------------------------------------------------------------------------------------------
# The lifecycle: demo, daemon, status and the CLI side of email-only requests


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
    from bot.demo import run_demo
    from integrations.emulators.scenario import load_scenario

    config = load(config_path)
    click.echo(f"deploybot demo: {config.source} on the emulated Zammad and GitLab, out: {out}")
    click.echo("")
    run_demo(config, load_scenario(), out.resolve(), click.echo)


def _state_url(config: Config) -> str:
    url = config.state.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative != ":memory:":
            return f"sqlite:///{config.resolve_path(Path(relative))}"
    return url


def build_service(config: Config) -> Service:
    """The service on the configured Zammad, GitLab, channels and store."""
    if not config.zammad.url:
        _fail(f"{config.source}: zammad.url: the Zammad address is needed to run")
    try:
        zammad = zammad_client(config.zammad)
        gitlab = gitlab_client(config.gitlab)
        channels = channels_for(config, zammad)
    except MissingSecretError as exc:
        _fail(str(exc))
    return Service(
        config,
        Store(_state_url(config)),
        zammad,
        gitlab,
        channels,
        clock=utc_now,
        observer=lambda line: log.info("%s", line),
    )


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


@main.command("run")
@click.option("--once", is_flag=True, help="One cycle (Zammad, timers, GitLab, outbox), then exit.")
@config_option
def run(once: bool, config_path: Path | None) -> None:
    """Run the daemon: poll Zammad and GitLab, fire timers, carry out effects, until stopped."""
    _configure_logging()
    config = load(config_path)
    service = build_service(config)
    if once:
        result = service.run_cycle()
        click.echo(
            f"events {result.events}, effects done {result.effects_done}, "
            f"failed {result.effects_failed}" + "".join(f"; {e}" for e in result.errors)
        )
        sys.exit(1 if result.errors or result.effects_failed else 0)
    try:
        secret = webhook_secret(config)
    except MissingSecretError as exc:
        _fail(str(exc))
    run_daemon(service, config, secret)


@main.command("status")
@click.option("--customer", "customer_name", help="Only this customer's deployments.")
@click.option("--all", "show_all", is_flag=True, help="Include ended deployments.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@config_option
def status(
    customer_name: str | None, show_all: bool, as_json: bool, config_path: Path | None
) -> None:
    """Deployments and their states, the next timers and the outbox."""
    config = load(config_path)
    store = Store(_state_url(config))
    customer = find_customer(config, customer_name).name if customer_name else None
    deployments = [d for d in store.deployments(customer=customer) if show_all or d.is_open]
    timers = [
        t
        for t in store.timers()
        if customer is None or t.deployment_id.startswith(customer.upper())
    ]
    pending = store.pending()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "deployments": [
                        {
                            "id": d.id,
                            "customer": d.customer,
                            "environment": d.environment,
                            "state": d.state.value,
                            "planned_start": d.planned_start.isoformat()
                            if d.planned_start
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
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    console = Console()
    table = Table("id", "customer", "env", "state", "planned start", "tickets", title="Deployments")
    tz = config.provider.tz
    for d in deployments:
        start = f"{d.planned_start.astimezone(tz):%d/%m/%Y %H:%M}" if d.planned_start else "-"
        tickets = ", ".join(t.number for t in d.tickets) or ", ".join(d.email_requesters)
        table.add_row(d.id, d.customer, d.environment, d.state.value, start, tickets)
    console.print(table)
    if timers:
        console.print(
            "Next timers: "
            + "; ".join(
                f"{t.deployment_id} {t.name} at {t.due_at.astimezone(tz):%d/%m %H:%M}"
                for t in timers
            )
        )
    console.print(
        f"Outbox: {len(pending)} pending"
        + "".join(
            f"\n  {i.deployment_id}: {describe(i.effect)} — {i.attempts} attempt(s)"
            + (f", last error: {i.last_error}" if i.last_error else "")
            for i in pending
        )
    )


@main.command("show")
@click.argument("deployment_id")
@config_option
def show(deployment_id: str, config_path: Path | None) -> None:
    """One deployment: its details, its history (audit trail) and its effects."""
    config = load(config_path)
    store = Store(_state_url(config))
    deployment = store.deployment(deployment_id.upper())
    if deployment is None:
        _fail(f"no deployment {deployment_id}", code=1)
    tz = config.provider.tz

    def local(moment: datetime | None) -> str:
        return f"{moment.astimezone(tz):%d/%m/%Y %H:%M}" if moment else "-"

    d = deployment
    click.echo(f"{d.id}  {d.customer} {d.environment}  {d.state.value}")
    click.echo(f"  tickets     {', '.join(f'{t.number} {t.title}' for t in d.tickets) or '-'}")
    components = ", ".join(
        f"{c.name} {c.version} (back to {c.rollback_version or '?'})" for c in d.components
    )
    click.echo(f"  components  {components or '-'}")
    click.echo(f"  planned     {local(d.planned_start)} for {format_duration(d.duration)}")
    click.echo(f"  actual      {local(d.actual_start)} – {local(d.actual_end)}")
    for note in d.notes:
        click.echo(f"  note        {note}")
    click.echo("History:")
    for entry in store.audit_trail(d.id):
        change = f"{entry.old_state or '-'} -> {entry.new_state}"
        click.echo(
            f"  {local(entry.at)}  {entry.event:<16} {change:<26} {entry.source}/{entry.actor}"
        )
    click.echo("Effects:")
    for item in store.outbox_items(d.id):
        error = f" — {item.last_error}" if item.last_error else ""
        click.echo(f"  [{item.status}] {describe(item.effect)}{error}")


def _deployment(service: Service, deployment_id: str) -> Deployment:
    found = service.store.deployment(deployment_id.upper())
    if found is None:
        _fail(f"no deployment {deployment_id}", code=1)
    return found


def _finish(service: Service, deployment: Deployment) -> None:
    done, failed = service.drain_outbox()
    click.echo(f"{deployment.id}: {deployment.state.value} ({done} effects done, {failed} failed)")
    last = service.store.audit_trail(deployment.id)[-1]
    if last.old_state == last.new_state:
        click.echo("  nothing changed; see the deployment's notes for why")


@main.command("request")
@click.option("--customer", "customer_name", required=True)
@click.option("--components", required=True, help='e.g. "addon-diba 3.2.11, iam-sync 3.2.1"')
@click.option("--email", "emails", required=True, help="Requester addresses, comma-separated.")
@click.option("--thread", help="Message-ID of the request email, to answer in its thread.")
@click.option("--env", "environment", help="Target environment (default: the customer's).")
@click.option("--description", default="", help="What the request is about (for the emails).")
@click.option("--customer-validated", is_flag=True, help="The customer validated it (by email).")
@click.option(
    "--rollback-plan", default="", help="Rollback guide, or 'auto' for the generated one."
)
@config_option
def request_command(
    customer_name: str,
    components: str,
    emails: str,
    thread: str | None,
    environment: str | None,
    description: str,
    customer_validated: bool,
    rollback_plan: str,
    config_path: Path | None,
) -> None:
    """Open a deployment requested by email (no ticket); it follows the same lifecycle."""
    _configure_logging()
    config = load(config_path)
    customer = find_customer(config, customer_name)
    try:
        parsed = parse_components(components)
    except CommandError as exc:
        _fail(f"--components: {exc}")
    service = build_service(config)
    now = utc_now()
    asserted = (config.zammad.tags.customer_validated,) if customer_validated else ()
    deployment = new_deployment(
        service.store.next_deployment_id(customer.name, now.year),
        customer.name,
        environment or customer.default_environment.name,
        now,
        requested_by=emails,
    ).evolve(
        email_requesters=tuple(a.strip() for a in emails.split(",") if a.strip()),
        email_thread=thread,
        description=description,
        asserted_tags=asserted,
        rollback_plan=rollback_plan,
        components=tuple(ComponentVersion(n, v) for n, v in parsed),
    )
    facts, report = service.check(deployment)
    print_report(report, config.provider.language)
    deployment = service.record_request(deployment, facts, report, customer, Origin("cli", _user()))
    for number, start in enumerate(deployment.proposals, start=1):
        click.echo(f"  proposal {number}: {start.astimezone(config.provider.tz):%Y-%m-%d %H:%M}")
    _finish(service, deployment)


def _user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"


@main.command("schedule")
@click.argument("deployment_id")
@click.argument("day", metavar="DATE")
@click.argument("time_text", metavar="TIME")
@click.option("--duration", help="Estimated duration, e.g. 15m, 1h30.")
@click.option("--force", help="Override refused rules, with this reason (recorded).")
@config_option
def schedule_command(
    deployment_id: str,
    day: str,
    time_text: str,
    duration: str | None,
    force: str | None,
    config_path: Path | None,
) -> None:
    """Schedule (or reschedule) a deployment: DATE TIME like 2026-12-01 09:30."""
    _configure_logging()
    config = load(config_path)
    service = build_service(config)
    try:
        start = parse_datetime(day, time_text, config.provider.tz)
    except CommandError as exc:
        _fail(str(exc))
    length = _parse_duration(duration, timedelta(0)) if duration else None
    deployment = service.schedule(
        _deployment(service, deployment_id),
        Origin("cli", _user()),
        start,
        duration=length,
        force=force,
    )
    _finish(service, deployment)


@main.command("start")
@click.argument("deployment_id")
@click.option("--force", help="Start although prerequisites fail, with this reason.")
@config_option
def start_command(deployment_id: str, force: str | None, config_path: Path | None) -> None:
    """Start a scheduled deployment (start email, checklist, delay timer)."""
    _configure_logging()
    service = build_service(load(config_path))
    deployment = service.start(
        _deployment(service, deployment_id), Origin("cli", _user()), force=force
    )
    _finish(service, deployment)


def _simple_event(
    deployment_id: str, config_path: Path | None, make: Callable[[Origin], Event]
) -> None:
    _configure_logging()
    service = build_service(load(config_path))
    deployment = service.handle(_deployment(service, deployment_id), make(Origin("cli", _user())))
    _finish(service, deployment)


@main.command("delay")
@click.argument("deployment_id")
@click.argument("extension", required=False)
@config_option
def delay_command(deployment_id: str, extension: str | None, config_path: Path | None) -> None:
    """Send the delay email now; with EXTENSION (30m) also extend the estimate."""
    length = _parse_duration(extension, timedelta(0)) if extension else None
    _simple_event(deployment_id, config_path, lambda o: DelayRequested(o, length))


@main.command("done")
@click.argument("deployment_id")
@config_option
def done_command(deployment_id: str, config_path: Path | None) -> None:
    """Close a deployment: end email, comments, log row, calendar."""
    _simple_event(deployment_id, config_path, DoneRequested)


@main.command("rollback")
@click.argument("deployment_id")
@click.argument("reason")
@config_option
def rollback_command(deployment_id: str, reason: str, config_path: Path | None) -> None:
    """Record a rollback, with its reason, and send the rollback notice."""
    _simple_event(deployment_id, config_path, lambda o: RollbackRequested(o, reason))


@main.command("cancel")
@click.argument("deployment_id")
@click.argument("reason", required=False, default="")
@config_option
def cancel_command(deployment_id: str, reason: str, config_path: Path | None) -> None:
    """Cancel a deployment (calendar cancel, log row, notice if anyone was told)."""
    _simple_event(deployment_id, config_path, lambda o: CancelRequested(o, reason))


if __name__ == "__main__":  # pragma: no cover
    main()
