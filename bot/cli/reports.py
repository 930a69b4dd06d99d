"""``deploybot report``: how deployments went, per customer and month, as a table, JSON, a
workbook with charts or a page with charts."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.base import config_option, fail, find_customer, load, main, parse_date


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
    from bot.app.report_files import (
        column_titles,
        report_html,
        report_json,
        row_values,
        write_xlsx,
    )
    from bot.app.store import Store
    from bot.app.wiring import state_url
    from bot.domain.rendering import Renderer
    from bot.domain.report import build_report
    from bot.domain.texts import say

    config = load(config_path)
    if form in ("xlsx", "html") and out is None:
        fail(f"--format {form} writes a file: give it with --out PATH")
    customer = find_customer(config, customer_name).name if customer_name else None
    start = parse_date(from_date, "--from") if from_date else None
    end = parse_date(to_date, "--to") if to_date else None
    if start is not None and end is not None and start > end:
        fail(f"--from {from_date} is after --to {to_date}: give the earlier date first")
    store = Store(state_url(config))
    rows = build_report(store.deployments(customer=customer), store.refused_starts(),
                        tz=config.provider.tz, start=start, end=end)  # fmt: skip
    if form == "json":
        click.echo(report_json(rows))
    elif form == "table":
        from rich.console import Console
        from rich.table import Table

        language = config.provider.language
        table = Table(title=say(language, "web_report_title"))
        for index, title in enumerate(column_titles(language)):
            table.add_column(title, no_wrap=index < 2)  # who and when are never broken
        for row in rows:
            table.add_row(*["—" if v is None else str(v) for v in row_values(row)])
        console = Console()
        console.width = max(console.width, 120)  # 14 columns: wider than a default terminal
        console.print(table)
    elif form == "xlsx" and out is not None:
        click.echo(f"wrote {write_xlsx(rows, out, config.provider.language)}")
    elif out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            report_html(rows, Renderer.for_config(config), config.provider.language, customer)
        )
        click.echo(f"wrote {out}")
