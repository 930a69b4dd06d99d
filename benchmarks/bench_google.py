"""What the Google backends cost: requests per log write and per calendar change, and the time
of one row's update in a log of 1,000 rows, against the Google emulator on loopback.

Run: .venv/bin/python benchmarks/bench_google.py   (prints figures and their conditions)
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.effects import LogRow
from emulators.scenario import load_scenario
from integrations.google_calendar import GoogleCalendar
from integrations.log_drive import DriveDeploymentLog, DriveFolder
from integrations.log_sheets import SheetsDeploymentLog
from integrations.log_workbook import apply_row, read_workbook, workbook_bytes

# The tests' Google side (emulator, key files, a person's client) is the benchmark's too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.google_side import CALENDAR, FOLDER, GoogleSide, google_side
from tests.test_google_calendar import Event

START = datetime(2026, 11, 30, 9, 0)
ROWS = 1_000


def row(number: int, status: str = "planned") -> LogRow:
    """A full row, as a booking writes it."""
    start = START + timedelta(days=number)
    return LogRow(
        deployment_id=f"DIBA-2026-{number:04d}",
        status=status,
        requested=start,
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        duration=timedelta(hours=1),
        environment="PRO",
        tickets="7412280",
        components="addon-diba 3.2.11",
        previous_versions="addon-diba 3.2.10",
        description="Cambio",
        requested_by="Marta",
        notes="Reservado",
    )


def counted(google: GoogleSide, action: object) -> int:
    """Requests to Google (sign-in left out) that ``action()`` made."""
    before = len(google.requests())
    action()  # type: ignore[operator]
    return len(google.requests()) - before


def fill_sheet(google: GoogleSide, log: SheetsDeploymentLog) -> None:
    """A person pastes ROWS rows into the log Sheet (one request)."""
    book = google.apis.known_files[(FOLDER, log.name)]
    values = [[f"OLD-{n:04d}", 46000 + n, 46000 + n, 46000 + n] for n in range(3, ROWS + 1)]
    google.person.service("sheets").spreadsheets().values().update(
        spreadsheetId=book, range="Sheet1!A4", valueInputOption="RAW", body={"values": values}
    ).execute()


def fill_workbook(google: GoogleSide, log: DriveDeploymentLog) -> None:
    """A person saves the workbook with ROWS rows (one new revision)."""
    folder = DriveFolder(google.person, FOLDER)
    found = folder.find(log.name)
    assert found is not None
    workbook = read_workbook(folder.download(str(found["id"]), str(found["headRevisionId"])), "x")
    for number in range(3, ROWS + 1):
        apply_row(workbook, row(number), "x")
    folder.upload(str(found["id"]), workbook_bytes(workbook))


def log_figures(google: GoogleSide, log: DriveDeploymentLog | SheetsDeploymentLog) -> None:
    """Requests of a first write, an update and a new row; an update's time in a big log."""
    first = counted(google, lambda: log.upsert_row(row(1)))
    update = counted(google, lambda: log.upsert_row(row(1, "completed")))
    added = counted(google, lambda: log.upsert_row(row(2)))
    if isinstance(log, SheetsDeploymentLog):
        fill_sheet(google, log)
    else:
        fill_workbook(google, log)
    started = time.perf_counter()
    log.upsert_row(row(2, "in_progress"))
    elapsed = time.perf_counter() - started
    name = "Sheets" if isinstance(log, SheetsDeploymentLog) else "Drive"
    print(
        f"  {name:6s} first write {first:2d} requests, update {update}, new row {added}; "
        f"one update in a log of {ROWS:,} rows {elapsed:.2f} s"
    )


def calendar_figures(google: GoogleSide) -> None:
    """Requests of creating, moving and cancelling an event."""
    calendar = GoogleCalendar(google.apis, CALENDAR)
    created = counted(google, lambda: calendar.upsert(Event()))
    madrid = ZoneInfo("Europe/Madrid")
    moved_event = Event(
        start=datetime(2026, 12, 1, 9, tzinfo=madrid),
        end=datetime(2026, 12, 1, 10, tzinfo=madrid),
        sequence=1,
    )
    moved = counted(google, lambda: calendar.upsert(moved_event))
    cancelled = counted(google, lambda: calendar.upsert(Event(sequence=2, cancelled=True)))
    print(f"  Calendar create {created}, move {moved}, cancel {cancelled} requests")


def main() -> None:
    """Print the figures and the conditions they were taken in."""
    print(
        f"Python {platform.python_version()} on {platform.machine()}, Google emulator on "
        "loopback, google-api-python-client (httplib2)"
    )
    with tempfile.TemporaryDirectory() as folder, google_side(load_scenario(), Path(folder)) as g:
        log_figures(g, SheetsDeploymentLog(g.apis, FOLDER, "DIBA"))
        log_figures(g, DriveDeploymentLog(g.apis, FOLDER, "DIBA"))
        calendar_figures(g)


if __name__ == "__main__":
    main()
