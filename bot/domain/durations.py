"""Durations as people type them: ``15m``, ``1h30``, ``1h 30m``, ``90`` (minutes), ``2h``."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^\s*(?:(?P<hours>\d+)\s*h(?:ours?)?)?\s*(?:(?P<minutes>\d+)\s*(?:m(?:in(?:utes?)?)?)?)?\s*$",
    re.IGNORECASE,
)


class DurationError(ValueError):
    """A duration that cannot be read; the message says how to write one."""


def parse_duration(text: str) -> timedelta:
    """Read a duration: bare numbers are minutes, ``h`` marks hours (``1h30`` is 90 minutes)."""
    match = _DURATION.match(text)
    if not text.strip() or match is None or not any(match.groupdict().values()):
        raise DurationError(f"'{text}' is not a duration (write it like 15m, 90, 1h30 or 2h)")
    hours = int(match["hours"] or 0)
    minutes = int(match["minutes"] or 0)
    total = timedelta(hours=hours, minutes=minutes)
    if total <= timedelta(0):
        raise DurationError(f"'{text}' is not a positive duration")
    return total


def format_duration(value: timedelta) -> str:
    """Write a duration the way :func:`parse_duration` reads it (``15m``, ``1h30``, ``2h``)."""
    minutes = int(value.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest:02d}"
    if hours:
        return f"{hours}h"
    return f"{rest}m"
