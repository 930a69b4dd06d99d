"""The per-customer Excel deployment log: one workbook per customer, one row per deployment.

People keep these workbooks too: they add columns, sheets, notes and formulas. deploybot finds
its columns by their header text (in Spanish, Catalan or English, whatever their order), adds
one row per deployment and updates that same row later, and leaves everything else exactly as
it was. A workbook that is open in Excel or LibreOffice, or is not a valid workbook, is never
written; the error says why so that the lifecycle can retry and tell the operator.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import filelock
import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from integrations.files import replace_atomically

STATUSES = ("planned", "in_progress", "delayed", "completed", "rolled_back", "cancelled")

STATUS_LABELS: dict[str, dict[str, str]] = {
    "es": {
        "planned": "Planificado",
        "in_progress": "En curso",
        "delayed": "Retrasado",
        "completed": "Completado",
        "rolled_back": "Revertido",
        "cancelled": "Cancelado",
    },
    "ca": {
        "planned": "Planificat",
        "in_progress": "En curs",
        "delayed": "Endarrerit",
        "completed": "Completat",
        "rolled_back": "Revertit",
        "cancelled": "Cancel·lat",
    },
    "en": {
        "planned": "Planned",
        "in_progress": "In progress",
        "delayed": "Delayed",
        "completed": "Completed",
        "rolled_back": "Rolled back",
        "cancelled": "Cancelled",
    },
}

# field -> (width, es, ca, en, other accepted spellings)
COLUMNS: dict[str, tuple[int, str, str, str, tuple[str, ...]]] = {
    "deployment_id": (17, "ID despliegue", "ID desplegament", "Deployment ID", ("ID",)),
    "requested": (17, "Solicitado", "Sol·licitat", "Requested", ("Fecha solicitud",)),
    "planned_start": (17, "Inicio previsto", "Inici previst", "Planned start", ()),
    "planned_end": (17, "Fin previsto", "Fi prevista", "Planned end", ("Fi previst",)),
    "actual_start": (17, "Inicio real", "Inici real", "Actual start", ()),
    "actual_end": (17, "Fin real", "Fi real", "Actual end", ()),
    "duration": (10, "Duración", "Durada", "Duration", ()),
    "environment": (11, "Entorno", "Entorn", "Environment", ()),
    "tickets": (40, "Tickets", "Tiquets", "Tickets", ()),
    "components": (30, "Componentes y versiones", "Components i versions",
                   "Components and versions", ("Componentes", "Components")),
    "previous_versions": (30, "Versiones anteriores (marcha atrás)",
                          "Versions anteriors (marxa enrere)", "Previous versions (rollback)",
                          ("Versiones anteriores", "Versions anteriors", "Previous versions")),
    "description": (40, "Descripción", "Descripció", "Description", ()),
    "restarts": (25, "Reinicios", "Reinicis", "Restarts", ()),
    "requested_by": (20, "Solicitado por", "Sol·licitat per", "Requested by", ()),
    "performed_by": (20, "Realizado por", "Realitzat per", "Performed by", ()),
    "status": (13, "Estado", "Estat", "Status", ()),
    "notes": (40, "Notas", "Notes", "Notes", ("Observaciones", "Observacions")),
    "delays": (10, "Retrasos", "Retards", "Delays", ()),
    "delay_minutes": (12, "Minutos de retraso", "Minuts de retard", "Minutes late", ()),
    "reschedules": (14, "Reprogramaciones", "Reprogramacions", "Reschedules", ()),
}  # fmt: skip

_LANGUAGE_INDEX = {"es": 1, "ca": 2, "en": 3}
_DATE_FORMAT = "dd/mm/yyyy hh:mm"
_DURATION_FORMAT = "[h]:mm"
# Text that a spreadsheet would read as a formula (or that hides one) is stored as plain text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_HEADER_SEARCH_ROWS = 10


class DeploymentLogError(Exception):
    """The log could not be written; nothing was changed. The message says what to do."""


class LogLockedError(DeploymentLogError):
    """The workbook is open in another program (or another deploybot holds it): retry later."""


class LogCorruptError(DeploymentLogError):
    """The file is not a workbook deploybot can read; it is left untouched for a person to fix."""


class LogFormatError(DeploymentLogError):
    """The workbook has no sheet with a deployment-id column, so deploybot cannot find its rows."""


class LogRow(Protocol):
    """The values deploybot keeps for one deployment (any record with an attribute per key of
    ``COLUMNS``). ``None`` leaves the cell as it is; times are naive local times; ``status`` is
    one of STATUSES; ``notes`` are added to what a person wrote, never replacing it."""

    @property
    def deployment_id(self) -> str: ...
    @property
    def status(self) -> str: ...


def _normalise(header: object) -> str:
    text = unicodedata.normalize("NFKD", str(header or "")).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


_HEADER_NAMES: dict[str, str] = {
    _normalise(name): key
    for key, (_, es, ca, en, others) in COLUMNS.items()
    for name in (es, ca, en, key, *others)
}


def column_header(field_name: str, language: str) -> str:
    """The header text of a column in a language (es, ca or en)."""
    return str(COLUMNS[field_name][_LANGUAGE_INDEX.get(language, 1)])


def status_label(status: str, language: str) -> str:
    """How a status is written in the log's language."""
    return STATUS_LABELS.get(language, STATUS_LABELS["es"])[status]


def build_template(language: str = "es") -> Workbook:
    """The log template deploybot ships: styled, frozen and filtered header, status validation."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = {"es": "Despliegues", "ca": "Desplegaments"}.get(language, "Deployments")
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E78")
    for index, key in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column_header(key, language))
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = COLUMNS[key][0]
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "B2"
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}1"
    status_column = get_column_letter(list(COLUMNS).index("status") + 1)
    labels = ",".join(status_label(status, language) for status in STATUSES)
    validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
    validation.error = "; ".join(status_label(status, language) for status in STATUSES)
    validation.errorTitle = column_header("status", language)
    validation.add(f"{status_column}2:{status_column}5000")
    sheet.add_data_validation(validation)
    return workbook


def write_template(path: Path, language: str = "es") -> Path:
    """Write the shipped template to ``path`` (atomically), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_atomically(build_template(language), path)
    return path


def _save_atomically(workbook: Workbook, target: Path) -> None:
    replace_atomically(target, workbook.save, suffix=".tmp.xlsx")


@dataclass(frozen=True)
class _Layout:
    sheet: Worksheet
    header_row: int
    columns: dict[str, int]
    language: str


def _find_layout(workbook: Workbook, path: Path) -> _Layout:
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(min_row=1, max_row=_HEADER_SEARCH_ROWS, values_only=False)
        for row in rows:
            columns: dict[str, int] = {}
            language = "es"
            for cell in row:
                key = _HEADER_NAMES.get(_normalise(cell.value))
                if key and key not in columns:
                    columns[key] = int(cell.column)
                    if key == "status":
                        language = _language_of(str(cell.value))
            if "deployment_id" in columns:
                return _Layout(sheet, int(row[0].row), columns, language)
    expected = " / ".join(COLUMNS["deployment_id"][1:4])
    raise LogFormatError(
        f"{path.name}: no sheet has a '{expected}' column in its first "
        f"{_HEADER_SEARCH_ROWS} rows, so deploybot cannot find its rows; add that header"
    )


def _language_of(status_header: str) -> str:
    normalised = _normalise(status_header)
    for language in ("es", "ca", "en"):
        if _normalise(column_header("status", language)) == normalised:
            return language
    return "es"


def _is_formula_like(text: str) -> bool:
    return text.startswith(_FORMULA_PREFIXES)


def _set(cell: Any, value: object) -> None:
    if isinstance(value, str):
        cell.value = value
        if _is_formula_like(value):
            # openpyxl turns "=…" into a formula; force a text cell and Excel's quote prefix.
            cell.data_type = "s"
            cell.quotePrefix = True
        return
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = _DATE_FORMAT
    elif isinstance(value, timedelta):
        cell.number_format = _DURATION_FORMAT


def _data_rows(layout: _Layout) -> Iterator[int]:
    column = layout.columns["deployment_id"]
    for row in range(layout.header_row + 1, layout.sheet.max_row + 1):
        if layout.sheet.cell(row=row, column=column).value not in (None, ""):
            yield row


def _find_row(layout: _Layout, deployment_id: str) -> int | None:
    column = layout.columns["deployment_id"]
    for row in _data_rows(layout):
        if str(layout.sheet.cell(row=row, column=column).value).strip() == deployment_id:
            return row
    return None


def _next_row(layout: _Layout) -> int:
    last = max(_data_rows(layout), default=layout.header_row)
    return last + 1


def _copy_row_style(sheet: Worksheet, source: int, target: int, columns: int) -> None:
    for column in range(1, columns + 1):
        above = sheet.cell(row=source, column=column)
        if above.has_style:
            sheet.cell(row=target, column=column)._style = copy(above._style)


def _merged_notes(existing: object, ours: str) -> str:
    """What a person wrote, then each of our lines the cell does not hold yet (so a note
    written at booking is not written again at every later update)."""
    current = "" if existing is None else str(existing)
    held = set(current.splitlines())
    new = [line for line in ours.splitlines() if line not in held]
    return "\n".join(part for part in (current, *new) if part)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def external_lock_file(path: Path) -> Path | None:
    """The lock file Excel (``~$name``) or LibreOffice (``.~lock.name#``) keeps while open."""
    for candidate in (
        path.with_name(f"~${path.name[2:]}") if len(path.name) > 2 else None,
        path.with_name(f"~${path.name}"),
        path.with_name(f".~lock.{path.name}#"),
    ):
        if candidate is not None and candidate.exists():
            return candidate
    return None


def _owner_of(lock: Path) -> str:
    try:
        content = lock.read_bytes()[:200]
    except OSError:
        return ""
    if lock.name.startswith(".~lock."):
        return content.decode("utf-8", errors="replace").split(",")[0].strip()
    # Excel's owner file starts with a length byte and the user name.
    length = content[0] if content else 0
    return content[1 : 1 + length].decode("latin-1", errors="replace").strip()


class DeploymentLog:
    """The deployment log workbook of one customer, in ``directory``."""

    def __init__(
        self,
        directory: Path,
        customer: str,
        *,
        template_name: str = "TEMPLATE - Deployment log.xlsx",
        language: str = "es",
        lock_timeout: float = 10.0,
        lock_dir: Path | None = None,
        backup_dir: Path | None = None,
    ) -> None:
        self.directory = directory
        self.customer = customer
        self.template_name = template_name
        self.language = language
        self.lock_timeout = lock_timeout
        # The lock lives outside the (often synced) log folder, so it never shows up there.
        self.lock_dir = lock_dir or Path(tempfile.gettempdir()) / "deploybot-locks"
        # The copy of the previous version stays out of the shared folder too: customers and
        # partners see only their log.
        self.backup_dir = backup_dir or self.lock_dir.parent / "deploybot-log-backups"

    @property
    def path(self) -> Path:
        """``<CUSTOMER> - Deployment log.xlsx`` in the log folder."""
        return self.directory / f"{self.customer} - Deployment log.xlsx"

    #: How many versions written by someone else deploybot keeps (newest first).
    BACKUPS = 3

    @property
    def backup_path(self) -> Path:
        """The newest kept version (outside the shared folder)."""
        return self._backup(1)

    def _backup(self, number: int) -> Path:
        suffix = ".bak" if number == 1 else f".bak.{number}"
        return self.backup_dir / (self.path.name + suffix)

    @property
    def _written_path(self) -> Path:
        """Where the digest of the file deploybot last wrote is kept."""
        return self.backup_dir / (self.path.name + ".written")

    def _keep_foreign_version(self) -> None:
        """Before writing, keep the file if someone else changed it since deploybot last wrote
        it (a person, a sync client): at most ``BACKUPS`` copies, the oldest dropped. A file
        deploybot wrote itself needs no copy — it can be written again from the state."""
        if not self.path.exists():
            return
        written = self._written_path.read_text() if self._written_path.exists() else None
        if written == _digest(self.path):
            return
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        for number in range(self.BACKUPS - 1, 0, -1):
            if self._backup(number).exists():
                os.replace(self._backup(number), self._backup(number + 1))
        shutil.copy2(self.path, self._backup(1))

    def _remember_written(self) -> None:
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        self._written_path.write_text(_digest(self.path))

    @property
    def lock_path(self) -> Path:
        """The lock file deploybot processes on this machine share for this workbook."""
        digest = hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:20]
        return self.lock_dir / f"{digest}.lock"

    def _lock(self) -> filelock.BaseFileLock:
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        return filelock.FileLock(str(self.lock_path), timeout=self.lock_timeout)

    def _check_not_open_elsewhere(self) -> None:
        lock = external_lock_file(self.path)
        if lock is not None:
            owner = _owner_of(lock)
            who = f" by {owner}" if owner else ""
            raise LogLockedError(
                f"{self.path.name} is open{who} (lock file {lock.name}); "
                "deploybot will write its row once the file is closed"
            )

    def _load(self) -> Workbook:
        try:
            return openpyxl.load_workbook(self.path)
        except PermissionError:
            raise LogLockedError(
                f"{self.path.name} cannot be opened (permission denied or locked by another "
                "program); deploybot will retry"
            ) from None
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise LogCorruptError(
                f"{self.path.name} is not a valid .xlsx workbook ({type(error).__name__}: "
                f"{error}); it was left untouched — restore it (a copy may be in "
                f"{self.backup_path.name}) and deploybot will retry"
            ) from None

    def _create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        template = self.directory / self.template_name
        if template.exists():
            shutil.copyfile(template, self.path)
        else:
            write_template(self.path, self.language)
        self._remember_written()  # deploybot's own: nothing to keep a copy of

    def upsert_row(self, row: LogRow) -> int:
        """Add the deployment's row, or update the row with its id; returns the row number.

        Only the cells of deploybot's columns with a value in ``row`` are written; every other
        sheet, row, cell, style and formula stays as it was.
        """
        if row.status not in STATUSES:
            raise ValueError(f"unknown status {row.status!r} (one of {', '.join(STATUSES)})")
        try:
            with self._lock():
                self._check_not_open_elsewhere()
                if not self.path.exists():
                    self._create()
                workbook = self._load()
                layout = _find_layout(workbook, self.path)
                number = _find_row(layout, row.deployment_id)
                if number is None:
                    number = _next_row(layout)
                    if number - 1 > layout.header_row:
                        _copy_row_style(layout.sheet, number - 1, number, layout.sheet.max_column)
                self._write(layout, number, row)
                self._keep_foreign_version()
                _save_atomically(workbook, self.path)
                self._remember_written()
                return number
        except filelock.Timeout:
            raise LogLockedError(
                f"{self.path.name} is being written by another deploybot process; will retry"
            ) from None

    def _write(self, layout: _Layout, number: int, row: LogRow) -> None:
        for name in COLUMNS:
            column = layout.columns.get(name)
            value = getattr(row, name)
            if column is None or value is None:
                continue
            cell = layout.sheet.cell(row=number, column=column)
            if name == "status":
                value = status_label(value, layout.language)
            elif name == "notes":
                value = _merged_notes(cell.value, value)
            _set(cell, value)

    def check(self) -> str:
        """Whether deploybot can write this log: an existing workbook opens and has its columns,
        or the folder for a new one is writable. Writes nothing."""
        if not self.path.exists():
            folder = self.directory if self.directory.exists() else self.directory.parent
            if not os.access(folder, os.W_OK):
                raise DeploymentLogError(f"{folder} is not writable: the log cannot be created")
            return f"no {self.path.name} yet: it will be created in {self.directory}"
        layout = _find_layout(self._load(), self.path)
        rows = sum(1 for _ in _data_rows(layout))
        missing = [name for name in COLUMNS if name not in layout.columns]
        extra = f"; without the columns {', '.join(missing)}" if missing else ""
        return f"{self.path.name}: {rows} row(s), sheet {layout.sheet.title!r}{extra}"

    def read_rows(self) -> list[dict[str, object]]:
        """Every data row as {field: value} for deploybot's columns (for reports and tests)."""
        workbook = self._load()
        layout = _find_layout(workbook, self.path)
        return [
            {
                key: layout.sheet.cell(row=number, column=column).value
                for key, column in layout.columns.items()
            }
            for number in _data_rows(layout)
        ]
