"""Durations as people type them: ``15m``, ``1h30``, ``1h 30m``, ``90`` (minutes), ``2h``.

At the top of the package, beneath both the configuration and the domain: each says in its own
words why a text is no duration (the configuration to the operator, the domain in the reader's
language)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

_DURATION = re.compile(
    r"^\s*(?:(?P<hours>\d{1,6})\s*h(?:ours?)?)?\s*(?:(?P<minutes>\d{1,6})\s*(?:m(?:in(?:utes?)?)?)?)?\s*$",
    re.IGNORECASE,
)

#: The longest duration a person may type: longer is a typo, not a deployment.
MAX_DURATION = timedelta(days=7)

#: Why a text is no duration.
Unreadable = Literal["not_duration", "not_positive", "too_long"]


class UnreadableDuration(ValueError):
    """A text that is no duration, and why (``text``: what was typed, stripped)."""

    def __init__(self, reason: Unreadable, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason: Unreadable = reason
        self.text = text


def read_duration(text: str) -> timedelta:
    """Read a duration: bare numbers are minutes, ``h`` marks hours (``1h30`` is 90 minutes).

    Refuses anything that is not positive or is longer than :data:`MAX_DURATION`.
    """
    match = _DURATION.match(text)
    if not text.strip() or match is None or not any(match.groupdict().values()):
        raise UnreadableDuration("not_duration", text.strip())
    total = timedelta(hours=int(match["hours"] or 0), minutes=int(match["minutes"] or 0))
    if total <= timedelta(0):
        raise UnreadableDuration("not_positive", text.strip())
    if total > MAX_DURATION:
        raise UnreadableDuration("too_long", text.strip())
    return total


def format_duration(value: timedelta) -> str:
    """Write a duration the way :func:`read_duration` reads it (``15m``, ``1h30``, ``2h``)."""
    minutes = int(value.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest:02d}"
    if hours:
        return f"{hours}h"
    return f"{rest}m"
