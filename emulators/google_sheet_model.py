"""The state of a native Google Sheet in the emulator: tabs, cells as Sheets keeps them
(``userEnteredValue`` / ``userEnteredFormat``), column formats and developer metadata on rows,
and how a cell reads under each ``valueRenderOption``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

Cell = dict[str, Any]  # {"userEnteredValue": {...}, "userEnteredFormat": {...}}
_EPOCH = datetime(1899, 12, 30)


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
        #: Developer metadata on rows: id → (key, value, row); it moves with its row.
        self.row_metadata: dict[int, tuple[str, str, int]] = {}

    def properties(self) -> dict[str, Any]:
        """The sheet's ``SheetProperties``."""
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.rows, "columnCount": self.columns},
        }

    def write(self, row: int, column: int, value: Any, option: str) -> bool:
        """Write one value as the values API does: ``None`` leaves the cell as it is (False),
        ``""`` clears it, anything else is entered under ``option``."""
        if value is None:
            return False
        cell = self.cells.setdefault((row, column), {})
        if value == "":
            cell.pop("userEnteredValue", None)
        else:
            cell["userEnteredValue"] = entered(value, option)
        return True

    def insert_rows(self, before: int, count: int) -> None:
        """``count`` empty rows before row ``before``: what is below moves down, metadata too."""
        self.cells = {(r + count if r >= before else r, c): v for (r, c), v in self.cells.items()}
        self.row_metadata = {
            key: (name, value, row + count if row >= before else row)
            for key, (name, value, row) in self.row_metadata.items()
        }
        self.rows += count

    def delete_rows(self, first: int, count: int) -> None:
        """Rows ``first`` … ``first + count - 1`` removed: what is below moves up; metadata on
        the removed rows goes with them."""
        last = first + count - 1
        self.cells = {
            (r - count if r > last else r, c): v
            for (r, c), v in self.cells.items()
            if not first <= r <= last
        }
        self.row_metadata = {
            key: (name, value, row - count if row > last else row)
            for key, (name, value, row) in self.row_metadata.items()
            if not first <= row <= last
        }
        self.rows -= count

    def last_row(self) -> int:
        """The last row holding a value (0 for an empty sheet)."""
        return max((row for (row, _), cell in self.cells.items() if has_value(cell)), default=0)


def has_value(cell: Cell) -> bool:
    """Whether the cell holds a value (not only a format)."""
    return bool(cell.get("userEnteredValue"))


def entered(value: Any, option: str) -> dict[str, Any]:
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


def formatted(cell: Cell, column_format: dict[str, Any] | None) -> Any:
    """The cell as shown (``FORMATTED_VALUE``): numbers through their date or duration format."""
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


def rendered(cell: Cell, option: str, column_format: dict[str, Any] | None) -> Any:
    """The cell as a ``valueRenderOption`` reads it."""
    value = cell.get("userEnteredValue", {})
    if option == "FORMULA" and "formulaValue" in value:
        return value["formulaValue"]
    if option in ("UNFORMATTED_VALUE", "FORMULA"):
        if "formulaValue" in value:
            return ""
        return next(iter(value.values()), "")
    return formatted(cell, column_format)


class Spreadsheet:
    """A native Google Sheet: a title and its tabs."""

    def __init__(self, spreadsheet_id: str, title: str) -> None:
        self.id = spreadsheet_id
        self.title = title
        self.sheets: list[Sheet] = []
        self.next_metadata_id = 0

    def sheet(self, title: str | None) -> Sheet | None:
        """The tab of that title (the first tab for None)."""
        if title is None:
            return self.sheets[0] if self.sheets else None
        return next((sheet for sheet in self.sheets if sheet.title == title), None)
