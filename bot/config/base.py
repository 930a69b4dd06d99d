"""The building blocks of the configuration models: strict sections, the value types people
write (durations, times of day) and the names of languages, roles and email kinds."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
)

from bot.durations import (
    MAX_DURATION,
    Unreadable,
    UnreadableDuration,
    format_duration,
    read_duration,
)
from bot.languages import Language

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ManagedBy = Literal["provider", "partner_delegated", "partner_exclusive"]
EmailKind = Literal[
    "schedule", "start", "delay", "end", "rollback", "cancel", "invitation", "proposals", "chosen"
]
Role = Literal[
    "customer_managers",
    "customer_helpdesk",
    "partner",
    "project_team",
    "support_team",
    "requesters",
]

#: A text people read: one string, or one per language (``{ca: …, es: …}``).
Localized = str | dict[Language, str]


def in_language(value: Localized, language: str, fallback: str) -> str:
    """``value`` in ``language``, else in ``fallback``, else in any language given."""
    if isinstance(value, str):
        return value
    for wanted in (language, fallback):
        if wanted in value:
            return value[wanted]
    return next(iter(value.values()), "")


EMAIL_PATTERN = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
SECRET_WORDS = {"token", "password", "passwd", "secret", "api_key", "apikey", "username"}


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration (write it like 15m, 90, 1h30 or 2h)")
    try:
        return read_duration(value)
    except UnreadableDuration as exc:
        limit = format_duration(MAX_DURATION)
        raise ValueError(_UNREADABLE[exc.reason].format(text=exc.text, limit=limit)) from None


#: Why a configured duration is refused, in the words of the configuration's errors (English).
_UNREADABLE: dict[Unreadable, str] = {
    "not_duration": "'{text}' is not a duration (write it like 15m, 90, 1h30 or 2h)",
    "not_positive": "'{text}' is not a positive duration",
    "too_long": "'{text}' is longer than {limit}: check the duration",
}


Duration = Annotated[timedelta, BeforeValidator(_duration)]

_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2})$")


def _time_of_day(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _TIME_OF_DAY.match(str(value).strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{value!r} is not a time of day (write it like 09:30)")
    return time(int(match[1]), int(match[2]))


TimeOfDay = Annotated[time, BeforeValidator(_time_of_day)]


class StrictModel(BaseModel):
    """Base of every configuration section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
