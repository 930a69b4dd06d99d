"""The command line: ``deploybot …``.

The shell of the program: it reads the configuration once, reads the clock once per command,
and hands plain data to the pure core.
"""

from __future__ import annotations

import calendar as month_calendar
import contextlib
import json
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
from bot.commands import CommandError, parse_components
from bot.config import (
    Config,
    ConfigError,
    Customer,
    EmailKind,
    UnknownCustomerError,
    load_config,
)
from bot.durations import DurationError, format_duration, parse_duration
from bot.facts import DeploymentRequest, FactGatherer
from bot.model import ComponentVersion, Deployment, State, TicketRef
from bot.notifications import recipients_for
from bot.prerequisites import Report, check_prerequisites
from bot.rendering import EMAIL_KINDS, LANGUAGES, Renderer, TemplateError
from bot.resources import example_config_path
from integrations.emulators.scenario import ScenarioError
from integrations.gitlab import GitLabClient
from integrations.secrets import MissingSecretError
from integrations.zammad import ZammadClient, ZammadError

EXIT_CONFIG = 2


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


@main.command("demo")
@click.option("--count", default=3, show_default=True, type=click.IntRange(1, 20))
@config_option
def demo(count: int, config_path: Path | None) -> None:
    """Show what deploybot does on the example configuration: each customer's next slots."""
    config = load(config_path)
    console = Console()
    now = utc_now()
    console.print(f"[bold]deploybot demo[/] on {config.source} at {now:%Y-%m-%d %H:%M} UTC")
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
        yield ZammadClient.from_config(config.zammad), GitLabClient.from_config(config.gitlab)
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
            ZammadClient(zammad.url, token),
            GitLabClient(
                gitlab.url,
                token,
                release_tag_pattern=config.gitlab.release_tag_pattern,
                ticket_pattern=config.gitlab.ticket_pattern,
                test_environment=config.gitlab.test_environment,
            ),
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


if __name__ == "__main__":  # pragma: no cover
    main()
