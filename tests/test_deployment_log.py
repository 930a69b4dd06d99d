"""The per-customer Excel log, written and read back with openpyxl."""

from __future__ import annotations

import dataclasses
import os
import stat
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from bot.domain.effects import LogRow
from bot.domain.model import State
from bot.domain.notifications import log_row
from bot.domain.problems import Problem
from integrations.deployment_log import (
    COLUMNS,
    DeploymentLog,
    LogCorruptError,
    LogFormatError,
    LogLockedError,
    build_template,
    write_template,
)
from tests.factories import make_config, make_deployment, started


def log_in(folder: Path, **options: object) -> DeploymentLog:
    return DeploymentLog(folder, "DIBA", **options)  # type: ignore[arg-type]


def planned() -> LogRow:
    return log_row(make_deployment(), make_config())


def test_first_row_creates_the_workbook_from_the_shipped_template(tmp_path: Path) -> None:
    log = log_in(tmp_path)
    assert log.upsert_row(planned()) == 2
    assert log.path.name == "DIBA - Deployment log.xlsx"
    [row] = log.read_rows()
    assert row["deployment_id"] == "DIBA-2026-0007"
    assert row["status"] == "Programado"
    assert row["planned_start"] == datetime(2026, 12, 1, 9, 30)
    assert row["planned_end"] == datetime(2026, 12, 1, 9, 45)
    assert row["components"] == "addon-diba 3.2.11, iam-sync 3.2.1"
    assert row["previous_versions"] == "addon-diba 3.2.10, iam-sync 3.2.0"
    assert row["actual_start"] is None


def test_the_same_row_is_updated_at_start_and_at_close(tmp_path: Path) -> None:
    log = log_in(tmp_path)
    config = make_config()
    log.upsert_row(planned())
    running = started(make_deployment(), "2026-12-01 09:31")
    log.upsert_row(log_row(running, config))
    done = started(make_deployment(), "2026-12-01 09:31", "2026-12-01 09:52")
    assert log.upsert_row(log_row(done, config)) == 2
    [row] = log.read_rows()
    assert row["status"] == "Completado"
    assert row["actual_start"] == datetime(2026, 12, 1, 9, 31)
    assert row["actual_end"] == datetime(2026, 12, 1, 9, 52)
    assert row["duration"] == timedelta(minutes=21)


def test_a_folder_template_is_copied_for_a_new_customer(tmp_path: Path) -> None:
    template = build_template("en")
    template.active["X1"] = "Comentarios de la oficina"
    template.save(tmp_path / "TEMPLATE - Deployment log.xlsx")
    log = log_in(tmp_path)
    log.upsert_row(planned())
    sheet = openpyxl.load_workbook(log.path).active
    assert sheet["A1"].value == "Deployment ID"
    assert sheet["X1"].value == "Comentarios de la oficina"
    assert log.read_rows()[0]["status"] == "Scheduled"


def test_customised_template_with_reordered_and_extra_columns(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Portada"
    cover["A1"] = "Registro de despliegues de DIBA"
    sheet = workbook.create_sheet("Registro")
    sheet["A1"] = "Registro"  # a title row above the header
    headers = ["Estat", "Coste (€)", "Id desplegament", "Components", "Fi real", "Observacions"]
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=3, column=column, value=header)
    sheet["B4"] = 120
    sheet["B5"] = "=SUM(B4:B4)"
    path = tmp_path / "DIBA - Deployment log.xlsx"
    workbook.save(path)

    log = log_in(tmp_path)
    assert log.upsert_row(planned()) == 4
    saved = openpyxl.load_workbook(path)
    sheet = saved["Registro"]
    assert sheet["A4"].value == "Programat"  # the workbook's own language, from its headers
    assert sheet["C4"].value == "DIBA-2026-0007"
    assert sheet["D4"].value == "addon-diba 3.2.11, iam-sync 3.2.1"
    assert sheet["B4"].value == 120
    assert sheet["B5"].value == "=SUM(B4:B4)"
    assert saved["Portada"]["A1"].value == "Registro de despliegues de DIBA"


def test_rows_and_cells_people_added_are_preserved(tmp_path: Path) -> None:
    log = log_in(tmp_path)
    log.upsert_row(planned())
    workbook = openpyxl.load_workbook(log.path)
    sheet = workbook.active
    sheet["A3"] = "MANUAL-2026-01"
    sheet["B3"] = datetime(2026, 11, 2, 10, 0)
    sheet["Q2"] = "Avisar a Núria antes"  # notes of deploybot's own row, written by a person
    sheet["X2"] = "=LEN(A2)"
    sheet["A3"].font = Font(italic=True, color="FF0000")
    workbook.create_sheet("Resumen")["A1"] = "=COUNTA(Despliegues!A:A)-1"
    workbook.save(log.path)

    config = make_config()
    urgent = Problem.of("note_text", text="Forzado: ventana urgente")
    done = started(make_deployment(notes=(urgent,)), "2026-12-01 09:31",
                   "2026-12-01 09:52")  # fmt: skip
    log.upsert_row(log_row(done, config))
    log.upsert_row(log_row(done, config))  # the same update twice changes nothing more

    saved = openpyxl.load_workbook(log.path)
    sheet = saved.active
    assert sheet["A3"].value == "MANUAL-2026-01"
    assert sheet["A3"].font.italic and sheet["A3"].font.color.rgb == "00FF0000"
    assert sheet["X2"].value == "=LEN(A2)"
    assert sheet["Q2"].value == "Avisar a Núria antes\nForzado: ventana urgente"
    assert saved["Resumen"]["A1"].value == "=COUNTA(Despliegues!A:A)-1"
    assert sheet["P2"].value == "Completado"
    assert sheet.max_row == 3


def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path: Path) -> None:
    log = log_in(tmp_path)
    hostile = ('=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
    for index, text in enumerate(hostile):
        log.upsert_row(LogRow(deployment_id=f"DIBA-2026-01{index:02d}", status="planned",
                              description=text))  # fmt: skip
    sheet = openpyxl.load_workbook(log.path).active
    column = list(COLUMNS).index("description") + 1
    cells = [sheet.cell(row=row, column=column) for row in range(2, 2 + len(hostile))]
    assert [cell.value for cell in cells] == list(hostile)
    assert all(cell.data_type == "s" for cell in cells)
    with zipfile.ZipFile(log.path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_a_file_that_is_not_a_workbook_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "DIBA - Deployment log.xlsx"
    path.write_bytes(b"this was overwritten by a sync conflict")
    with pytest.raises(LogCorruptError, match=r"not a valid \.xlsx workbook"):
        log_in(tmp_path).upsert_row(planned())
    assert path.read_bytes() == b"this was overwritten by a sync conflict"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DIBA - Deployment log.xlsx"]


@pytest.mark.parametrize(
    ("lock_name", "content", "who"),
    [
        ("~$BA - Deployment log.xlsx", b"\x05Nuria" + b" " * 48, "Nuria"),
        (".~lock.DIBA - Deployment log.xlsx#", b"Joan Ferrer,joan,PC-12,26.11.2026 10:00,\n",
         "Joan Ferrer"),
    ],
)  # fmt: skip
def test_a_workbook_open_in_excel_or_libreoffice_is_not_written(
    tmp_path: Path, lock_name: str, content: bytes, who: str
) -> None:
    log = log_in(tmp_path)
    log.upsert_row(planned())
    before = log.path.read_bytes()
    (tmp_path / lock_name).write_bytes(content)
    done = started(make_deployment(), "2026-12-01 09:31", "2026-12-01 09:52")
    with pytest.raises(LogLockedError, match=f"is open by {who}"):
        log.upsert_row(log_row(done, make_config()))
    assert log.path.read_bytes() == before


def test_another_writer_holding_the_lock_makes_it_wait_then_fail(tmp_path: Path) -> None:
    import filelock

    log = log_in(tmp_path, lock_timeout=0.1)
    with filelock.FileLock(str(log.lock_path)), pytest.raises(LogLockedError):
        log.upsert_row(planned())
    assert not log.path.exists()


def test_nothing_but_the_workbook_lands_in_the_shared_folder(tmp_path: Path) -> None:
    shared = tmp_path / "DEPLOYMENTS"
    log = log_in(shared, backup_dir=tmp_path / "state" / "log-backups")
    log.upsert_row(planned())
    log.upsert_row(planned())
    assert sorted(p.name for p in shared.iterdir()) == ["DIBA - Deployment log.xlsx"]
    assert log.backup_path.parent == tmp_path / "state" / "log-backups"


def person_edits(log: DeploymentLog, text: str) -> bytes:
    """Someone opens the log, writes in a cell of their own and saves it."""
    workbook = openpyxl.load_workbook(log.path)
    workbook.worksheets[0]["X2"] = text
    workbook.save(log.path)
    return log.path.read_bytes()


def test_a_version_someone_else_wrote_is_kept_outside_the_shared_folder(tmp_path: Path) -> None:
    log = log_in(tmp_path / "shared", backup_dir=tmp_path / "backups")
    log.upsert_row(planned())
    log.upsert_row(planned())
    assert not log.backup_path.exists()  # deploybot's own version: nothing to keep
    theirs = person_edits(log, "Revisado por Núria")
    log.upsert_row(log_row(make_deployment(state=State.CANCELLED), make_config()))
    assert log.backup_path.read_bytes() == theirs
    assert log.read_rows()[0]["status"] == "Cancelado"
    assert not [p for p in (tmp_path / "shared").iterdir() if p.name.endswith(".tmp.xlsx")]


def test_at_most_three_foreign_versions_are_kept_newest_first(tmp_path: Path) -> None:
    log = log_in(tmp_path / "shared", backup_dir=tmp_path / "backups")
    log.upsert_row(planned())
    versions = []
    for n in range(4):
        versions.append(person_edits(log, f"edit {n}"))
        log.upsert_row(planned())
    kept = sorted(p.name for p in (tmp_path / "backups").glob("*.bak*"))
    assert kept == [f"{log.path.name}.bak", f"{log.path.name}.bak.2", f"{log.path.name}.bak.3"]
    assert log.backup_path.read_bytes() == versions[3]
    assert (tmp_path / "backups" / f"{log.path.name}.bak.3").read_bytes() == versions[1]


def test_a_new_log_takes_the_usual_permissions_and_an_existing_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    old = os.umask(0o022)
    try:
        log = log_in(tmp_path / "shared", backup_dir=tmp_path / "backups")
        log.upsert_row(planned())
        assert stat.S_IMODE(log.path.stat().st_mode) == 0o644
        log.path.chmod(0o664)
        log.upsert_row(planned())
        assert stat.S_IMODE(log.path.stat().st_mode) == 0o664
    finally:
        os.umask(old)


def test_notes_already_in_the_cell_are_not_written_again(tmp_path: Path) -> None:
    config = make_config()
    forced = make_deployment(notes=(Problem.of("note_forced", problems="Friday", reason="urgent"),))
    log = log_in(tmp_path)
    log.upsert_row(log_row(forced, config))
    cancelled = dataclasses.replace(
        forced,
        state=State.CANCELLED,
        notes=(*forced.notes, Problem.of("note_cancelled", reason="x")),
    )
    log.upsert_row(log_row(cancelled, config))
    notes = str(log.read_rows()[0]["notes"])
    assert notes.count("Fecha fijada por el equipo de soporte") == 1
    assert notes.endswith("Cancelado a petición del equipo de soporte")


def test_the_log_records_delays_with_their_minutes_and_reschedules(tmp_path: Path) -> None:
    ended = started(make_deployment(), "2026-12-01 09:30", "2026-12-01 10:05")
    ended = dataclasses.replace(
        ended,
        state=State.COMPLETED,
        delays=2,
        reschedules=1,
        duration=timedelta(minutes=25),
        extended=timedelta(minutes=10),
    )
    log = log_in(tmp_path)
    log.upsert_row(log_row(ended, make_config()))
    [row] = log.read_rows()
    # Booked for 15 minutes (25 with the extension asked for), it took 35: 20 minutes late.
    assert (row["delays"], row["delay_minutes"], row["reschedules"]) == (2, 20, 1)


def test_a_workbook_without_an_id_column_is_explained(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Fecha"
    workbook.save(tmp_path / "DIBA - Deployment log.xlsx")
    with pytest.raises(LogFormatError, match="'ID despliegue / ID desplegament / Deployment ID'"):
        log_in(tmp_path).upsert_row(planned())


def test_thousand_rows_stay_one_row_per_deployment(tmp_path: Path) -> None:
    log = log_in(tmp_path)
    workbook = openpyxl.load_workbook(write_template(log.path))
    sheet = workbook.active
    for number in range(1, 1001):
        sheet.append([f"DIBA-2025-{number:04d}", datetime(2025, 1, 1, 9, 0)])
    workbook.save(log.path)
    assert log.upsert_row(log_row(make_deployment(id="DIBA-2025-0500"), make_config())) == 501
    assert log.upsert_row(planned()) == 1002
    rows = log.read_rows()
    assert len(rows) == 1001
    assert rows[499]["status"] == "Programado"


def test_a_log_from_an_older_template_offers_the_status_written_now(tmp_path: Path) -> None:
    # Earlier versions wrote (and offered) "Planificado" where today's write "Programado".
    old = build_template("es")
    [validation] = old.active.data_validations.dataValidation
    validation.formula1 = validation.formula1.replace("Programado", "Planificado")
    validation.error = validation.error.replace("Programado", "Planificado")
    old.active["A2"], old.active["P2"] = "DIBA-2026-0001", "Planificado"
    old.save(tmp_path / "DIBA - Deployment log.xlsx")
    log = log_in(tmp_path)
    log.upsert_row(planned())
    sheet = openpyxl.load_workbook(log.path).active
    [validation] = sheet.data_validations.dataValidation
    assert validation.formula1 == '"Programado,En curso,Retrasado,Completado,Revertido,Cancelado"'
    assert validation.error == "Programado; En curso; Retrasado; Completado; Revertido; Cancelado"
    assert [row["status"] for row in log.read_rows()] == ["Planificado", "Programado"]


def test_a_list_of_other_words_is_left_as_people_wrote_it(tmp_path: Path) -> None:
    old = build_template("en")
    [validation] = old.active.data_validations.dataValidation
    validation.formula1 = '"Planned,Urgent,Routine"'
    old.save(tmp_path / "DIBA - Deployment log.xlsx")
    log_in(tmp_path).upsert_row(planned())
    sheet = openpyxl.load_workbook(tmp_path / "DIBA - Deployment log.xlsx").active
    assert sheet.data_validations.dataValidation[0].formula1 == '"Planned,Urgent,Routine"'


def test_shipped_template_opens_cleanly_with_its_features(tmp_path: Path) -> None:
    path = write_template(tmp_path / "TEMPLATE - Deployment log.xlsx", "ca")
    sheet = openpyxl.load_workbook(path).active
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:T1"
    assert sheet["A1"].value == "ID desplegament" and sheet["A1"].font.bold
    [validation] = sheet.data_validations.dataValidation
    assert validation.formula1 == '"Programat,En curs,Endarrerit,Completat,Revertit,Cancel·lat"'
    assert str(validation.sqref) == "P2:P5000"
    assert sheet.column_dimensions["I"].width == 40
