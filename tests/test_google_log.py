"""The deployment log in Google Drive (``.xlsx`` revisions) and in Google Sheets (cell by cell),
against the Google emulator through the official client library: created from the folder's
template, updated in place, and a person's edit between deploybot's read and its write kept."""

from __future__ import annotations

import functools
import io
from collections import deque
from datetime import datetime, timedelta
from typing import Any

import pytest
from googleapiclient.http import MediaIoBaseUpload

from bot.domain.effects import LogRow
from emulators.google_drive import SHEET, XLSX
from integrations.google_api import GoogleApiError, GoogleApis
from integrations.log_columns import DeploymentLogError, LogConflictError
from integrations.log_drive import DriveDeploymentLog, DriveFolder
from integrations.log_sheets import SheetsDeploymentLog
from integrations.retry import RetriesExhaustedError
from tests.google_side import (
    ACCOUNT,
    FOLDER,
    GoogleSide,
    person_edits_workbook,
    workbook_cell,
)

START = datetime(2026, 11, 30, 9, 0)


def booked(**fields: Any) -> LogRow:
    values: dict[str, Any] = {
        "deployment_id": "DIBA-2026-0001",
        "status": "planned",
        "planned_start": START,
        "planned_end": START + timedelta(hours=1),
        "duration": timedelta(hours=1),
        "description": "addon-diba 3.2.11",
        "notes": "Reservado por deploybot",
    }
    values.update(fields)
    return LogRow(**values)


def drive_log(google: GoogleSide) -> DriveDeploymentLog:
    return DriveDeploymentLog(google.apis, FOLDER, "DIBA")


def sheets_log(google: GoogleSide) -> SheetsDeploymentLog:
    return SheetsDeploymentLog(google.apis, FOLDER, "DIBA")


# --- Drive: the .xlsx file ------------------------------------------------------------------


def test_drive_log_is_copied_from_the_folders_template(google: GoogleSide) -> None:
    log = drive_log(google)

    assert log.upsert_row(booked()) == 2

    rows = log.read_rows()
    assert [(r["deployment_id"], r["status"], r["planned_start"]) for r in rows] == [
        ("DIBA-2026-0001", "Programado", START)
    ]
    assert "drive.files.copy" in google.requests()
    assert "drive.files.upload" not in google.requests()


def test_drive_log_without_a_template_starts_from_deploybots_own(google: GoogleSide) -> None:
    for file in google.app.drive.files.values():
        if file.name.startswith("TEMPLATE"):
            file.trashed = True

    drive_log(google).upsert_row(booked())

    assert "drive.files.upload" in google.requests()
    assert drive_log(google).read_rows()[0]["status"] == "Programado"


def test_an_update_is_a_new_revision_of_the_same_row(google: GoogleSide) -> None:
    log = drive_log(google)
    log.upsert_row(booked())

    assert log.upsert_row(booked(status="completed", notes="Terminado")) == 2

    [row] = log.read_rows()
    assert row["status"] == "Completado"
    assert row["notes"] == "Reservado por deploybot\nTerminado"
    [file] = [f for f in google.app.drive.files.values() if f.name == log.name]
    assert len(file.revisions) == 3  # the copy, then one per write


def test_a_persons_save_after_deploybot_read_the_file_is_kept(google: GoogleSide) -> None:
    log = drive_log(google)
    log.upsert_row(booked())
    # Just as deploybot checks the head revision before uploading, Ana saves her own change.
    google.app.before(
        "GET",
        "fields=headRevisionId",
        lambda: person_edits_workbook(google.person, log.name, "V2", "Revisado por Ana"),
    )

    log.upsert_row(booked(status="in_progress"))

    assert workbook_cell(google.person, log.name, "V2") == "Revisado por Ana"
    assert log.read_rows()[0]["status"] == "En curso"


def test_a_persons_save_just_before_deploybots_upload_is_built_on(google: GoogleSide) -> None:
    log = drive_log(google)
    log.upsert_row(booked())
    google.app.before(
        "PATCH",
        "/upload/drive/v3/files/",
        lambda: person_edits_workbook(google.person, log.name, "V2", "Revisado por Ana"),
    )

    log.upsert_row(booked(status="in_progress"))

    assert workbook_cell(google.person, log.name, "V2") == "Revisado por Ana"
    assert log.read_rows()[0]["status"] == "En curso"
    [file] = [f for f in google.app.drive.files.values() if f.name == log.name]
    authors = [revision.author for revision in file.revisions]
    assert authors[-3:] == ["ana.garcia@soffid.example", ACCOUNT, ACCOUNT]


def test_a_file_that_never_stops_changing_is_a_conflict_retried_later(google: GoogleSide) -> None:
    log = drive_log(google)
    log.upsert_row(booked())
    for attempt in range(DriveDeploymentLog.ATTEMPTS):
        edit = functools.partial(
            person_edits_workbook, google.person, log.name, "V2", f"v{attempt}"
        )
        google.app.before("GET", "fields=headRevisionId", edit)

    with pytest.raises(LogConflictError, match="kept changing"):
        log.upsert_row(booked(status="in_progress"))

    assert workbook_cell(google.person, log.name, "V2") == f"v{DriveDeploymentLog.ATTEMPTS - 1}"
    assert log.read_rows()[0]["status"] == "Programado"


def test_two_files_of_the_logs_name_are_not_guessed_between(google: GoogleSide) -> None:
    log = drive_log(google)
    log.upsert_row(booked())
    google.app.drive.add(log.name, XLSX, FOLDER, "ana.garcia@soffid.example", b"")

    with pytest.raises(DeploymentLogError, match="holds 2 files named"):
        log.upsert_row(booked(status="in_progress"))


def test_drive_outage_is_retried_with_backoff(google: GoogleSide) -> None:
    log = drive_log(google)
    log.upsert_row(booked())
    google.app.faults.script = deque([503, 429])

    log.upsert_row(booked(status="in_progress"))

    assert len(google.sleeps) == 2
    assert log.read_rows()[0]["status"] == "En curso"


def test_a_read_only_folder_is_named_with_what_to_share(google: GoogleSide) -> None:
    drive = google.app.drive
    drive.access["0ASoffidSharedDriveUk9PVA"][ACCOUNT] = "reader"

    with pytest.raises(PermissionError, match="share it with the service account as Editor"):
        DriveFolder(google.apis, FOLDER).check()
    with pytest.raises(GoogleApiError, match="HTTP 403"):
        drive_log(google).upsert_row(booked())


# --- Sheets: the native Google Sheet ----------------------------------------------------------


def book_id(google: GoogleSide) -> str:
    [found] = [
        f
        for f in google.app.drive.files.values()
        if f.name == "DIBA - Deployment log" and f.mime_type == SHEET and not f.trashed
    ]
    return found.id


def person_values(person: GoogleApis, spreadsheet: str, where: str, **options: str) -> Any:
    return (
        person.service("sheets")
        .spreadsheets()
        .values()
        .get(spreadsheetId=spreadsheet, range=where, **options)
        .execute()
        .get("values", [])
    )


def person_writes(google: GoogleSide, where: str, values: list[list[Any]]) -> None:
    """Ana types into the Sheet (as a person does: USER_ENTERED)."""
    google.person.service("sheets").spreadsheets().values().update(
        spreadsheetId=book_id(google),
        range=where,
        valueInputOption="USER_ENTERED",
        body={"values": values},
    ).execute()


def test_sheets_log_is_copied_from_the_template_sheet_with_dates_shown_as_dates(
    google: GoogleSide,
) -> None:
    log = sheets_log(google)

    assert log.upsert_row(booked()) == 2

    shown = person_values(google.person, book_id(google), "Sheet1!A2:D2")
    assert shown == [["DIBA-2026-0001", "", "30/11/2026 09:00", "30/11/2026 10:00"]]
    assert "drive.files.copy" in google.requests()


def test_a_title_starting_with_equals_is_text_in_the_sheet(google: GoogleSide) -> None:
    title = '=HYPERLINK("http://attacker.example","Click")'

    sheets_log(google).upsert_row(booked(description=title))
    person_writes(google, "Sheet1!V2", [["=1+1"]])

    grid = (
        google.person.service("sheets")
        .spreadsheets()
        .get(
            spreadsheetId=book_id(google),
            ranges=["Sheet1!L2:V2"],
            includeGridData=True,
            fields="sheets.data.rowData.values.userEnteredValue",
        )
        .execute()
    )
    cells = grid["sheets"][0]["data"][0]["rowData"][0]["values"]
    assert cells[0]["userEnteredValue"] == {"stringValue": title}
    assert cells[-1]["userEnteredValue"] == {"formulaValue": "=1+1"}  # what a person types


def test_an_update_writes_only_deploybots_cells_of_that_row(google: GoogleSide) -> None:
    log = sheets_log(google)
    log.upsert_row(booked())
    person_writes(google, "Sheet1!V2", [["Cliente avisado"]])
    person_writes(google, "Sheet1!L2", [["Descripción de Ana"]])
    before = len(google.requests())

    log.upsert_row(booked(status="completed", description=None, notes="Terminado"))

    asked = google.requests()[before:]
    assert asked == ["sheets", "sheets", "sheets"]  # tabs, values, one batchUpdate
    row = person_values(google.person, book_id(google), "Sheet1!A2:V2")[0]
    assert (row[11], row[15], row[16], row[21]) == (
        "Descripción de Ana",
        "Completado",
        "Reservado por deploybot\nTerminado",
        "Cliente avisado",
    )


def test_a_persons_edit_between_read_and_write_is_kept(google: GoogleSide) -> None:
    log = sheets_log(google)
    log.upsert_row(booked())
    google.app.before(
        "POST", "values:batchUpdate", lambda: person_writes(google, "Sheet1!V2", [["Ana lo mira"]])
    )

    log.upsert_row(booked(status="in_progress"))

    row = person_values(google.person, book_id(google), "Sheet1!A2:V2")[0]
    assert (row[15], row[21]) == ("En curso", "Ana lo mira")


def test_a_row_a_person_adds_meanwhile_is_not_written_over(google: GoogleSide) -> None:
    log = sheets_log(google)
    log.upsert_row(booked())
    # Just before deploybot inserts its new row 3, Ana types her own into row 3.
    google.app.before(
        "POST", ":batchUpdate", lambda: person_writes(google, "Sheet1!A3:P3", [["MANUAL-1"]])
    )

    number = log.upsert_row(booked(deployment_id="DIBA-2026-0002"))

    assert number == 3
    ids = [row[0] for row in person_values(google.person, book_id(google), "Sheet1!A2:A10")]
    assert ids == ["DIBA-2026-0001", "DIBA-2026-0002", "MANUAL-1"]


def test_a_sheet_deleted_since_it_was_found_is_found_again(google: GoogleSide) -> None:
    log = sheets_log(google)
    log.upsert_row(booked())
    old = book_id(google)
    google.app.drive.files[old].trashed = True
    google.app.sheets.books.pop(old)

    log.upsert_row(booked(status="in_progress"))

    assert book_id(google) != old
    assert [r["status"] for r in sheets_log(google).read_rows()] == ["En curso"]


def test_a_log_sheet_without_the_id_column_is_refused_in_plain_words(google: GoogleSide) -> None:
    made = google.app.drive.add("DIBA - Deployment log", SHEET, FOLDER, "ana.garcia@soffid.example")
    google.app.sheets.create_for(made.id, made.name, [["Fecha", "Qué"]])

    with pytest.raises(DeploymentLogError, match="no sheet has a 'ID despliegue"):
        sheets_log(google).upsert_row(booked())


def test_the_sheets_upload_nothing_whole(google: GoogleSide) -> None:
    log = sheets_log(google)
    log.upsert_row(booked())
    log.upsert_row(booked(status="completed"))

    assert not [e for e in google.requests() if "upload" in e]
    assert "drive.files.upload_update" not in google.requests()


def test_a_new_sheet_without_template_gets_deploybots_headers(google: GoogleSide) -> None:
    for file in google.app.drive.files.values():
        if file.name.startswith("TEMPLATE"):
            file.trashed = True
    log = sheets_log(google)

    log.upsert_row(booked())

    header = person_values(google.person, book_id(google), "Sheet1!A1:C1")
    assert header == [["ID despliegue", "Solicitado", "Inicio previsto"]]
    assert log.check() == "DIBA - Deployment log: 1 row(s), sheet 'Sheet1'"


def test_check_says_where_a_new_log_will_come_from(google: GoogleSide) -> None:
    assert sheets_log(google).check() == (
        "no DIBA - Deployment log yet: it will be copied from 'TEMPLATE - Deployment log'"
    )
    assert drive_log(google).check() == (
        "no DIBA - Deployment log.xlsx yet: it will be copied from 'TEMPLATE - Deployment log.xlsx'"
    )


def test_an_upload_is_a_media_upload_of_the_workbook(google: GoogleSide) -> None:
    """The person's helper itself goes through Drive's simple upload, as deploybot does."""
    folder = DriveFolder(google.person, FOLDER)
    made = folder.upload_new("notes.xlsx", b"PK\x03\x04 not really")
    media = MediaIoBaseUpload(io.BytesIO(b"second"), XLSX, resumable=False)
    google.person.service("drive").files().update(
        fileId=made["id"], media_body=media, supportsAllDrives=True
    ).execute()

    assert folder.download(str(made["id"]), folder.head(str(made["id"]))) == b"second"


def test_what_each_write_costs_in_requests(google: GoogleSide) -> None:
    """Sheets: open (tabs, values), then write by the row's mark (a new row: inserted and
    marked first); Drive: find, download, check, upload, verify. Figures in the README's
    Performance table (benchmarks/bench_google.py)."""
    sheets, drive = sheets_log(google), drive_log(google)
    costs = []
    for log in (sheets, drive):
        for row in (booked(), booked(status="completed"), booked(deployment_id="DIBA-2026-0002")):
            before = len(google.requests())
            log.upsert_row(row)
            costs.append(len(google.requests()) - before)

    assert costs == [8, 3, 4, 7, 5, 5]


def test_a_sign_in_outage_is_retried_not_taken_for_a_refused_key(
    google: GoogleSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    library_waits: list[float] = []
    monkeypatch.setattr("google.auth._exponential_backoff.time.sleep", library_waits.append)
    google.app.sign_in_faults.script = deque([503, 503, 503])  # google-auth tries three times

    drive_log(google).upsert_row(booked())

    assert len(library_waits) == 2  # google-auth's own backoff between its three tries
    assert len(google.sleeps) == 1  # then ours, once, before signing in again
    assert drive_log(google).read_rows()[0]["status"] == "Programado"


def person_inserts_a_row_above(google: GoogleSide, before_row: int) -> None:
    """Ana inserts an empty row in the Sheet (Insert > Row above)."""
    rows = {"sheetId": 0, "dimension": "ROWS", "startIndex": before_row - 1, "endIndex": before_row}
    google.person.service("sheets").spreadsheets().batchUpdate(
        spreadsheetId=book_id(google), body={"requests": [{"insertDimension": {"range": rows}}]}
    ).execute()


def test_a_row_a_person_inserts_above_between_read_and_write_moves_the_row_with_it(
    google: GoogleSide,
) -> None:
    log = sheets_log(google)
    log.upsert_row(booked())
    google.app.before("POST", "values:", lambda: person_inserts_a_row_above(google, 2))

    assert log.upsert_row(booked(status="in_progress")) == 3

    rows = person_values(google.person, book_id(google), "Sheet1!A2:P3")
    assert rows[0] == []  # Ana's new row is still empty
    assert (rows[1][0], rows[1][15]) == ("DIBA-2026-0001", "En curso")


def test_a_row_a_person_typed_is_updated_where_it_stands_and_then_followed(
    google: GoogleSide,
) -> None:
    log = sheets_log(google)
    log.upsert_row(booked())
    person_writes(google, "Sheet1!A3:B3", [["DIBA-2026-0002", "manual"]])

    assert log.upsert_row(booked(deployment_id="DIBA-2026-0002", status="in_progress")) == 3
    google.app.before("POST", "values:", lambda: person_inserts_a_row_above(google, 3))
    assert log.upsert_row(booked(deployment_id="DIBA-2026-0002", status="completed")) == 4

    rows = person_values(google.person, book_id(google), "Sheet1!A3:P4")
    assert rows[0] == []
    assert (rows[1][0], rows[1][15]) == ("DIBA-2026-0002", "Completado")


def test_a_new_row_below_a_full_grid_grows_the_grid(google: GoogleSide) -> None:
    log = sheets_log(google)
    log.upsert_row(booked())
    [sheet] = google.app.sheets.books[book_id(google)].sheets
    sheet.rows = 2  # the header and one deployment fill the tab

    assert log.upsert_row(booked(deployment_id="DIBA-2026-0002")) == 3

    assert sheet.rows == 3
    ids = [row[0] for row in person_values(google.person, book_id(google), "Sheet1!A2:A3")]
    assert ids == ["DIBA-2026-0001", "DIBA-2026-0002"]


def test_rows_a_person_deletes_above_do_not_shift_a_write_either(google: GoogleSide) -> None:
    log = sheets_log(google)
    log.upsert_row(booked(deployment_id="DIBA-2026-0001"))
    log.upsert_row(booked(deployment_id="DIBA-2026-0002"))
    rows = {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
    delete = (
        google.person.service("sheets")
        .spreadsheets()
        .batchUpdate(
            spreadsheetId=book_id(google), body={"requests": [{"deleteDimension": {"range": rows}}]}
        )
    )
    google.app.before("POST", "values:", delete.execute)

    assert log.upsert_row(booked(deployment_id="DIBA-2026-0002", status="completed")) == 2

    [row] = person_values(google.person, book_id(google), "Sheet1!A2:P2")
    assert (row[0], row[15]) == ("DIBA-2026-0002", "Completado")


def test_a_lost_answer_to_the_new_rows_insert_adds_one_row_not_two(google: GoogleSide) -> None:
    """The insert was applied but answered 503: a blind retry inserted a second marked row."""
    log = sheets_log(google)
    log.upsert_row(booked())
    lose_it = lambda: google.app.faults.script.append("lost:503")  # noqa: E731
    google.app.before("POST", ":batchUpdate?", lose_it)

    log.upsert_row(booked(deployment_id="DIBA-2026-0002"))
    log.upsert_row(booked(deployment_id="DIBA-2026-0002", status="completed"))

    ids = [row["deployment_id"] for row in log.read_rows()]
    assert ids == ["DIBA-2026-0001", "DIBA-2026-0002"]
    assert log.read_rows()[1]["status"] == "Completado"


def test_a_value_write_that_fails_after_the_insert_is_retried_into_the_same_row(
    google: GoogleSide,
) -> None:
    """The row was inserted and marked, then the value write failed for good: the outbox's
    retry looked the id up as text, found nothing and inserted another row."""
    log = sheets_log(google)
    log.upsert_row(booked())
    google.app.before("POST", "batchUpdateByDataFilter",
                      lambda: google.app.faults.script.extend([503] * 5))  # fmt: skip
    with pytest.raises(RetriesExhaustedError):
        log.upsert_row(booked(deployment_id="DIBA-2026-0002"))

    log.upsert_row(booked(deployment_id="DIBA-2026-0002"))

    ids = [row["deployment_id"] for row in log.read_rows()]
    assert ids == ["DIBA-2026-0001", "DIBA-2026-0002"]


@pytest.mark.parametrize("backend", ["drive", "sheets"])
def test_a_lost_answer_to_the_logs_creation_makes_one_file_not_two(
    google: GoogleSide, backend: str
) -> None:
    """The template's copy was made but its answer lost: the retry made a second file of the
    log's name, and every later write refused to guess between them."""
    log = drive_log(google) if backend == "drive" else sheets_log(google)
    google.app.before("POST", "/copy", lambda: google.app.faults.script.append("lost:503"))

    log.upsert_row(booked())
    log.upsert_row(booked(status="completed"))

    named = [f for f in google.app.drive.files.values() if f.name == log.name]
    assert len(named) == 1
    lost = [r for r in google.app.log if r.path.endswith("/copy") and r.status == 503]
    assert len(lost) == 1  # the copy was made, and its answer lost
    assert [row["status"] for row in log.read_rows()] == ["Completado"]
