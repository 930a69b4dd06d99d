"""Sheets v4 as deploybot uses it: read a spreadsheet's sheets and values, write values cell by
cell (``values.batchUpdate``), append a row (``values.append``) and format columns
(``spreadsheets.batchUpdate`` with ``repeatCell``).

``valueInputOption`` is honoured: ``RAW`` stores text as text; ``USER_ENTERED`` turns text
starting with ``=`` into a formula and numeric text into a number, as a person typing it would.
A spreadsheet is the Drive file of the same id, and who may read or write it is Drive's answer.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulators.google_a1 import A1Range, RangeError, a1
from emulators.google_drive import DriveApi, DriveFile
from emulators.google_fields import answer, google_error
from emulators.google_sheet_model import (
    Cell,
    Sheet,
    Spreadsheet,
    formatted,
    has_value,
    rendered,
)
from emulators.google_sheets_requests import (
    RequestError,
    apply_requests,
    write_by_metadata,
)

if TYPE_CHECKING:
    from emulators.google import GoogleEmulator

_WRITERS = frozenset({"owner", "organizer", "fileOrganizer", "writer"})
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")


def _missing_input_option() -> Response:
    return google_error(400, "'valueInputOption' is required but not specified", "INVALID_ARGUMENT")


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
                sheet.write(row_number, column, value, "RAW")
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
        if tail == "values:batchUpdateByDataFilter" and method == "POST":
            return self._write_by_filter(request, book)
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
                rendered(
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
        if option not in _INPUT_OPTIONS:
            return _missing_input_option()
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
        cells = sum(
            sheet.write(top + row_offset, left + column_offset, value, option)
            for row_offset, row in enumerate(values)
            for column_offset, value in enumerate(row)
        )
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
        if option not in _INPUT_OPTIONS:
            return _missing_input_option()
        sheet, where = self._target(book, text)
        top, left, _, right = where.bounded(sheet.rows, sheet.columns)
        end = top
        # The table: the rows from the range's first one on that hold a value in its columns.
        while any(has_value(sheet.cells.get((end + 1, c), {})) for c in range(left, right + 1)):
            end += 1
        values = (request.get_json(silent=True) or {}).get("values", [])
        if request.args.get("insertDataOption") == "INSERT_ROWS":
            sheet.insert_rows(end + 1, len(values))
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
                    if has_value(cell):
                        shown["formattedValue"] = formatted(cell, sheet.column_formats.get(column))
                    values.append(shown)
                rows.append({"values": values})
            data.append({"startRow": top - 1, "startColumn": left - 1, "rowData": rows})
        return data

    def _batch_update(self, request: Request, book: Spreadsheet) -> Response:
        requests = (request.get_json(silent=True) or {}).get("requests", [])
        try:
            replies = apply_requests(book, requests)
        except RequestError as error:
            return google_error(400, str(error), "INVALID_ARGUMENT")
        return answer(request, {"spreadsheetId": book.id, "replies": replies})

    def _write_by_filter(self, request: Request, book: Spreadsheet) -> Response:
        body = request.get_json(silent=True) or {}
        option = body.get("valueInputOption")
        if option not in _INPUT_OPTIONS:
            return _missing_input_option()
        try:
            responses = write_by_metadata(book, body.get("data", []), str(option))
        except RequestError as error:
            return google_error(400, str(error), "INVALID_ARGUMENT")
        total = {
            "totalUpdatedRows": sum(int(r["updatedRows"]) for r in responses),
            "totalUpdatedColumns": max((int(r["updatedColumns"]) for r in responses), default=0),
            "totalUpdatedCells": sum(int(r["updatedCells"]) for r in responses),
            "totalUpdatedSheets": 1 if responses else 0,
        }
        return answer(request, {"spreadsheetId": book.id, **total, "responses": responses})


__all__ = ["DriveFile", "SheetsApi", "Spreadsheet"]
