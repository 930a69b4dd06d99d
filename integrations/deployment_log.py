"""The per-customer Excel deployment log in a folder: one workbook per customer, one row per
deployment.

People keep these workbooks too: they add columns, sheets, notes and formulas. deploybot finds
its columns by their header text (in Spanish, Catalan or English, whatever their order), adds
one row per deployment and updates that same row later, and leaves everything else exactly as
it was. A workbook that is open in Excel or LibreOffice, or is not a valid workbook, is never
written; the error says why so that the lifecycle can retry and tell the operator.

The columns and errors are shared with the Google backends (``log_columns``); the workbook
editing with the Drive backend (``log_workbook``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import filelock
from openpyxl.workbook.workbook import Workbook

from integrations.log_columns import (
    COLUMNS,
    STATUS_LABELS,
    STATUSES,
    DeploymentLogError,
    LogConflictError,
    LogCorruptError,
    LogFormatError,
    LogLockedError,
    LogRow,
    column_header,
    require_known_status,
    status_label,
)
from integrations.log_workbook import (
    apply_row,
    build_template,
    read_workbook,
    save_atomically,
    workbook_rows,
    workbook_summary,
    write_template,
)

__all__ = [
    "COLUMNS",
    "STATUSES",
    "STATUS_LABELS",
    "DeploymentLog",
    "DeploymentLogError",
    "LogConflictError",
    "LogCorruptError",
    "LogFormatError",
    "LogLockedError",
    "LogRow",
    "build_template",
    "column_header",
    "external_lock_file",
    "status_label",
    "write_template",
]


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
    def name(self) -> str:
        """The workbook's file name: ``<CUSTOMER> - Deployment log.xlsx``."""
        return self.path.name

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
            data = self.path.read_bytes()
        except PermissionError:
            raise LogLockedError(
                f"{self.path.name} cannot be opened (permission denied or locked by another "
                "program); deploybot will retry"
            ) from None
        where = f" (a copy may be in {self.backup_path.name})"
        return read_workbook(data, self.path.name, where=where)

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
        require_known_status(row.status)
        try:
            with self._lock():
                self._check_not_open_elsewhere()
                if not self.path.exists():
                    self._create()
                workbook = self._load()
                number = apply_row(workbook, row, self.path.name)
                self._keep_foreign_version()
                save_atomically(workbook, self.path)
                self._remember_written()
                return number
        except filelock.Timeout:
            raise LogLockedError(
                f"{self.path.name} is being written by another deploybot process; will retry"
            ) from None

    def check(self) -> str:
        """Whether deploybot can write this log: an existing workbook opens and has its columns,
        or the folder for a new one is writable. Writes nothing."""
        if not self.path.exists():
            folder = self.directory if self.directory.exists() else self.directory.parent
            if not os.access(folder, os.W_OK):
                raise DeploymentLogError(f"{folder} is not writable: the log cannot be created")
            return f"no {self.path.name} yet: it will be created in {self.directory}"
        return workbook_summary(self._load(), self.path.name)

    def read_rows(self) -> list[dict[str, object]]:
        """Every data row as {field: value} for deploybot's columns (for reports and tests)."""
        return workbook_rows(self._load(), self.path.name)
