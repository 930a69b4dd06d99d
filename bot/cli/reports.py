"""``deploybot report``: how deployments went, per customer and month, as a table, JSON, a
workbook with charts or a page with charts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from bot.app.store import Store, state_url
from bot.app.web.report_files import (
    column_titles,
    report_html,
    report_json,
    row_values,
    write_xlsx,
)
from bot.cli.base import config_option, fail, find_customer, load, main, parse_date
from bot.config.models import Config
from bot.domain.rendering import Renderer
from bot.domain.report import ReportRow, build_report
from bot.domain.texts import say
from bot.domain.texts.calendar import short_date

#: The forms written to a file (``--out``); the others go to standard output.
FILE_FORMS = ("xlsx", "html")


@dataclass(frozen=True)
class ReportAsked:
    """A report as asked for, its options checked: whose (None: every customer), which days,
    in which form, to which file."""

    customer: str | None
    start: date | None
    end: date | None
    form: str
    out: Path | None


@main.command("report")
@click.option("--customer", "customer_name", help="Only this customer (default: every one).")
@click.option("--from", "from_date", help="First day (YYYY-MM-DD).")
@click.option("--to", "to_date", help="Last day (YYYY-MM-DD).")
@click.option(
    "--format", "form", type=click.Choice(["table", "json", "xlsx", "html"]), default="table",
    show_default=True, help="table and json to standard output; xlsx and html to --out.",
)  # fmt: skip
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False),
              help="Where xlsx and html go (required for them).")  # fmt: skip
@config_option
def report_command(
    customer_name: str | None,
    from_date: str | None,
    to_date: str | None,
    form: str,
    out: Path | None,
    config_path: Path | None,
) -> None:
    """Per customer and overall, per month: deployments, median lead time (request →
    completion), share delayed and mean delay, change failure rate (rolled back / finished),
    estimate vs real duration, forced bookings, refused starts."""
    config = load(config_path)
    asked = checked_report(config, customer_name, from_date, to_date, form, out)
    write_report(config, asked, read_report(config, asked))


def checked_report(
    config: Config,
    customer_name: str | None,
    from_date: str | None,
    to_date: str | None,
    form: str,
    out: Path | None,
) -> ReportAsked:
    """The report the options ask for, or exit saying which option is wrong: a file form
    without ``--out``, an unknown customer, a date that is not one, a span that ends first."""
    if form in FILE_FORMS and out is None:
        fail(f"--format {form} writes a file: give it with --out PATH")
    customer = find_customer(config, customer_name).name if customer_name else None
    start = parse_date(from_date, "--from") if from_date else None
    end = parse_date(to_date, "--to") if to_date else None
    if start is not None and end is not None and start > end:
        fail(f"--from {from_date} is after --to {to_date}: give the earlier date first")
    return ReportAsked(customer, start, end, form, out)


def read_report(config: Config, asked: ReportAsked) -> list[ReportRow]:
    """The report's rows, from the deployments and refused starts in the store."""
    store = Store(state_url(config))
    return build_report(
        store.deployments.list(customer=asked.customer),
        store.reports.refused_starts(),
        tz=config.provider.tz,
        start=asked.start,
        end=asked.end,
    )


def write_report(config: Config, asked: ReportAsked, rows: Sequence[ReportRow]) -> None:
    """The report in the form asked: JSON or a table on standard output (a sentence when no
    deployment finished), a workbook or a page written to ``--out``."""
    language = config.provider.language
    if asked.form == "json":
        click.echo(report_json(rows))
    elif asked.form == "table" and not rows:
        click.echo(nothing_finished(language, asked.start, asked.end))
    elif asked.form == "table":
        print_table(language, [row_values(row) for row in rows], column_titles)
    elif asked.form == "xlsx" and asked.out is not None:
        click.echo(f"wrote {write_xlsx(rows, asked.out, language)}")
    elif asked.out is not None:
        asked.out.parent.mkdir(parents=True, exist_ok=True)
        renderer = Renderer.for_config(config)
        asked.out.write_text(report_html(rows, renderer, language, asked.customer))
        click.echo(f"wrote {asked.out}")


def nothing_finished(language: str, start: date | None, end: date | None) -> str:
    """The sentence for a report with no row: "no deployment finished between … and …"."""
    if start and end:
        span = say(language, "cli_span_between", start=short_date(start), end=short_date(end))
    elif start:
        span = say(language, "cli_span_since", start=short_date(start))
    elif end:
        span = say(language, "cli_span_until", end=short_date(end))
    else:
        span = say(language, "cli_span_ever")
    return say(language, "cli_report_none", span=span)


def print_table(
    language: str, rows: Sequence[Sequence[object]], titles: Callable[[str], list[str]]
) -> None:
    """The report as a table whose headers wrap between words, never cut: each column is at
    least as wide as its header's longest word, and the table as wide as they need."""
    table = Table(title=say(language, "web_report_title"))
    widths = []
    for index, title in enumerate(titles(language)):
        widest = max(len(word) for word in title.split())
        widths.append(widest)
        table.add_column(title, no_wrap=index < 2, min_width=widest)  # who, when: never broken
    for row in rows:
        table.add_row(*["—" if v is None else str(v) for v in row])
    console = Console()
    # 14 columns: wider than a default terminal; borders and padding take 3 columns each.
    console.width = max(console.width, 120, sum(widths) + 3 * len(widths) + 1)
    console.print(table)
