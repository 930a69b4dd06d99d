"""The ISO 8601 timestamps Zammad and GitLab exchange (``2024-03-18T22:50:03.732Z``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_timestamp(value: Any) -> datetime | None:
    """An API timestamp as an aware datetime; empty or None stays None."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def format_timestamp(value: datetime | str) -> str:
    """A moment in the APIs' own format: UTC, milliseconds, a trailing Z."""
    moment = value if isinstance(value, datetime) else parse_timestamp(value)
    assert moment is not None, "an empty timestamp cannot be formatted"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
