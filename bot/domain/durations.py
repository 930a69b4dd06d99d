"""Durations as people type them (read by :mod:`bot.durations`), refused in the reader's words."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.problems import DomainError, Problem
from bot.durations import MAX_DURATION, UnreadableDuration, format_duration, read_duration

__all__ = ["MAX_DURATION", "DurationError", "format_duration", "parse_duration"]


class DurationError(DomainError):
    """A duration that cannot be read; the problem says how to write one."""


def parse_duration(text: str) -> timedelta:
    """Read a duration: bare numbers are minutes, ``h`` marks hours (``1h30`` is 90 minutes).

    Refuses anything that is not positive or is longer than :data:`MAX_DURATION`.
    """
    try:
        return read_duration(text)
    except UnreadableDuration as exc:
        limit = {"limit": format_duration(MAX_DURATION)} if exc.reason == "too_long" else {}
        raise DurationError(Problem.of(f"cmd_{exc.reason}", text=exc.text, **limit)) from None
