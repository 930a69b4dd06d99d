"""Effects as JSON for the outbox table, and back: datetimes keep their zone's name (an
``.ics`` needs ``TZID=Europe/Madrid``, not a bare offset), timedeltas and bytes survive."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.effects import (
    CalendarEvent,
    Effect,
    Email,
    LogRow,
    OutboxEffect,
    PlayJob,
    PostNote,
    PublishCalendarEvent,
    ScheduleTimer,
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


def effect_to_json(effect: Effect) -> dict[str, Any]:
    """An effect as JSON-safe data, tagged with its type."""
    if type(effect) not in READERS:
        raise TypeError(f"no reader for effect type {type(effect).__name__!r} (codec.READERS)")
    data: dict[str, Any] = _encode(asdict(effect))
    data["type"] = type(effect).__name__
    return data


def read_effect(data: dict[str, Any]) -> Effect:
    """The inverse of :func:`effect_to_json`, for any kind of effect."""
    fields = {key: _decode(value) for key, value in data.items() if key != "type"}
    kind = _KINDS.get(data["type"])
    if kind is None:
        raise ValueError(f"unknown effect type {data['type']!r}")
    return READERS[kind](fields)


def effect_from_json(data: dict[str, Any]) -> OutboxEffect:
    """An outbox item's effect (a timer is kept with the state, never in the outbox)."""
    effect = read_effect(data)
    if isinstance(effect, ScheduleTimer):
        raise ValueError("a timer is not an outbox effect")
    return effect


def _send_email(fields: dict[str, Any]) -> SendEmail:
    email = dict(fields["email"])
    if email.get("invitation") is not None:
        email["invitation"] = CalendarEvent(**email["invitation"])
    return SendEmail(fields["key"], Email(**email))


#: How each kind of effect is read back: one entry per member of ``Effect`` (a kind without
#: one cannot be written: ``effect_to_json`` refuses it, ``tests/test_dispatch.py`` says so).
READERS: dict[type[Effect], Callable[[dict[str, Any]], Effect]] = {
    PostNote: lambda fields: PostNote(**fields),
    SetTags: lambda fields: SetTags(**fields),
    SendEmail: _send_email,
    PublishCalendarEvent: lambda fields: PublishCalendarEvent(
        fields["key"], CalendarEvent(**fields["event"])
    ),
    UpsertLogRow: lambda fields: UpsertLogRow(
        fields["key"], fields["customer"], LogRow(**fields["row"])
    ),
    ScheduleTimer: lambda fields: ScheduleTimer(**fields),
    PlayJob: lambda fields: PlayJob(**fields),
}
_KINDS = {kind.__name__: kind for kind in READERS}
