"""The ``spreadsheets.batchUpdate`` requests the emulator takes (``repeatCell`` number formats,
``createDeveloperMetadata`` on rows, ``insertDimension``, ``deleteDimension`` and
``appendDimension`` of rows, ``updateCells`` of entered values), and
writing values found by developer metadata (``values.batchUpdateByDataFilter``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulators.google_a1 import a1
from emulators.google_sheet_model import Sheet, Spreadsheet


class RequestError(ValueError):
    """A request Sheets would refuse; the message is the API's."""


def _sheet(book: Spreadsheet, sheet_id: object) -> Sheet:
    for sheet in book.sheets:
        if sheet.sheet_id == int(str(sheet_id or 0)):
            return sheet
    raise RequestError(f"No grid with id: {sheet_id}")


def _rows(book: Spreadsheet, dimension_range: dict[str, Any]) -> tuple[Sheet, int, int]:
    """(sheet, first row 1-based, count) of a ``DimensionRange`` of rows."""
    if dimension_range.get("dimension") != "ROWS":
        raise RequestError("Only row dimensions are emulated")
    start = int(dimension_range.get("startIndex", 0))
    end = int(dimension_range.get("endIndex", start + 1))
    if end <= start:
        raise RequestError("Invalid dimension range: endIndex must be greater than startIndex")
    return _sheet(book, dimension_range.get("sheetId")), start + 1, end - start


def _repeat_cell(book: Spreadsheet, repeat: dict[str, Any]) -> dict[str, Any]:
    grid = repeat.get("range", {})
    sheet = _sheet(book, grid.get("sheetId"))
    fmt = repeat.get("cell", {}).get("userEnteredFormat", {}).get("numberFormat")
    first = int(grid.get("startColumnIndex", 0)) + 1
    last = int(grid.get("endColumnIndex", sheet.columns))
    for column in range(first, last + 1):
        sheet.column_formats[column] = dict(fmt or {})
    return {}


def _create_metadata(book: Spreadsheet, create: dict[str, Any]) -> dict[str, Any]:
    metadata = dict(create.get("developerMetadata", {}))
    location = metadata.get("location", {}).get("dimensionRange")
    if location is None:
        raise RequestError("Only metadata on a row (location.dimensionRange) is emulated")
    sheet, row, count = _rows(book, location)
    if count != 1:
        raise RequestError("Only metadata on a single row is emulated")
    book.next_metadata_id += 1
    key, value = str(metadata.get("metadataKey", "")), str(metadata.get("metadataValue", ""))
    sheet.row_metadata[book.next_metadata_id] = (key, value, row)
    metadata.update(
        metadataId=book.next_metadata_id,
        visibility=metadata.get("visibility", "DOCUMENT"),
        location={"locationType": "ROW", "dimensionRange": location},
    )
    return {"createDeveloperMetadata": {"developerMetadata": metadata}}


def _insert(book: Spreadsheet, insert: dict[str, Any]) -> dict[str, Any]:
    sheet, row, count = _rows(book, insert.get("range", {}))
    sheet.insert_rows(row, count)
    return {}


def _delete(book: Spreadsheet, delete: dict[str, Any]) -> dict[str, Any]:
    sheet, row, count = _rows(book, delete.get("range", {}))
    sheet.delete_rows(row, count)
    return {}


def _update_cells(book: Spreadsheet, update: dict[str, Any]) -> dict[str, Any]:
    """``updateCells`` from a ``start`` cell, ``fields: userEnteredValue``: string and number
    values entered as they are (RAW)."""
    if update.get("fields") != "userEnteredValue":
        raise RequestError("Only updateCells with fields 'userEnteredValue' is emulated")
    start = update.get("start", {})
    sheet = _sheet(book, start.get("sheetId"))
    first_row, first_column = (
        int(start.get("rowIndex", 0)) + 1,
        int(start.get("columnIndex", 0)) + 1,
    )
    for r, row in enumerate(update.get("rows", [])):
        for c, cell in enumerate(row.get("values", [])):
            entered = cell.get("userEnteredValue", {})
            value = entered.get("stringValue", entered.get("numberValue", ""))
            sheet.write(first_row + r, first_column + c, value, "RAW")
    return {}


def _append_rows(book: Spreadsheet, append: dict[str, Any]) -> dict[str, Any]:
    if append.get("dimension") != "ROWS":
        raise RequestError("Only row dimensions are emulated")
    _sheet(book, append.get("sheetId")).rows += int(append.get("length", 0))
    return {}


_REQUESTS: dict[str, Callable[[Spreadsheet, dict[str, Any]], dict[str, Any]]] = {
    "repeatCell": _repeat_cell,
    "createDeveloperMetadata": _create_metadata,
    "insertDimension": _insert,
    "deleteDimension": _delete,
    "appendDimension": _append_rows,
    "updateCells": _update_cells,
}


def apply_requests(book: Spreadsheet, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Carry out a ``batchUpdate``'s requests in order; their replies. RequestError names the
    first request Sheets would refuse (the emulator applies all or none of what it checks)."""
    for index, item in enumerate(requests):
        kind = next(iter(item), "?")
        if kind not in _REQUESTS:
            raise RequestError(f"Invalid requests[{index}]: {kind} is not emulated")
    return [_REQUESTS[next(iter(item))](book, next(iter(item.values()))) for item in requests]


def write_by_metadata(
    book: Spreadsheet, data: list[dict[str, Any]], option: str
) -> list[dict[str, Any]]:
    """Write each item's values from the first column of every row whose developer metadata
    matches its ``developerMetadataLookup``; one response per matched row (none when no row
    matches, as Sheets answers)."""
    responses = []
    for item in data:
        lookup = item.get("dataFilter", {}).get("developerMetadataLookup")
        if lookup is None:
            raise RequestError("Only developerMetadataLookup data filters are emulated")
        for sheet in book.sheets:
            for key, value, row in list(sheet.row_metadata.values()):
                if key != lookup.get("metadataKey") or value != lookup.get("metadataValue", value):
                    continue
                values = item.get("values", [[]])[0]
                cells = sum(
                    sheet.write(row, column, written, option)
                    for column, written in enumerate(values, start=1)
                )
                responses.append(
                    {
                        "updatedRange": a1(sheet.title, row, 1, row, max(len(values), 1)),
                        "updatedRows": 1,
                        "updatedColumns": len(values),
                        "updatedCells": cells,
                        "dataFilter": item["dataFilter"],
                    }
                )
    return responses
