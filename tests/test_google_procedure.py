"""The whole procedure with the log and the calendar at Google (the emulator): the same steps as
``make demo``, with the log in Google Sheets or as an ``.xlsx`` in Drive, the events in Google
Calendar, and a person working in the same log meanwhile."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.run.wiring import deployment_log
from bot.cli.demo import Workbench, run_demo, workbench
from bot.config.loading import load_config
from bot.resources import example_config_path
from integrations.google_api import GoogleApis, GoogleSettings
from tests.google_side import (
    CALENDAR,
    PERSON,
    PERSON_TOOL,
    key_file,
    person_edits_workbook,
    workbook_cell,
)


@pytest.mark.parametrize("backend", ["google_sheets", "google_drive"])
def test_the_demo_keeps_its_log_and_its_event_at_google(
    backend: str, tmp_path: Path, demo_scenario: dict[str, Any]
) -> None:
    lines: list[str] = []

    run_demo(
        load_config(example_config_path()), demo_scenario, tmp_path, lines.append, backend=backend
    )

    text = "\n".join(lines)
    assert "  DIBA-2026-0001  Completado  addon-diba 3.2.11, iam-sync 3.2.1" in text
    assert (
        "Google Calendar 'Despliegues': Despliegue DIBA PRO at 2026-11-30T09:00:00+01:00, "
        "confirmed, iCalUID DIBA-2026-0001@soffid.example"
    ) in text
    assert not (tmp_path / "DEPLOYMENTS").exists()  # nothing in a local folder


def scheduled(bench: Workbench) -> str:
    bench.person_tags(1, "deploy")
    bench.cycle()
    deployment = bench.store.deployments.list()[0]
    first = deployment.proposals[0].astimezone(bench.config.provider.tz)
    bench.clock.advance(timedelta(minutes=20))
    bench.person_notes(1, f"/deploy schedule {first:%Y-%m-%d %H:%M}")
    bench.cycle()
    return deployment.id


def person_of(bench: Workbench, tmp_path: Path) -> GoogleApis:
    assert bench.google is not None and bench.config.google is not None
    url = str(bench.config.google.api_url)
    path = key_file(bench.google, url, tmp_path, PERSON_TOOL)
    return GoogleApis(GoogleSettings(path, impersonate=PERSON, api_url=url))


def test_a_persons_edit_of_the_drive_log_survives_the_procedure(
    tmp_path: Path, demo_scenario: dict[str, Any]
) -> None:
    config = load_config(example_config_path())
    with workbench(config, demo_scenario, tmp_path / "out", backend="google_drive") as bench:
        deployment_id = scheduled(bench)
        person = person_of(bench, tmp_path)
        name = "DIBA - Deployment log.xlsx"
        person_edits_workbook(person, name, "V2", "Ana: ventana confirmada")

        bench.clock.set(bench.deployment(deployment_id).planned_start or bench.clock())
        bench.person_tags(1, "deploy-start")
        bench.cycle()
        bench.person_tags(1, "deploy-done")
        bench.cycle()

        assert workbook_cell(person, name, "V2") == "Ana: ventana confirmada"
        [row] = deployment_log(bench.config, "DIBA").read_rows()
        assert row["status"] == "Completado"


def test_a_cancelled_deployment_is_cancelled_in_google_calendar(
    tmp_path: Path, demo_scenario: dict[str, Any]
) -> None:
    config = load_config(example_config_path())
    with workbench(config, demo_scenario, tmp_path / "out", backend="google_sheets") as bench:
        scheduled(bench)
        assert bench.google is not None
        events = bench.google.calendar.calendars[CALENDAR].events
        assert [e["status"] for e in events.values()] == ["confirmed"]

        bench.person_tags(1, "deploy-cancel")
        bench.cycle()

        assert [e["status"] for e in events.values()] == ["cancelled"]
        [row] = deployment_log(bench.config, "DIBA").read_rows()
        assert row["status"] == "Cancelado"


def test_a_google_outage_is_waited_out_and_nothing_is_written_twice(
    tmp_path: Path, demo_scenario: dict[str, Any]
) -> None:
    config = load_config(example_config_path())
    with workbench(config, demo_scenario, tmp_path / "out", backend="google_sheets") as bench:
        assert bench.google is not None
        bench.google.faults.script.extend([503] * 10)  # the log's and the event's five tries each

        scheduled(bench)

        health = bench.service.health.systems
        assert not health["log"].ok and not health["calendar"].ok
        assert "did not answer after 5 attempt(s): HTTP 503" in str(health["log"].last_error)
        assert deployment_log(bench.config, "DIBA").read_rows() == []

        bench.clock.advance(timedelta(minutes=10))
        bench.cycle()

        assert health["log"].ok and health["calendar"].ok
        [row] = deployment_log(bench.config, "DIBA").read_rows()
        assert row["status"] == "Programado"
        assert len(bench.google.calendar.calendars[CALENDAR].events) == 1
