"""The deployment log as a native Google Sheet per customer, written cell by cell.

deploybot finds ``<CUSTOMER> - Deployment log`` in the Drive folder (a copy of the template
Sheet for a new customer, or a new Sheet with deploybot's headers), finds its columns by their
header text and the deployment's row by its id, and writes only its own cells through the Sheets
API — never the whole file, so customers and partners can keep the Sheet open meanwhile. Values
are written ``RAW``: a title starting with ``=`` stays text. Each deployment's row carries
deploybot's mark (developer metadata), and every write goes to the marked row wherever people
have moved it; a new row is inserted and marked in one atomic request, so a row a person adds
at the same moment is never written over.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from integrations.google_api import GoogleApiError, GoogleApis
from integrations.log_columns import (
    COLUMNS,
    DATE_FORMAT,
    DURATION_FORMAT,
    HEADER_SEARCH_ROWS,
    DeploymentLogError,
    LogRow,
    column_header,
    match_header,
    merged_notes,
    no_header_error,
    quoted_sheet,
    require_known_status,
    status_label,
)
from integrations.log_drive import DriveFolder

SHEET = "application/vnd.google-apps.spreadsheet"
#: The developer metadata key that marks a deployment's row (its value: the deployment id).
MARK = "deploybot.deployment"
_EPOCH = datetime(1899, 12, 30)
_DATES = ("requested", "planned_start", "planned_end", "actual_start", "actual_end")


def template_sheet_name(template: str) -> str:
    """The template Sheet of ``deployment_log.template``: its name without ``.xlsx``."""
    return template.removesuffix(".xlsx")


def cell_value(value: object) -> object:
    """A value as the Sheets API takes it: times as serial numbers (days since 30/12/1899),
    durations as fractions of a day, the rest as they are."""
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None) - _EPOCH) / timedelta(days=1)
    if isinstance(value, timedelta):
        return value / timedelta(days=1)
    return value


class _Layout:
    """Where the log is in the Sheet: the tab, its header row, deploybot's columns, the rows."""

    def __init__(
        self,
        title: str,
        sheet_id: int,
        header_row: int,
        columns: dict[str, int],
        language: str,
        grid: list[list[Any]],
        row_count: int = 1000,
    ) -> None:
        self.title = title
        self.sheet_id = sheet_id
        self.header_row = header_row
        self.columns = columns
        self.language = language
        self.grid = grid  # every row of the tab, from row 1
        self.row_count = row_count  # the tab's grid

    def cell(self, row: int, field_name: str) -> Any:
        """What the tab holds in that row (1-based) and column."""
        column = self.columns[field_name]
        values = self.grid[row - 1] if row - 1 < len(self.grid) else []
        return values[column - 1] if column - 1 < len(values) else ""

    def data_rows(self) -> list[int]:
        """The rows below the header that hold a deployment id."""
        last = len(self.grid)
        return [
            r for r in range(self.header_row + 1, last + 1) if self.cell(r, "deployment_id") != ""
        ]

    def next_row(self) -> int:
        """Where a new deployment's row goes: below the last one (or the header)."""
        return max(self.data_rows(), default=self.header_row) + 1

    def row_of(self, deployment_id: str) -> int | None:
        """The row of that deployment, if the tab has one."""
        for row in self.data_rows():
            if str(self.cell(row, "deployment_id")).strip() == deployment_id:
                return row
        return None


class SheetsDeploymentLog:
    """One customer's deployment log as a native Google Sheet in a Drive folder."""

    def __init__(
        self,
        apis: GoogleApis,
        folder_id: str,
        customer: str,
        *,
        template_name: str = "TEMPLATE - Deployment log",
        language: str = "es",
    ) -> None:
        self.apis = apis
        self.folder = DriveFolder(apis, folder_id)
        self.customer = customer
        self.template_name = template_sheet_name(template_name)
        self.language = language

    @property
    def name(self) -> str:
        """``<CUSTOMER> - Deployment log``."""
        return f"{self.customer} - Deployment log"

    @property
    def _sheets(self) -> Any:
        return self.apis.service("sheets").spreadsheets()

    def _book(self) -> str | None:
        """The Sheet's id, if the folder has it (remembered for the process)."""
        key = (self.folder.folder_id, self.name)
        if key not in self.apis.known_files:
            found = self.folder.find(self.name, SHEET)
            if found is None:
                return None
            self.apis.known_files[key] = str(found["id"])
        return self.apis.known_files[key]

    def _create(self) -> tuple[str, _Layout]:
        """A new log: a copy of the template Sheet (else deploybot's headers), its date and
        duration columns formatted; its id and layout."""
        template = self.folder.find(self.template_name, SHEET)
        if template is not None:
            made = self.folder.copy(str(template["id"]), self.name)
        else:
            made = self._new_sheet()
        book_id = str(made["id"])
        layout = self._layout(book_id)
        self._format_columns(book_id, layout)
        self.apis.known_files[(self.folder.folder_id, self.name)] = book_id
        return book_id, layout

    def _new_sheet(self) -> dict[str, Any]:
        body = {"name": self.name, "parents": [self.folder.folder_id], "mimeType": SHEET}
        drive = self.folder.drive
        made = self.folder.created(
            "Google Drive: create",
            self.name,
            lambda: (
                drive.files().create(body=body, fields="id,name", supportsAllDrives=True).execute()
            ),
        )
        headers = [[column_header(key, self.language) for key in COLUMNS]]
        self.apis.call(
            f"Google Sheets: write the headers of {self.name!r}",
            lambda: (
                self._sheets.values()
                .update(
                    spreadsheetId=made["id"],
                    range="A1",
                    valueInputOption="RAW",
                    body={"values": headers},
                )
                .execute()
            ),
        )
        return made

    def _format_columns(self, book_id: str, layout: _Layout) -> None:
        """Date and duration columns shown as such (the log stores serial numbers)."""
        requests = []
        for key, column in layout.columns.items():
            pattern = (
                DATE_FORMAT if key in _DATES else DURATION_FORMAT if key == "duration" else None
            )
            if pattern is None:
                continue
            kind = "DATE_TIME" if key in _DATES else "TIME"
            requests.append(
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": layout.sheet_id,
                            "startRowIndex": layout.header_row,
                            "startColumnIndex": column - 1,
                            "endColumnIndex": column,
                        },
                        "cell": {
                            "userEnteredFormat": {
                                "numberFormat": {"type": kind, "pattern": pattern}
                            }
                        },
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
        if requests:
            self.apis.call(
                f"Google Sheets: format the dates of {self.name!r}",
                lambda: self._sheets.batchUpdate(
                    spreadsheetId=book_id, body={"requests": requests}
                ).execute(),
            )

    def _layout(self, book_id: str) -> _Layout:
        """The tab that has a deployment-id header in its first rows, read whole."""
        answer = self.apis.call(
            f"Google Sheets: open {self.name!r}",
            lambda: self._sheets.get(
                spreadsheetId=book_id,
                fields="sheets.properties(sheetId,title,gridProperties.rowCount)",
            ).execute(),
        )
        tabs = [
            (str(s["properties"]["title"]), int(s["properties"]["sheetId"]))
            for s in answer["sheets"]
        ]
        sizes = [
            int(s["properties"].get("gridProperties", {}).get("rowCount", 1000))
            for s in answer["sheets"]
        ]
        grids = self.apis.call(
            f"Google Sheets: read {self.name!r}",
            lambda: (
                self._sheets.values()
                .batchGet(
                    spreadsheetId=book_id,
                    ranges=[quoted_sheet(t) for t, _ in tabs],
                    valueRenderOption="UNFORMATTED_VALUE",
                )
                .execute()
            ),
        )
        found_ranges = grids.get("valueRanges", [])
        for (title, sheet_id), size, found in zip(tabs, sizes, found_ranges, strict=False):
            grid = found.get("values", [])
            for number, row in enumerate(grid[:HEADER_SEARCH_ROWS], start=1):
                header = match_header(row)
                if header is not None:
                    columns, language = header
                    return _Layout(title, sheet_id, number, columns, language, grid, size)
        raise no_header_error(self.name)

    def _open(self) -> tuple[str, _Layout]:
        """The Sheet and its layout, created when missing; a remembered Sheet that is gone is
        looked up again."""
        book_id = self._book()
        try:
            return self._create() if book_id is None else (book_id, self._layout(book_id))
        except GoogleApiError as error:
            if error.status != 404 or book_id is None:
                raise
        # Deleted, or moved out of the folder, since it was found: look for it again.
        self.apis.known_files.pop((self.folder.folder_id, self.name), None)
        book_id = self._book()
        return self._create() if book_id is None else (book_id, self._layout(book_id))

    def _values(self, layout: _Layout, row: LogRow, number: int | None) -> dict[int, object]:
        """{column: value} of deploybot's cells that ``row`` gives a value."""
        values: dict[int, object] = {}
        for key, column in layout.columns.items():
            value = getattr(row, key)
            if value is None:
                continue
            if key == "status":
                value = status_label(str(value), layout.language)
            elif key == "notes":
                existing = layout.cell(number, "notes") if number is not None else ""
                value = merged_notes(existing or None, str(value))
            values[column] = cell_value(value)
        return values

    def upsert_row(self, row: LogRow) -> int:
        """Add the deployment's row or update its cells; the row number. The row carries
        deploybot's mark (developer metadata), so a write follows it wherever people have moved
        it meanwhile — inserting or deleting rows above never shifts a write into their row."""
        require_known_status(row.status)
        book_id, layout = self._open()
        number = layout.row_of(row.deployment_id)
        values = self._values(layout, row, number)
        if number is None:  # a new row: inserted, marked and given its id at once, then filled
            layout = self._add_row(book_id, layout, row.deployment_id)
        written = self._write_marked(book_id, layout, row.deployment_id, values)
        if written is None and number is not None:  # a row a person typed: marked once
            self._mark(book_id, layout, number, row.deployment_id, insert=False)
            written = self._write_marked(book_id, layout, row.deployment_id, values)
        if written is None:
            raise DeploymentLogError(
                f"{self.name}: the row of {row.deployment_id} vanished while deploybot wrote "
                "it; deploybot will try again"
            )
        return written

    def _add_row(self, book_id: str, layout: _Layout, deployment_id: str) -> _Layout:
        """Insert the deployment's row, never twice: the insert is not retried blindly — when
        its answer is lost the Sheet is read again, and the row (its id was written in the same
        atomic request) found there is the one it added."""
        current = layout

        def insert() -> _Layout:  # below the last row as the Sheet is now
            self._mark(book_id, current, current.next_row(), deployment_id, insert=True)
            return current

        def look() -> _Layout | None:
            nonlocal current
            current = self._layout(book_id)
            return current if current.row_of(deployment_id) is not None else None

        added = self.apis.once(insert, look)
        if added is not None:
            return added
        raise DeploymentLogError(
            f"{self.name}: Google Sheets did not add the row of {deployment_id}; deploybot "
            "will try again"
        )

    def _mark(
        self, book_id: str, layout: _Layout, number: int, deployment_id: str, *, insert: bool
    ) -> None:
        rows = {
            "sheetId": layout.sheet_id,
            "dimension": "ROWS",
            "startIndex": number - 1,
            "endIndex": number,
        }
        requests: list[dict[str, Any]] = []
        if insert and number - 1 >= layout.row_count:
            requests.append(
                {"appendDimension": {"sheetId": layout.sheet_id, "dimension": "ROWS", "length": 1}}
            )
        elif insert:
            inherit = number - 1 > layout.header_row  # the style of the row above, not the header's
            requests.append({"insertDimension": {"range": rows, "inheritFromBefore": inherit}})
        mark = {
            "metadataKey": MARK,
            "metadataValue": deployment_id,
            "visibility": "DOCUMENT",
            "location": {"dimensionRange": rows},
        }
        requests.append({"createDeveloperMetadata": {"developerMetadata": mark}})
        if insert:  # the id in the same atomic request: a later read finds the row by it
            start = {"sheetId": layout.sheet_id, "rowIndex": number - 1,
                     "columnIndex": layout.columns["deployment_id"] - 1}  # fmt: skip
            cell = {"userEnteredValue": {"stringValue": deployment_id}}
            requests.append({"updateCells": {"start": start, "rows": [{"values": [cell]}],
                                             "fields": "userEnteredValue"}})  # fmt: skip
        self.apis.call(
            f"Google Sheets: add the row of {deployment_id}"
            if insert
            else f"Google Sheets: mark the row of {deployment_id}",
            lambda: self._sheets.batchUpdate(
                spreadsheetId=book_id, body={"requests": requests}
            ).execute(),
            retry=not insert,
        )

    def _write_marked(
        self, book_id: str, layout: _Layout, deployment_id: str, values: dict[int, object]
    ) -> int | None:
        """Write deploybot's cells into the row marked with the deployment's id (RAW; the other
        cells, ``None``, are left alone); its row number, or None when no row is marked."""
        cells = [values.get(column) for column in range(1, max(layout.columns.values()) + 1)]
        lookup = {"metadataKey": MARK, "metadataValue": deployment_id}
        body = {
            "valueInputOption": "RAW",
            "data": [
                {
                    "dataFilter": {"developerMetadataLookup": lookup},
                    "majorDimension": "ROWS",
                    "values": [cells],
                }
            ],
        }
        answer = self.apis.call(
            f"Google Sheets: write the row of {deployment_id}",
            lambda: (
                self._sheets.values()
                .batchUpdateByDataFilter(spreadsheetId=book_id, body=body)
                .execute()
            ),
        )
        responses = answer.get("responses") or []
        if not responses:
            return None
        found = re.search(r"!\D*(\d+)", str(responses[0].get("updatedRange", "")))
        return int(found.group(1)) if found else None

    def check(self) -> str:
        """Whether deploybot can write this log: an existing Sheet has its columns, or the
        folder and template for a new one are there. Writes nothing."""
        book_id = self._book()
        if book_id is None:
            template = self.folder.find(self.template_name, SHEET)
            source = f"copied from {self.template_name!r}" if template else "a new Sheet"
            return f"no {self.name} yet: it will be {source}"
        layout = self._layout(book_id)
        missing = [key for key in COLUMNS if key not in layout.columns]
        extra = f"; without the columns {', '.join(missing)}" if missing else ""
        return f"{self.name}: {len(layout.data_rows())} row(s), sheet {layout.title!r}{extra}"

    def read_rows(self) -> list[dict[str, object]]:
        """Every data row as {field: value} (times as the Sheet's serial numbers)."""
        book_id = self._book()
        if book_id is None:
            return []
        layout = self._layout(book_id)
        return [
            {key: layout.cell(row, key) for key in layout.columns} for row in layout.data_rows()
        ]
