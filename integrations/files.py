"""Files written for people and other programs: never half-written, named safely."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def safe_name(text: str) -> str:
    """``text`` usable in a file name: letters, digits, ``.``, ``-`` and ``_``; the rest ``_``."""
    return "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in text)


def replace_atomically(
    target: Path, write: Callable[[Path], object], *, suffix: str = ".part"
) -> None:
    """Have ``write`` fill a temporary file beside ``target``, then rename it over ``target``.

    Readers (a sync client, Excel, a mail pickup) see the old file or the new one, never a part;
    a failed write leaves no temporary file behind.
    """
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.stem}.", suffix=suffix
    )
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
