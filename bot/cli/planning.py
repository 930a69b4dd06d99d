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
    counted,
    fail,
    find_customer,
    load,
    main,
    parse_date,
    parse_duration_option,
    utc_now,
)
from bot.config.models import Config, Customer
from bot.domain.calendar.planning import SlotPlan, explain_day, propose_slots, taken_on
from bot.domain.calendar.rules import (
    Booking,
    DayVerdict,
    Slot,
    SlotRules,
    calendar_key,
    rules_for,
)
from bot.domain.durations import format_duration
from bot.domain.free_text import checks_without_language
from bot.domain.texts import say, say_count
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
        counted(len(customer.components), "component", "components"),
    ]
    if customer.am_pam:
        parts.append("AM/PAM")
    if customer.vacations:
        parts.append(counted(len(customer.vacations), "vacation", "vacations"))
    return f"{customer.name}: " + ", ".join(parts)


@main.command("validate-config")
@config_option
def validate_config(config_path: Path | None) -> None:
    """Check the configuration; print OK and one line per customer, or every error (exit 2)."""
    config = load(config_path)
    click.echo(f"OK {config.source}")
    for customer in config.customers:
        click.echo(f"  {customer_summary(config, customer)}")
    for customer in config.customers:
        for name, instead in checks_without_language(customer, config.provider.language):
            click.echo(
                f"warning: {customer.name}: check '{name}' has no name in {customer.language}; "
                f"its customer reads '{instead}' (name it per language: "
                f"{{{customer.language}: …, {config.provider.language}: …}})"
            )


def held_bookings(config: Config, *, rules_only: bool = False) -> tuple[Booking, ...]:
    """The slots the store holds (booked, running, chosen and waiting for the team), as the
    proposals, the booking page and the reply reader see them; none with ``rules_only`` or
    when there is no state yet (a read-only command creates no database)."""
    from bot.app.store import sqlite_file, state_url

    if rules_only:
        return ()
    url = state_url(config)
    database = sqlite_file(url)
    if database is not None and not database.is_file():
        return ()
    from bot.app.store.database import Store  # only when there is a state to read

    return Store(url).deployments.held()


def rules_only_option(function: Any) -> Any:
    """The ``--rules-only`` flag: the calendar rules alone, without the store's bookings."""
    return click.option(
        "--rules-only",
        is_flag=True,
        help="Judge by the calendar rules alone (ignore the bookings in the store).",
    )(function)


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
    language = rules.language
    title = say_count(language, "cli_plan_title", len(plan.slots), customer=plan.customer,
                      duration=format_duration(duration))  # fmt: skip
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    for key in ("cli_col_day", "cli_col_date", "cli_col_time"):
        table.add_column(say(language, key))
    for number, slot in enumerate(plan.slots, start=1):
        table.add_row(
            str(number),
            weekday_names(rules.language)[slot.start.weekday()],
            short_date(slot.start.date()),
            f"{slot.start:%H:%M}–{slot.end:%H:%M} ({slot.start:%Z})",
        )
    console.print(table)
    if not plan.slots:
        console.print(f"[bold red]{say(language, 'cli_plan_none')}[/]")
    if plan.skipped:
        print_skipped(console, plan.skipped, every=every, language=language)


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


def print_skipped(
    console: Console, skipped: Sequence[DayVerdict], *, every: bool, language: str
) -> None:
    """The skipped days: each with every reason (``every``), else summarised in runs."""
    console.print(say_count(language, "cli_skipped", len(skipped)))
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
        console.print(f"  {say_count(language, 'cli_skipped_more', left)}", highlight=False)
    console.print(f"  {say(language, 'cli_skipped_hint')}", highlight=False)


@main.command("plan")
@click.argument("customer_name", metavar="CUSTOMER")
@click.option("--from", "from_date", help="First day to consider (YYYY-MM-DD; default: now).")
@click.option("--count", default=3, show_default=True, type=click.IntRange(1, 100),
              help="How many slots to list.")  # fmt: skip
@click.option("--duration", help="Slot length, e.g. 15m, 1h30 (default: the customer's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--all", "every", is_flag=True, help="List every skipped day with every reason.")
@rules_only_option
@config_option
def plan_command(
    customer_name: str,
    from_date: str | None,
    count: int,
    duration: str | None,
    as_json: bool,
    every: bool,
    rules_only: bool,
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
        plan = propose_slots(rules, now=utc_now(), duration=length, count=count, after=after,
                             bookings=held_bookings(config, rules_only=rules_only))  # fmt: skip
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
@rules_only_option
@config_option
def check_day(
    customer_name: str,
    day: str,
    duration: str | None,
    as_json: bool,
    rules_only: bool,
    config_path: Path | None,
) -> None:
    """Whether DATE can hold a deployment for CUSTOMER: exit 0 if allowed, 1 if not."""
    config = load(config_path)
    customer = find_customer(config, customer_name)
    length = parse_duration_option(duration, customer.default_duration)
    rules = rules_for(config, customer)
    bookings = held_bookings(config, rules_only=rules_only)
    verdict = explain_day(rules, parse_date(day, "DATE"), now=utc_now(), duration=length,
                          bookings=bookings)  # fmt: skip
    taken = taken_on(rules, verdict.day, bookings) if "conflict" in verdict.codes else ()
    if as_json:
        out = _verdict_json(verdict, with_allowed=True) | ({"taken": list(taken)} if taken else {})
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        word = say(config.provider.language, "cli_allowed" if verdict.allowed else "cli_refused")
        click.echo(f"{customer.name} {verdict.day.isoformat()}: {word}")
        for line in taken:
            click.echo(f"  {line}")
        for reason in verdict.reasons:
            click.echo(f"  {reason.code}: {reason.text}")
    sys.exit(0 if verdict.allowed else 1)


#: Each refusal's mark in a day's cell, so that the grid reads without colours too (piped).
REASON_SYMBOLS: dict[str, str] = {
    "weekend": "·",
    "holiday": "H",
    "vacation": "V",
    "friday": "F",
    "eve_of_non_working_day": "e",
    "eve_of_holiday": "E",
    "eve_of_vacation": "v",
    "outside_window": "w",
    "conflict": "×",
    "past": "-",
}

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
    rules: SlotRules,
    year: int,
    month: int,
    now: datetime,
    duration: timedelta,
    bookings: Sequence[Booking] = (),
) -> list[DayVerdict]:
    """The verdict of every day of a month, in order."""
    days = month_calendar.monthrange(year, month)[1]
    return [
        explain_day(rules, date(year, month, number), now=now, duration=duration, bookings=bookings)
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
                code = verdict.codes[0]
                cells.append(
                    Text(f"{day.day:>2} {REASON_SYMBOLS[code]}", style=REASON_STYLES[code])
                )
        table.add_row(*cells)
    return table


def legend_text(language: str) -> Text:
    """The grid's legend in ``language``: each mark with its colour and its name."""
    legend = Text(f"{say(language, 'cli_legend')}: ")
    keep = "\u00a0"  # an entry is never broken across lines
    legend.append(f"✓{keep}{say(language, 'cli_allowed')}", style="bold black on green")
    for code, style in REASON_STYLES.items():
        name = say(language, f"cli_reason_{code}").replace(" ", keep)
        legend.append("  ")
        legend.append(f"{REASON_SYMBOLS[code]}{keep}{name}", style=style)
    return legend


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
    verdicts = month_verdicts(rules, year, month, now, length, held_bookings(config))
    console = Console()
    console.print(month_grid(rules, year, month, verdicts))
    console.print(legend_text(rules.language))
    for verdict in verdicts:
        for reason in verdict.reasons:
            if reason.code in ("holiday", "vacation"):
                console.print(f"  {short_date(verdict.day)}  {reason.text}", highlight=False)


@main.command("overview")
@click.option("--count", default=3, show_default=True, type=click.IntRange(1, 20),
              help="How many slots to list per customer.")  # fmt: skip
@config_option
def overview(count: int, config_path: Path | None) -> None:
    """Every customer's next allowed slots (partner-exclusive customers are named, not planned).

    One line each; ``plan CUSTOMER`` shows the days skipped and why."""
    config = load(config_path)
    now = utc_now()
    click.echo(f"deploybot overview of {config.source} at {now:%Y-%m-%d %H:%M} UTC")
    # Plain lines: at 500 customers, a table each cost 3 s of drawing.
    bookings = held_bookings(config)
    plans: dict[Hashable, tuple[Slot, ...]] = {}
    for customer in config.customers:
        click.echo(overview_line(config, customer, now, count, bookings, plans))
    click.echo(say(config.provider.language, "cli_overview_hint"))


def overview_line(
    config: Config,
    customer: Customer,
    now: datetime,
    count: int,
    bookings: tuple[Booking, ...] = (),
    plans: dict[Hashable, tuple[Slot, ...]] | None = None,
) -> str:
    """One customer's next ``count`` free slots on one line (in the operator's language), or why
    there are none; ``plans`` keeps the slots of each calendar already planned (customers of one
    region with the same window, vacations and duration have the same slots — unless the store
    holds bookings, which each customer's own rules judge)."""
    language = config.provider.language
    if customer.managed_by == "partner_exclusive":
        partner = customer.partner.name if customer.partner else "-"
        return say(language, "cli_not_handled", customer=customer.name, partner=partner)
    rules = rules_for(config, customer)
    duration = customer.default_duration
    plans = {} if plans is None else plans
    key: Hashable = (calendar_key(rules), duration, customer.name if bookings else "")
    found = plans.get(key)
    if found is None:
        plan = propose_slots(rules, now=now, duration=duration, count=count, bookings=bookings)
        found = plans[key] = plan.slots
    if not found:
        return f"{customer.name}: {say(language, 'cli_plan_none')}"
    names = weekday_names(rules.language)
    slots = ", ".join(
        f"{names[slot.start.weekday()]} {short_date(slot.start.date())} "
        f"{slot.start:%H:%M}–{slot.end:%H:%M}"
        for slot in found
    )
    zone = ", ".join(dict.fromkeys(f"{slot.start:%Z}" for slot in found))
    title = say_count(language, "cli_plan_title", len(found), customer=customer.name,
                      duration=format_duration(duration))  # fmt: skip
    return f"{title}: {slots} ({zone})"
