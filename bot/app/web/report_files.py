"""The report as people like to read it: a table, JSON, a workbook with charts, or a page with
charts (inline SVG, no JavaScript)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.domain.rendering import Renderer
from bot.domain.report import ALL, ReportRow
from bot.domain.texts import say, say_count

#: The report's columns, in order: the JSON keys (their titles are ``web_col_<key>``).
COLUMNS = (
    "customer",
    "month",
    "deployments",
    "completed",
    "rolled_back",
    "cancelled",
    "median_lead_hours",
    "delayed_share",
    "mean_delay_minutes",
    "failure_rate",
    "mean_estimate_minutes",
    "mean_real_minutes",
    "forced",
    "refused_starts",
)


def column_titles(language: str) -> list[str]:
    """The columns' titles in the operator's ``language``."""
    return [say(language, f"web_col_{key}") for key in COLUMNS]


def row_values(row: ReportRow) -> list[Any]:
    """One row's values, in the order of :data:`COLUMNS`."""
    data = {"customer": row.customer, "month": row.month, **dataclasses.asdict(row.figures)}
    return [data[key] for key in COLUMNS]


def report_json(rows: Sequence[ReportRow]) -> str:
    """The report as JSON: one object per row."""
    return json.dumps([dict(zip(COLUMNS, row_values(r), strict=True)) for r in rows], indent=2)


def _monthly(rows: Sequence[ReportRow]) -> list[ReportRow]:
    """The overall figures of each month, oldest first (what the charts draw)."""
    return [r for r in rows if r.customer == ALL and r.month != ALL]


def write_xlsx(rows: Sequence[ReportRow], path: Path, language: str) -> Path:
    """A workbook in the operator's ``language``: the summary sheet, and charts of deployments
    and failure rate per month."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    def w(key: str) -> str:
        return say(language, f"web_{key}")

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = w("sheet_summary")
    sheet.append(column_titles(language))
    for row in rows:
        sheet.append(row_values(row))
    monthly = workbook.create_sheet(w("sheet_per_month"))
    monthly.append([w(f"col_{key}") for key in ("month", "deployments", "failure_rate",
                                                  "delayed_share")])  # fmt: skip
    for row in _monthly(rows):
        f = row.figures
        monthly.append([row.month, f.deployments, f.failure_rate or 0, f.delayed_share or 0])
    count = len(_monthly(rows))
    bars = BarChart()
    bars.title, bars.y_axis.title = w("per_month"), w("col_deployments")
    bars.add_data(
        Reference(monthly, min_col=2, min_row=1, max_row=count + 1), titles_from_data=True
    )
    bars.set_categories(Reference(monthly, min_col=1, min_row=2, max_row=count + 1))
    monthly.add_chart(bars, "F2")
    lines = LineChart()
    lines.title = w("failure_and_delay")
    lines.add_data(Reference(monthly, min_col=3, max_col=4, min_row=1, max_row=count + 1),
                   titles_from_data=True)  # fmt: skip
    lines.set_categories(Reference(monthly, min_col=1, min_row=2, max_row=count + 1))
    monthly.add_chart(lines, "F20")
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _bars(rows: Sequence[ReportRow]) -> list[dict[str, Any]]:
    """The bars of the per-month chart, in SVG coordinates (a 600 × 200 drawing)."""
    monthly = _monthly(rows)
    top = max((r.figures.deployments for r in monthly), default=0) or 1
    width = 600 / max(len(monthly), 1)
    return [
        {"x": round(i * width + 4, 1), "w": round(width - 8, 1),
         "h": round(r.figures.deployments / top * 170, 1), "label": r.month,
         "value": r.figures.deployments, "failed": r.figures.rolled_back}
        for i, r in enumerate(monthly)
    ]  # fmt: skip


def report_html(
    rows: Sequence[ReportRow], renderer: Renderer, language: str, customer: str | None = None
) -> str:
    """The report as a page in the operator's ``language``: a bar chart per month (inline
    SVG) and the table."""
    title = say(language, "web_report_title") + (f" — {customer}" if customer else "")
    bars = [
        bar | {"tip": f"{bar['label']}: " + ", ".join((
            say_count(language, "web_deployments", bar["value"]),
            say_count(language, "web_rolled_back", bar["failed"]),
        ))}
        for bar in _bars(rows)
    ]  # fmt: skip
    return renderer.render(
        ["web/report.html"],
        {"title": title, "bars": bars, "rows": [row_values(r) for r in rows],
         "columns": column_titles(language),
         "per_month": say(language, "web_per_month"), "figures": say(language, "web_figures")},
    )  # fmt: skip
