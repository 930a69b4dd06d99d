"""Files written for people and other programs: never half-written, named safely."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def safe_name(text: str) -> str:
    """``text`` usable in a file name: letters, digits, ``.``, ``-`` and ``_``; the rest ``_``."""
    return "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in text)


def _current_umask() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The permissions a rewrite of ``target`` keeps: its own, or a new file's usual ones."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_current_umask()


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
        # mkstemp makes 0600 files; people and sync clients expect the usual permissions.
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
