"""Sheets v4 as deploybot uses it: read a spreadsheet's sheets and values, write values cell by
cell (``values.batchUpdate``), append a row (``values.append``) and format columns
(``spreadsheets.batchUpdate`` with ``repeatCell``).

``valueInputOption`` is honoured: ``RAW`` stores text as text; ``USER_ENTERED`` turns text
starting with ``=`` into a formula and numeric text into a number, as a person typing it would.
A spreadsheet is the Drive file of the same id, and who may read or write it is Drive's answer.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from integrations.emulators.google_a1 import A1Range, RangeError, a1
from integrations.emulators.google_drive import DriveApi, DriveFile
from integrations.emulators.google_fields import answer, google_error

if TYPE_CHECKING:
    from integrations.emulators.google import GoogleEmulator

Cell = dict[str, Any]  # {"userEnteredValue": {...}, "userEnteredFormat": {...}}
_EPOCH = datetime(1899, 12, 30)
_WRITERS = frozenset({"owner", "organizer", "fileOrganizer", "writer"})


class Sheet:
    """One tab: its properties and its cells ((row, column) → cell, 1-based)."""

    def __init__(self, sheet_id: int, title: str, index: int) -> None:
        self.sheet_id = sheet_id
        self.title = title
        self.index = index
        self.rows = 1000
        self.columns = 26
        self.cells: dict[tuple[int, int], Cell] = {}
        self.column_formats: dict[int, dict[str, Any]] = {}

    def properties(self) -> dict[str, Any]:
        """The sheet's ``SheetProperties``."""
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.rows, "columnCount": self.columns},
        }

    def last_row(self) -> int:
        """The last row holding a value (0 for an empty sheet)."""
        return max((row for (row, _), cell in self.cells.items() if _has_value(cell)), default=0)


def _has_value(cell: Cell) -> bool:
    return bool(cell.get("userEnteredValue"))


def _entered(value: Any, option: str) -> dict[str, Any]:
    """What a written value becomes: ``RAW`` keeps it as it is; ``USER_ENTERED`` parses it."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    text = str(value)
    if option == "USER_ENTERED":
        if text.startswith("="):
            return {"formulaValue": text}
        try:
            return {"numberValue": float(text)}
        except ValueError:
            pass
    return {"stringValue": text}


def _formatted(cell: Cell, column_format: dict[str, Any] | None) -> Any:
    value = cell.get("userEnteredValue", {})
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    if "formulaValue" in value:
        return ""  # formulas are kept, not computed (README)
    number = value.get("numberValue")
    if number is None:
        return ""
    fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat") or column_format or {}
    pattern = str(fmt.get("pattern", ""))
    if pattern.startswith("[h]"):
        minutes = round(float(number) * 24 * 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if fmt.get("type") in ("DATE_TIME", "DATE"):
        moment = _EPOCH + timedelta(days=float(number))
        return moment.strftime("%d/%m/%Y %H:%M" if "hh" in pattern else "%d/%m/%Y")
    return str(int(number)) if float(number).is_integer() else str(number)


def _rendered(cell: Cell, option: str, column_format: dict[str, Any] | None) -> Any:
    value = cell.get("userEnteredValue", {})
    if option == "FORMULA" and "formulaValue" in value:
        return value["formulaValue"]
    if option in ("UNFORMATTED_VALUE", "FORMULA"):
        if "formulaValue" in value:
            return ""
        return next(iter(value.values()), "")
    return _formatted(cell, column_format)


class Spreadsheet:
    """A native Google Sheet: a title and its tabs."""

    def __init__(self, spreadsheet_id: str, title: str) -> None:
        self.id = spreadsheet_id
        self.title = title
        self.sheets: list[Sheet] = []

    def sheet(self, title: str | None) -> Sheet | None:
        """The tab of that title (the first tab for None)."""
        if title is None:
            return self.sheets[0] if self.sheets else None
        return next((sheet for sheet in self.sheets if sheet.title == title), None)


class SheetsApi:
    """The spreadsheets (keyed by their Drive file id) and the Sheets routes."""

    def __init__(self, app: GoogleEmulator, drive: DriveApi) -> None:
        self.app = app
        self.drive = drive
        self.books: dict[str, Spreadsheet] = {}

    def register(self) -> None:
        """Sheets' routes on the emulator (one catch-all: ranges hold ``:`` and ``!``)."""
        self.app.route(
            "/v4/spreadsheets/<path:rest>", "sheets", ["GET", "POST", "PUT"], self._dispatch
        )

    def create_for(self, file_id: str, title: str, rows: list[list[Any]]) -> Spreadsheet:
        """A new spreadsheet for a Drive file, its first tab holding ``rows``."""
        book = Spreadsheet(file_id, title)
        sheet = Sheet(0, "Sheet1", 0)
        for row_number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cells[(row_number, column)] = {"userEnteredValue": _entered(value, "RAW")}
        book.sheets.append(sheet)
        self.books[file_id] = book
        return book

    def copy(self, source: str, target: str, title: str) -> None:
        """The copy Drive makes of a spreadsheet."""
        book = copy.deepcopy(self.books[source])
        book.id, book.title = target, title
        self.books[target] = book

    def cell(self, spreadsheet_id: str, title: str, row: int, column: int) -> Cell:
        """A cell as stored (for tests that look behind the API)."""
        book = self.books[spreadsheet_id]
        sheet = book.sheet(title)
        assert sheet is not None
        return dict(sheet.cells.get((row, column), {}))

    # --- answers ----------------------------------------------------------------------------

    def _book(self, request: Request, book_id: str, *, write: bool) -> Spreadsheet | Response:
        denied = self.app.scope_error(request, "sheets")
        if denied is not None:
            return denied
        file = self.drive.files.get(book_id)
        role = None if file is None else self.drive.role(self.app.grant(request).principal, file)
        if role is None or book_id not in self.books:
            return google_error(404, "Requested entity was not found.", "NOT_FOUND")
        if write and role not in _WRITERS:
            return google_error(403, "The caller does not have permission", "PERMISSION_DENIED")
        return self.books[book_id]

    def _dispatch(self, request: Request, rest: str) -> Response:
        book_id, _, tail = rest.partition("/")
        action = ""
        if ":" in book_id:
            book_id, _, action = book_id.partition(":")
        write = request.method != "GET"
        book = self._book(request, book_id, write=write)
        if isinstance(book, Response):
            return book
        try:
            return self._route(request, book, action, tail)
        except RangeError as error:
            return google_error(400, str(error), "INVALID_ARGUMENT")

    def _route(self, request: Request, book: Spreadsheet, action: str, tail: str) -> Response:
        method = request.method
        if not tail and not action and method == "GET":
            return self._get(request, book)
        if action == "batchUpdate" and method == "POST":
            return self._batch_update(request, book)
        if tail == "values:batchGet" and method == "GET":
            ranges = request.args.getlist("ranges")
            return answer(
                request,
                {
                    "spreadsheetId": book.id,
                    "valueRanges": [self._values(request, book, r) for r in ranges],
                },
            )
        if tail == "values:batchUpdate" and method == "POST":
            body = request.get_json(silent=True) or {}
            return self._write_all(
                request, book, body.get("valueInputOption"), body.get("data", [])
            )
        if tail.startswith("values/") and tail.endswith(":append") and method == "POST":
            return self._append(request, book, tail.removeprefix("values/").removesuffix(":append"))
        if tail.startswith("values/") and method == "GET":
            return answer(request, self._values(request, book, tail.removeprefix("values/")))
        if tail.startswith("values/") and method == "PUT":
            body = request.get_json(silent=True) or {}
            data = [{"range": tail.removeprefix("values/"), "values": body.get("values", [])}]
            written = self._write_all(request, book, request.args.get("valueInputOption"), data)
            return written
        return self.app.not_found(request)

    def _target(self, book: Spreadsheet, text: str) -> tuple[Sheet, A1Range]:
        where = A1Range.parse(text, tuple(sheet.title for sheet in book.sheets))
        sheet = book.sheet(where.title)
        if sheet is None:
            raise RangeError(f"Unable to parse range: {text}")
        return sheet, where

    def _values(self, request: Request, book: Spreadsheet, text: str) -> dict[str, Any]:
        sheet, where = self._target(book, text)
        top, left, bottom, right = where.bounded(sheet.rows, sheet.columns)
        option = request.args.get("valueRenderOption", "FORMATTED_VALUE")
        grid: list[list[Any]] = []
        for row in range(top, min(bottom, sheet.last_row()) + 1):
            values = [
                _rendered(
                    sheet.cells.get((row, column), {}), option, sheet.column_formats.get(column)
                )
                for column in range(left, right + 1)
            ]
            while values and values[-1] == "":
                values.pop()
            grid.append(values)
        while grid and not grid[-1]:
            grid.pop()
        body: dict[str, Any] = {
            "range": a1(sheet.title, top, left, bottom, right),
            "majorDimension": "ROWS",
        }
        if grid:
            body["values"] = grid
        return body

    def _write_all(
        self, request: Request, book: Spreadsheet, option: object, data: list[dict[str, Any]]
    ) -> Response:
        if option not in ("RAW", "USER_ENTERED"):
            return google_error(
                400, "'valueInputOption' is required but not specified", "INVALID_ARGUMENT"
            )
        plans = [(*self._target(book, str(item["range"])), item.get("values", [])) for item in data]
        for sheet, where, values in plans:
            top, left, _, _ = where.bounded(sheet.rows, sheet.columns)
            bottom, right = (
                top + len(values) - 1,
                left + max((len(v) for v in values), default=1) - 1,
            )
            if bottom > sheet.rows or right > sheet.columns:
                return google_error(
                    400,
                    f"Range ({a1(sheet.title, bottom, right, bottom, right)}) "
                    f"exceeds grid limits. Max rows: {sheet.rows}, max columns: "
                    f"{sheet.columns}",
                    "INVALID_ARGUMENT",
                )
        responses = [
            self._put(book, sheet, where, values, str(option)) for sheet, where, values in plans
        ]
        total = sum(int(item["updatedCells"]) for item in responses)
        body = {
            "spreadsheetId": book.id,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": max((r["updatedColumns"] for r in responses), default=0),
            "totalUpdatedCells": total,
            "totalUpdatedSheets": len({s.title for s, _, _ in plans}),
            "responses": responses,
        }
        if request.method == "PUT":
            return answer(request, responses[0])
        return answer(request, body)

    def _put(
        self, book: Spreadsheet, sheet: Sheet, where: A1Range, values: list[list[Any]], option: str
    ) -> dict[str, Any]:
        top, left, _, _ = where.bounded(sheet.rows, sheet.columns)
        cells = 0
        for row_offset, row in enumerate(values):
            for column_offset, value in enumerate(row):
                if value is None:
                    continue  # null leaves the cell as it is
                key = (top + row_offset, left + column_offset)
                cell = sheet.cells.setdefault(key, {})
                if value == "":
                    cell.pop("userEnteredValue", None)
                else:
                    cell["userEnteredValue"] = _entered(value, option)
                cells += 1
        width = max((len(row) for row in values), default=0)
        return {
            "spreadsheetId": book.id,
            "updatedRange": a1(
                sheet.title, top, left, top + max(len(values), 1) - 1, left + max(width, 1) - 1
            ),
            "updatedRows": len(values),
            "updatedColumns": width,
            "updatedCells": cells,
        }

    def _append(self, request: Request, book: Spreadsheet, text: str) -> Response:
        option = request.args.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            return google_error(
                400, "'valueInputOption' is required but not specified", "INVALID_ARGUMENT"
            )
        sheet, where = self._target(book, text)
        top, left, _, right = where.bounded(sheet.rows, sheet.columns)
        end = top
        # The table: the rows from the range's first one on that hold a value in its columns.
        while any(_has_value(sheet.cells.get((end + 1, c), {})) for c in range(left, right + 1)):
            end += 1
        values = (request.get_json(silent=True) or {}).get("values", [])
        if request.args.get("insertDataOption") == "INSERT_ROWS":
            shifted = {
                ((r + len(values)) if r > end else r, c): v for (r, c), v in sheet.cells.items()
            }
            sheet.cells = shifted
            sheet.rows += len(values)
        sheet.rows = max(sheet.rows, end + len(values))
        updates = self._put(
            book, sheet, A1Range(sheet.title, end + 1, left, None, None), values, option
        )
        body = {
            "spreadsheetId": book.id,
            "tableRange": a1(sheet.title, top, left, end, right),
            "updates": updates,
        }
        return answer(request, body)

    def _get(self, request: Request, book: Spreadsheet) -> Response:
        sheets = []
        grid = request.args.get("includeGridData") == "true"
        ranges = request.args.getlist("ranges")
        for sheet in book.sheets:
            item: dict[str, Any] = {"properties": sheet.properties()}
            if grid:
                item["data"] = self._grid(book, sheet, ranges)
            sheets.append(item)
        body = {
            "spreadsheetId": book.id,
            "properties": {
                "title": book.title,
                "locale": "es_ES",
                "timeZone": "Europe/Madrid",
                "autoRecalc": "ON_CHANGE",
            },
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.id}/edit",
        }
        return answer(request, body)

    def _grid(self, book: Spreadsheet, sheet: Sheet, ranges: list[str]) -> list[dict[str, Any]]:
        data = []
        for text in ranges or [sheet.title]:
            target, where = self._target(book, text)
            if target is not sheet:
                continue
            top, left, bottom, right = where.bounded(sheet.rows, sheet.columns)
            rows = []
            for row in range(top, min(bottom, max(sheet.last_row(), top)) + 1):
                values = []
                for column in range(left, right + 1):
                    cell = sheet.cells.get((row, column), {})
                    shown = dict(cell)
                    if _has_value(cell):
                        shown["formattedValue"] = _formatted(cell, sheet.column_formats.get(column))
                    values.append(shown)
                rows.append({"values": values})
            data.append({"startRow": top - 1, "startColumn": left - 1, "rowData": rows})
        return data

    def _batch_update(self, request: Request, book: Spreadsheet) -> Response:
        replies: list[dict[str, Any]] = []
        for item in (request.get_json(silent=True) or {}).get("requests", []):
            if "repeatCell" not in item:
                kind = next(iter(item), "?")
                return google_error(
                    400,
                    f"Invalid requests[{len(replies)}]: {kind} is not emulated",
                    "INVALID_ARGUMENT",
                )
            self._repeat_cell(book, item["repeatCell"])
            replies.append({})
        return answer(request, {"spreadsheetId": book.id, "replies": replies})

    @staticmethod
    def _repeat_cell(book: Spreadsheet, repeat: dict[str, Any]) -> None:
        grid = repeat.get("range", {})
        sheet = next(s for s in book.sheets if s.sheet_id == int(grid.get("sheetId", 0)))
        fmt = repeat.get("cell", {}).get("userEnteredFormat", {}).get("numberFormat")
        first = int(grid.get("startColumnIndex", 0)) + 1
        last = int(grid.get("endColumnIndex", sheet.columns))
        for column in range(first, last + 1):
            sheet.column_formats[column] = dict(fmt or {})


__all__ = ["DriveFile", "SheetsApi", "Spreadsheet"]
