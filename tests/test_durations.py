"""Durations as people type them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("15m", 15),
        ("90", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("2h", 120),
        ("45 min", 45),
        ("1H15M", 75),
    ],
)
def test_reads_the_forms_people_type(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "abc", "15x", "0", "0m", "-5m", "1.5h"])
def test_refuses_anything_else_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(DurationError, match=r"15m, 90, 1h30 or 2h|not a positive duration"):
        parse_duration(text)


@pytest.mark.parametrize("minutes", [1, 15, 59, 60, 61, 90, 120, 600])
def test_format_round_trips(minutes: int) -> None:
    value = timedelta(minutes=minutes)
    assert parse_duration(format_duration(value)) == value
