"""A deployment log held in an ``.xlsx`` workbook: the template deploybot ships, and adding or
updating one deployment's row in a workbook (wherever its bytes live: a folder, Google Drive).

Only the cells of deploybot's columns with a value are written; every other sheet, row, cell,
style and formula stays as it was.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from integrations.files import replace_atomically
from integrations.log_columns import (
    COLUMNS,
    DATE_FORMAT,
    DURATION_FORMAT,
    HEADER_SEARCH_ROWS,
    STATUSES,
    LogCorruptError,
    LogRow,
    column_header,
    current_status_choices,
    is_formula_like,
    match_header,
    merged_notes,
    no_header_error,
    require_known_status,
    status_label,
)


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
    save_atomically(build_template(language), path)
    return path


def save_atomically(workbook: Workbook, target: Path) -> None:
    """Save the workbook over ``target`` so that no reader ever sees half of it."""
    replace_atomically(target, workbook.save, suffix=".tmp.xlsx")


@dataclass(frozen=True)
class _Layout:
    sheet: Worksheet
    header_row: int
    columns: dict[str, int]
    language: str


def _find_layout(workbook: Workbook, name: str) -> _Layout:
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=False):
            found = match_header([cell.value for cell in row])
            if found is not None:
                columns, language = found
                return _Layout(sheet, int(row[0].row), columns, language)
    raise no_header_error(name)


def _set(cell: Any, value: object) -> None:
    if isinstance(value, str):
        cell.value = value
        if is_formula_like(value):
            # openpyxl turns "=…" into a formula; force a text cell and Excel's quote prefix.
            cell.data_type = "s"
            cell.quotePrefix = True
        return
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, timedelta):
        cell.number_format = DURATION_FORMAT


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


def _renew_status_choices(sheet: Worksheet) -> None:
    """A log made from an older template offers the status labels of its time: offer today's
    instead, so the label deploybot writes is not marked as invalid."""
    for validation in sheet.data_validations.dataValidation:
        if validation.type == "list" and validation.formula1:
            renewed = current_status_choices(validation.formula1)
            if renewed != validation.formula1:
                validation.formula1 = renewed
                validation.error = renewed.strip('"').replace(",", "; ")


def apply_row(workbook: Workbook, row: LogRow, name: str) -> int:
    """Add the deployment's row to the workbook, or update the row with its id (the new row
    takes the style of the one above); returns the row number. ``name`` is for errors."""
    require_known_status(row.status)
    layout = _find_layout(workbook, name)
    _renew_status_choices(layout.sheet)
    number = _find_row(layout, row.deployment_id)
    if number is None:
        number = _next_row(layout)
        if number - 1 > layout.header_row:
            _copy_row_style(layout.sheet, number - 1, number, layout.sheet.max_column)
    for field_name in COLUMNS:
        column = layout.columns.get(field_name)
        value = getattr(row, field_name)
        if column is None or value is None:
            continue
        cell = layout.sheet.cell(row=number, column=column)
        if field_name == "status":
            value = status_label(value, layout.language)
        elif field_name == "notes":
            value = merged_notes(cell.value, value)
        _set(cell, value)
    return number


def workbook_rows(workbook: Workbook, name: str) -> list[dict[str, object]]:
    """Every data row as {field: value} for deploybot's columns."""
    layout = _find_layout(workbook, name)
    return [
        {
            key: layout.sheet.cell(row=number, column=column).value
            for key, column in layout.columns.items()
        }
        for number in _data_rows(layout)
    ]


def workbook_summary(workbook: Workbook, name: str) -> str:
    """What ``doctor`` says of a log: its rows, its sheet and the columns it lacks."""
    layout = _find_layout(workbook, name)
    rows = sum(1 for _ in _data_rows(layout))
    missing = [field for field in COLUMNS if field not in layout.columns]
    extra = f"; without the columns {', '.join(missing)}" if missing else ""
    return f"{name}: {rows} row(s), sheet {layout.sheet.title!r}{extra}"


def read_workbook(data: bytes, name: str, *, where: str = "") -> Workbook:
    """The workbook in ``data``; a file that is not one is a LogCorruptError naming it."""
    try:
        return openpyxl.load_workbook(io.BytesIO(data))
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise LogCorruptError(
            f"{name} is not a valid .xlsx workbook ({type(error).__name__}: {error}); it was "
            f"left untouched — restore it{where} and deploybot will retry"
        ) from None


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an ``.xlsx`` file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
