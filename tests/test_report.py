"""``deploybot report``: the figures of a store built with known deployments (delays,
rollbacks, forced bookings, refused starts), and the workbook and page people look at."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner, Result

from bot.app.store import Change, Store, sqlite_url
from bot.cli import main
from bot.domain.model import Deployment, State
from bot.domain.report import ALL, build_report
from bot.domain.texts import say_count
from bot.resources import example_config_path
from tests.factories import at, completed, make_deployment


def ended(id: str, state: State, start: str, minutes: int, **changes: Any) -> Deployment:
    """A deployment booked for 15 minutes that ran ``minutes`` from ``start``."""
    base = make_deployment(id=id, requested_at=at(start) - timedelta(hours=48))
    return dataclasses.replace(
        base, state=state, planned_start=at(start), actual_start=at(start),
        actual_end=at(start) + timedelta(minutes=minutes), **changes,
    )  # fmt: skip


DEPLOYMENTS = [
    ended("DIBA-2026-0001", State.COMPLETED, "2026-11-02 09:00", 15),
    ended("DIBA-2026-0002", State.COMPLETED, "2026-11-10 09:00", 35, delays=1),
    ended("DIBA-2026-0003", State.ROLLED_BACK, "2026-11-17 09:00", 20, forced="urgent"),
    ended("DIBA-2026-0004", State.COMPLETED, "2026-12-01 09:00", 15),
]


def store_with(tmp_path: Path) -> Store:
    store = Store(sqlite_url(tmp_path / "state.sqlite"))
    for deployment in DEPLOYMENTS:
        store.commit(completed(deployment, deployment.actual_end))
    refused = DEPLOYMENTS[2]
    store.commit(
        Change(
            deployment=refused,
            effects=[],
            now=at("2026-11-17 08:00"),
            source="tag",
            actor="t",
            event="deploy-start",
            old_state=State.SCHEDULED,
            details={"refused": ["es fuera de la franja reservada"]},
        )
    )
    return store


def test_the_figures_of_a_month_and_of_everything(tmp_path: Path) -> None:
    store = store_with(tmp_path)
    tz = at("2026-11-02 09:00").tzinfo
    assert tz is not None
    rows = build_report(store.deployments.list(), store.reports.refused_starts(), tz=tz)
    by_key = {(r.customer, r.month): r.figures for r in rows}
    november = by_key[("DIBA", "2026-11")]
    assert (november.deployments, november.completed, november.rolled_back) == (3, 2, 1)
    assert november.failure_rate == 0.333
    assert november.delayed_share == 0.333
    assert november.mean_delay_minutes == 12.5  # 20 and 5 minutes past 15-minute bookings
    assert november.median_lead_hours == 48.4  # 48 h 15 min and 48 h 35 min (completed ones)
    assert (november.forced, november.refused_starts) == (1, 1)
    assert (november.mean_estimate_minutes, november.mean_real_minutes) == (15.0, 23.3)
    everything = by_key[(ALL, ALL)]
    assert everything.deployments == 4 and everything.failure_rate == 0.25


def config_for(tmp_path: Path, store_path: Path) -> Path:
    text = example_config_path().read_text(encoding="utf-8")
    text = text.replace("sqlite:///deploybot-state.sqlite", f"sqlite:///{store_path}")
    path = tmp_path / "deploybot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def report(tmp_path: Path, *args: str) -> Result:
    store_with(tmp_path)
    path = config_for(tmp_path, tmp_path / "state.sqlite")
    return CliRunner().invoke(main, ["report", *args, "--config", str(path)])


def test_json_and_table_go_to_standard_output(tmp_path: Path) -> None:
    data = json.loads(report(tmp_path, "--format", "json").stdout)
    assert {"customer": "DIBA", "month": "2026-12"}.items() <= data[1].items()
    table = report(tmp_path, "--customer", "DIBA", "--from", "2026-12-01")
    assert table.exit_code == 0, table.output
    assert "2026-12" in table.stdout and "2026-11" not in table.stdout
    assert "Informe de despliegues" in table.stdout and "cliente" in table.stdout


def test_the_workbook_holds_the_summary_and_its_charts(tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = report(tmp_path, "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(out)
    # In the operator's language (Spanish here), like the page.
    assert workbook.sheetnames == ["Resumen", "Por mes"]
    assert workbook["Resumen"]["A1"].value == "cliente"
    assert workbook["Resumen"]["J1"].value == "tasa de cambios fallidos"
    assert workbook["Por mes"]["B1"].value == "despliegues"
    assert len(workbook["Por mes"]._charts) == 2


def test_the_page_draws_the_months_as_bars(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = report(tmp_path, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count('class="bar"') == 2
    assert "2026-11: 3 despliegues, 1 con marcha atrás" in page  # the operator's language
    assert "Informe de despliegues" in page and "tasa de cambios fallidos" in page


def test_one_is_singular_and_two_plural_in_each_language() -> None:
    assert say_count("es", "web_deployments", 1) == "1 despliegue"
    assert say_count("ca", "web_deployments", 2) == "2 desplegaments"
    assert say_count("en", "web_deployments", 1) == "1 deployment"
    assert say_count("en", "web_deployments", 0) == "0 deployments"


def test_a_from_date_after_the_to_date_is_refused(tmp_path: Path) -> None:
    result = report(tmp_path, "--from", "2026-12-01", "--to", "2026-11-01")
    assert result.exit_code == 2
    assert "--from 2026-12-01 is after --to 2026-11-01" in result.output


def test_a_file_format_needs_a_path(tmp_path: Path) -> None:
    result = report(tmp_path, "--format", "xlsx")
    assert result.exit_code == 2 and "--out PATH" in result.output


def test_the_table_headers_wrap_between_words_and_are_never_cut(tmp_path: Path) -> None:
    table = report(tmp_path, "--customer", "DIBA")
    assert table.exit_code == 0, table.output
    assert "…" not in table.stdout  # a header cut short ("despl…") would end in an ellipsis
    assert "despliegues" in table.stdout


def test_an_empty_report_says_that_nothing_finished_in_the_span(tmp_path: Path) -> None:
    span = report(tmp_path, "--from", "2026-01-01", "--to", "2026-03-31")
    assert span.exit_code == 0, span.output
    assert span.stdout == "Ningún despliegue terminó entre el 01/01/2026 y el 31/03/2026.\n"
    since = report(tmp_path, "--customer", "CAM", "--from", "2026-01-01")
    assert since.stdout == "Ningún despliegue terminó desde el 01/01/2026.\n"
