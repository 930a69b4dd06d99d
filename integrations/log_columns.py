"""The deployment log's columns, as every backend shares them: which fields deploybot keeps,
how their headers are written in each language (and which other spellings are found), how a
status reads, and the errors a log answers with.

A backend (the ``.xlsx`` files of a folder or of Drive, a native Google Sheet) finds deploybot's
columns by their header text and writes only those cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol

from integrations.errors import OutsideError

STATUSES = ("planned", "in_progress", "delayed", "completed", "rolled_back", "cancelled")

STATUS_LABELS: dict[str, dict[str, str]] = {
    "es": {
        "planned": "Programado",
        "in_progress": "En curso",
        "delayed": "Retrasado",
        "completed": "Completado",
        "rolled_back": "Revertido",
        "cancelled": "Cancelado",
    },
    "ca": {
        "planned": "Programat",
        "in_progress": "En curs",
        "delayed": "Endarrerit",
        "completed": "Completat",
        "rolled_back": "Revertit",
        "cancelled": "Cancel·lat",
    },
    "en": {
        "planned": "Scheduled",
        "in_progress": "In progress",
        "delayed": "Delayed",
        "completed": "Completed",
        "rolled_back": "Rolled back",
        "cancelled": "Cancelled",
    },
}

#: Labels earlier versions wrote, and the one that replaced each: old rows keep them until their
#: next update, and a log made from an older template lists them among its status choices.
FORMER_STATUS_LABELS: dict[str, str] = {
    "Planificado": "Programado",
    "Planificat": "Programat",
    "Planned": "Scheduled",
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
    "components": (
        30,
        "Componentes y versiones",
        "Components i versions",
        "Components and versions",
        ("Componentes", "Components"),
    ),
    "previous_versions": (
        30,
        "Versiones anteriores (marcha atrás)",
        "Versions anteriors (marxa enrere)",
        "Previous versions (rollback)",
        ("Versiones anteriores", "Versions anteriors", "Previous versions"),
    ),
    "description": (40, "Descripción", "Descripció", "Description", ()),
    "restarts": (25, "Reinicios", "Reinicis", "Restarts", ()),
    "requested_by": (20, "Solicitado por", "Sol·licitat per", "Requested by", ()),
    "performed_by": (20, "Realizado por", "Realitzat per", "Performed by", ()),
    "status": (13, "Estado", "Estat", "Status", ()),
    "notes": (40, "Notas", "Notes", "Notes", ("Observaciones", "Observacions")),
    "delays": (10, "Retrasos", "Retards", "Delays", ()),
    "delay_minutes": (12, "Minutos de retraso", "Minuts de retard", "Minutes late", ()),
    "reschedules": (14, "Reprogramaciones", "Reprogramacions", "Reschedules", ()),
}

_LANGUAGE_INDEX = {"es": 1, "ca": 2, "en": 3}
#: A language the log has no words for is written in English, as every other text.
FALLBACK = "en"
DATE_FORMAT = "dd/mm/yyyy hh:mm"
DURATION_FORMAT = "[h]:mm"
# Text that a spreadsheet would read as a formula (or that hides one) is stored as plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_SEARCH_ROWS = 10


class DeploymentLogError(OutsideError):
    """The log could not be written; nothing was changed. The message says what to do."""


class LogLockedError(DeploymentLogError):
    """The workbook is open in another program (or another deploybot holds it): retry later."""


class LogCorruptError(DeploymentLogError):
    """The file is not a workbook deploybot can read; it is left untouched for a person to fix."""


class LogConflictError(DeploymentLogError):
    """Someone else changed the log while deploybot wrote it, again and again: retry later."""


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


def require_known_status(status: str) -> None:
    """Refuse a status the log has no label for (before anything is read or written)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")


def normalise(header: object) -> str:
    """A header as compared: accents, case, punctuation and spacing do not matter."""
    text = unicodedata.normalize("NFKD", str(header or "")).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


HEADER_NAMES: dict[str, str] = {
    normalise(name): key
    for key, (_, es, ca, en, others) in COLUMNS.items()
    for name in (es, ca, en, key, *others)
}


def column_header(field_name: str, language: str) -> str:
    """The header text of a column in a language (es, ca or en)."""
    return str(COLUMNS[field_name][_LANGUAGE_INDEX.get(language, _LANGUAGE_INDEX[FALLBACK])])


def status_label(status: str, language: str) -> str:
    """How a status is written in the log's language."""
    return STATUS_LABELS.get(language, STATUS_LABELS[FALLBACK])[status]


_KNOWN_LABELS = {label for labels in STATUS_LABELS.values() for label in labels.values()}


def current_status_choices(formula: str) -> str:
    """A list of status labels (a data validation's ``"A,B,C"``) with those earlier versions
    wrote replaced by today's, so that the label deploybot writes is one of the choices; any
    other list is returned as it is."""
    labels = formula.strip('"').split(",")
    if not all(label in _KNOWN_LABELS or label in FORMER_STATUS_LABELS for label in labels):
        return formula
    renewed = ",".join(FORMER_STATUS_LABELS.get(label, label) for label in labels)
    return f'"{renewed}"' if formula.startswith('"') else renewed


def language_of(status_header: str) -> str:
    """The language a log is written in, told by its status header (Spanish if unknown)."""
    normalised = normalise(status_header)
    for language in _LANGUAGE_INDEX:
        if normalise(column_header("status", language)) == normalised:
            return language
    return "es"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (or one hidden behind a tab)."""
    return text.startswith(FORMULA_PREFIXES)


def merged_notes(existing: object, ours: str) -> str:
    """What a person wrote, then each of our lines the cell does not hold yet (so a note
    written at booking is not written again at every later update)."""
    current = "" if existing is None else str(existing)
    held = set(current.splitlines())
    new = [line for line in ours.splitlines() if line not in held]
    return "\n".join(part for part in (current, *new) if part)


def match_header(cells: Sequence[object]) -> tuple[dict[str, int], str] | None:
    """deploybot's columns in a header row ({field: 1-based column}) and the log's language
    (that of its status header), or None when the row has no deployment-id column."""
    columns: dict[str, int] = {}
    language = "es"
    for index, value in enumerate(cells, start=1):
        key = HEADER_NAMES.get(normalise(value))
        if key and key not in columns:
            columns[key] = index
            if key == "status":
                language = language_of(str(value))
    return (columns, language) if "deployment_id" in columns else None


def no_header_error(name: str) -> LogFormatError:
    """The error for a log none of whose sheets has a deployment-id header."""
    expected = " / ".join(COLUMNS["deployment_id"][1:4])
    return LogFormatError(
        f"{name}: no sheet has a '{expected}' column in its first "
        f"{HEADER_SEARCH_ROWS} rows, so deploybot cannot find its rows; add that header"
    )


def column_letters(number: int) -> str:
    """A column's letters in A1 notation: 1 → ``A``, 27 → ``AA``."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def quoted_sheet(title: str) -> str:
    """A sheet's title as A1 notation writes it: quoted, a ``'`` doubled."""
    return "'" + title.replace("'", "''") + "'"
