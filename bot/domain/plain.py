"""Text from outside made safe for every channel: no control characters.

A ticket title, a note or an organization name can carry characters no channel accepts (a
workbook refuses ``\\x07``, a mail header breaks on CR/LF, iCalendar has no escape for ``\\x00``).
They are dropped where outside text enters the domain, so nothing frozen in an effect can make
that effect fail for ever.
"""

from __future__ import annotations

import re

# C0 controls and DEL, but not tab and newline (which every channel can carry or flattens).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain(text: str) -> str:
    """``text`` without control characters (a CR/LF pair becomes a newline)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
