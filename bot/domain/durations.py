"""Durations as people type them: ``15m``, ``1h30``, ``1h 30m``, ``90`` (minutes), ``2h``."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.problems import DomainError, Problem

_DURATION = re.compile(
    r"^\s*(?:(?P<hours>\d{1,6})\s*h(?:ours?)?)?\s*(?:(?P<minutes>\d{1,6})\s*(?:m(?:in(?:utes?)?)?)?)?\s*$",
    re.IGNORECASE,
)

#: The longest duration a person may type: longer is a typo, not a deployment.
MAX_DURATION = timedelta(days=7)


class DurationError(DomainError):
    """A duration that cannot be read; the problem says how to write one."""


def parse_duration(text: str) -> timedelta:
    """Read a duration: bare numbers are minutes, ``h`` marks hours (``1h30`` is 90 minutes).

    Refuses anything that is not positive or is longer than :data:`MAX_DURATION`.
    """
    match = _DURATION.match(text)
    if not text.strip() or match is None or not any(match.groupdict().values()):
        raise DurationError(Problem.of("cmd_not_duration", text=text.strip()))
    total = timedelta(hours=int(match["hours"] or 0), minutes=int(match["minutes"] or 0))
    if total <= timedelta(0):
        raise DurationError(Problem.of("cmd_not_positive", text=text.strip()))
    if total > MAX_DURATION:
        limit = format_duration(MAX_DURATION)
        raise DurationError(Problem.of("cmd_too_long", text=text.strip(), limit=limit))
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
