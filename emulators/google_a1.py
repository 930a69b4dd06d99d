"""A1 notation as the Sheets API reads it: ``'My sheet'!A1:T10``, ``Sheet1!A:A``, ``Sheet1!2:2``,
``Sheet1!C5``, ``Sheet1`` (the whole sheet) or ``A1:B2`` (the first sheet)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from integrations.log_columns import column_letters, quoted_sheet

__all__ = ["A1Range", "RangeError", "a1", "column_letters", "column_number"]

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


class RangeError(ValueError):
    """A range the Sheets API would not parse."""


def column_number(letters: str) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27."""
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - ord("A") + 1
    return number


@dataclass(frozen=True)
class A1Range:
    """A parsed range: 1-based, inclusive; None is unbounded on that side."""

    title: str | None
    first_row: int | None
    first_column: int | None
    last_row: int | None
    last_column: int | None

    @classmethod
    def parse(cls, text: str, titles: tuple[str, ...] = ()) -> A1Range:
        """The range in ``text`` (a bare name of one of ``titles`` is that whole sheet), or
        RangeError in the API's words."""
        title: str | None = None
        cells = text
        if "!" in text:
            title, _, cells = text.rpartition("!")
            if title.startswith("'") and title.endswith("'") and len(title) >= 2:
                title = title[1:-1].replace("''", "'")
        elif text in titles or text.strip("'").replace("''", "'") in titles:
            return cls(text.strip("'").replace("''", "'"), None, None, None, None)
        start, _, end = cells.partition(":")
        first = _CELL.match(start)
        last = _CELL.match(end or start)
        if not start or first is None or last is None:
            raise RangeError(f"Unable to parse range: {text}")
        return cls(
            title,
            int(first.group(2)) if first.group(2) else None,
            column_number(first.group(1)) if first.group(1) else None,
            int(last.group(2)) if last.group(2) else None,
            column_number(last.group(1)) if last.group(1) else None,
        )

    def bounded(self, rows: int, columns: int) -> tuple[int, int, int, int]:
        """(first row, first column, last row, last column) within a grid of that size."""
        return (
            self.first_row or 1,
            self.first_column or 1,
            self.last_row or rows,
            self.last_column or columns,
        )


def a1(title: str, first_row: int, first_column: int, last_row: int, last_column: int) -> str:
    """The range written back, as the API does: ``'Sheet1'!A1:T10``."""
    start = f"{column_letters(first_column)}{first_row}"
    end = f"{column_letters(last_column)}{last_row}"
    return f"{quoted_sheet(title)}!{start}" + ("" if start == end else f":{end}")
