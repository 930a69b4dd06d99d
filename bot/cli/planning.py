"""``deploybot`` for planning: validate-config, plan, check-day, calendar, overview."""

from __future__ import annotations

import calendar as month_calendar
import json
import sys
from collections.abc import Hashable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.cli.base import (
    config_option,
    fail,
    find_customer,
    load,
    main,
    parse_date,
    parse_duration_option,
    utc_now,
)
from bot.config.models import Config, Customer
from bot.domain.calendar.planning import SlotPlan, explain_day, propose_slots
from bot.domain.calendar.rules import DayVerdict, Slot, SlotRules, calendar_key, rules_for
from bot.domain.durations import format_duration
from bot.domain.texts.calendar import short_date, weekday_names


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


def print_plan(
    console: Console, plan: SlotPlan, rules: SlotRules, duration: timedelta, *, every: bool = False
) -> None:
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
            weekday_names(rules.language)[slot.start.weekday()],
            short_date(slot.start.date()),
            f"{slot.start:%H:%M}–{slot.end:%H:%M} ({slot.start:%Z})",
        )
    console.print(table)
    if not plan.slots:
        console.print("[bold red]No allowed slot in the search horizon.[/]")
    if plan.skipped:
        print_skipped(console, plan.skipped, every=every)


#: How many lines of skipped days ``plan`` prints before it counts the rest.
SKIPPED_LINES = 12


def skipped_runs(skipped: Sequence[DayVerdict]) -> list[tuple[date, date, str, str]]:
    """Consecutive skipped days with the same main reason, as (first, last, code, text); the
    text is kept only when every day of the run says the same."""
    runs: list[tuple[date, date, str, str]] = []
    for verdict in skipped:
        main = verdict.reasons[0]
        if runs:
            first, last, code, text = runs[-1]
            if code == main.code and verdict.day == last + timedelta(days=1):
                runs[-1] = (first, verdict.day, code, text if text == main.text else "")
                continue
        runs.append((verdict.day, verdict.day, main.code, main.text))
    return runs


def print_skipped(console: Console, skipped: Sequence[DayVerdict], *, every: bool) -> None:
    """The skipped days: each with every reason (``every``), else summarised in runs."""
    console.print(f"Skipped days ({len(skipped)}):")
    if every:
        for verdict in skipped:
            reasons = "; ".join(f"[bold]{r.code}[/]: {r.text}" for r in verdict.reasons)
            console.print(f"  {short_date(verdict.day)}  {reasons}", highlight=False)
        return
    runs = skipped_runs(skipped)
    for first, last, code, text in runs[:SKIPPED_LINES]:
        days = short_date(first) if first == last else f"{short_date(first)}–{short_date(last)}"
        console.print(f"  {days}  [bold]{code}[/]{': ' + text if text else ''}", highlight=False)
    left = sum((last - first).days + 1 for first, last, _, _ in runs[SKIPPED_LINES:])
    if left:
        console.print(f"  … and {left} more skipped day(s)", highlight=False)
    console.print("  (--all: every day with every reason; --json: the same as data)")


@main.command("plan")
@click.argument("customer_name", metavar="CUSTOMER")
@click.option("--from", "from_date", help="First day to consider (YYYY-MM-DD; default: now).")
@click.option("--count", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option("--duration", help="Slot length, e.g. 15m, 1h30 (default: the customer's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--all", "every", is_flag=True, help="List every skipped day with every reason.")
@config_option
def plan_command(
    customer_name: str,
    from_date: str | None,
    count: int,
    duration: str | None,
    as_json: bool,
    every: bool,
    config_path: Path | None,
) -> None:
    """The next allowed slots of CUSTOMER and every day skipped on the way, with reasons."""
    config = load(config_path)
    customer = find_customer(config, customer_name)
    length = parse_duration_option(duration, customer.default_duration)
    rules = rules_for(config, customer)
    after = None
    if from_date is not None:
        after = datetime.combine(parse_date(from_date, "--from"), datetime.min.time(), rules.tz)
    try:
        plan = propose_slots(rules, now=utc_now(), duration=length, count=count, after=after)
    except OverflowError:
        fail(f"--from {from_date}: too far ahead (the search runs past the year 9999)")
    if as_json:
        click.echo(json.dumps(_plan_json(plan), ensure_ascii=False, indent=2))
    else:
        print_plan(Console(), plan, rules, length, every=every)


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
    length = parse_duration_option(duration, customer.default_duration)
    rules = rules_for(config, customer)
    verdict = explain_day(rules, parse_date(day, "DATE"), now=utc_now(), duration=length)
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
    names = weekday_names(rules.language)
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
    length = parse_duration_option(duration, customer.default_duration)
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
    """Every customer's next allowed slots (partner-exclusive customers are named, not planned).

    One line each; ``plan CUSTOMER`` shows the days skipped and why."""
    config = load(config_path)
    now = utc_now()
    click.echo(f"deploybot overview of {config.source} at {now:%Y-%m-%d %H:%M} UTC")
    # Plain lines: at 500 customers, a table each cost 3 s of drawing.
    plans: dict[Hashable, tuple[Slot, ...]] = {}
    for customer in config.customers:
        click.echo(overview_line(config, customer, now, count, plans))
    click.echo("(deploybot plan CUSTOMER: the days skipped and why)")


def overview_line(
    config: Config,
    customer: Customer,
    now: datetime,
    count: int,
    plans: dict[Hashable, tuple[Slot, ...]] | None = None,
) -> str:
    """One customer's next ``count`` slots on one line, or why there are none; ``plans``
    keeps the slots of each calendar already planned (customers of one region with the same
    window, vacations and duration have the same slots)."""
    if customer.managed_by == "partner_exclusive":
        partner = customer.partner.name if customer.partner else "its partner"
        return (
            f"Not handled: {customer.name} is run exclusively by {partner}, "
            "which follows its own procedure."
        )
    rules = rules_for(config, customer)
    duration = customer.default_duration
    plans = {} if plans is None else plans
    key = (calendar_key(rules), duration)
    found = plans.get(key)
    if found is None:
        found = plans[key] = propose_slots(rules, now=now, duration=duration, count=count).slots
    if not found:
        return f"{customer.name}: no allowed slot in the search horizon"
    names = weekday_names(rules.language)
    slots = ", ".join(
        f"{names[slot.start.weekday()]} {short_date(slot.start.date())} "
        f"{slot.start:%H:%M}–{slot.end:%H:%M}"
        for slot in found
    )
    zone = ", ".join(dict.fromkeys(f"{slot.start:%Z}" for slot in found))
    return (
        f"{customer.name}: next {len(found)} slot(s) of {format_duration(duration)}: "
        f"{slots} ({zone})"
    )
