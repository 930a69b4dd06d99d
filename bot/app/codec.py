"""Effects as JSON for the outbox table, and back: datetimes keep their zone's name (an
``.ics`` needs ``TZID=Europe/Madrid``, not a bare offset), timedeltas and bytes survive."""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.effects import (
    CalendarEvent,
    Email,
    LogRow,
    OutboxEffect,
    PlayJob,
    PostNote,
    PublishCalendarEvent,
    SendEmail,
    SetTags,
    UpsertLogRow,
)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        # Keep the zone's name: an .ics needs TZID=Europe/Madrid, not a bare offset.
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
        return {"$datetime": value.isoformat(), "zone": zone}
    if isinstance(value, timedelta):
        return {"$seconds": value.total_seconds()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            moment = datetime.fromisoformat(value["$datetime"])
            return moment.astimezone(ZoneInfo(value["zone"])) if value.get("zone") else moment
        if "$seconds" in value:
            return timedelta(seconds=value["$seconds"])
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    return value


def effect_to_json(effect: OutboxEffect) -> dict[str, Any]:
    """An effect as JSON-safe data, tagged with its type."""
    data: dict[str, Any] = _encode(asdict(effect))
    data["type"] = type(effect).__name__
    return data


def effect_from_json(data: dict[str, Any]) -> OutboxEffect:
    """The inverse of :func:`effect_to_json`."""
    fields = {key: _decode(value) for key, value in data.items() if key != "type"}
    kind = data["type"]
    if kind == "PostNote":
        return PostNote(**fields)
    if kind == "SetTags":
        return SetTags(**fields)
    if kind == "SendEmail":
        email = dict(fields["email"])
        if email.get("invitation") is not None:
            email["invitation"] = CalendarEvent(**email["invitation"])
        return SendEmail(fields["key"], Email(**email))
    if kind == "PublishCalendarEvent":
        return PublishCalendarEvent(fields["key"], CalendarEvent(**fields["event"]))
    if kind == "UpsertLogRow":
        return UpsertLogRow(fields["key"], fields["customer"], LogRow(**fields["row"]))
    if kind == "PlayJob":
        return PlayJob(**fields)
    raise ValueError(f"unknown effect type {kind!r}")
