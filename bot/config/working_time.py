"""When work may happen: holiday regions, vacations, the window of a customer and the team's
office hours."""

from __future__ import annotations

import functools
from datetime import date, time
from typing import Annotated

import holidays
from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.config.base import (
    WEEKDAYS,
    StrictModel,
    TimeOfDay,
    Weekday,
)


class LocalHoliday(StrictModel):
    """A holiday the `holidays` package does not know (a town's patron saint, say)."""

    date: Annotated[date, Field(description="The day (`YYYY-MM-DD`).")]
    name: str = Field(min_length=1, description="Its name, as reasons say it.")


@functools.cache
def _country_codes() -> frozenset[str]:
    """The ISO codes the holidays package knows, from its registry (importing no country)."""
    from holidays.registry import COUNTRIES

    return frozenset(str(entry[1]) for entry in COUNTRIES.values())


@functools.cache
def _subdivisions(country: str) -> tuple[str, ...]:
    """The subdivision codes of one country (importing only that country's module)."""
    return tuple(holidays.country_holidays(country).subdivisions)


class HolidayRegion(StrictModel):
    """Where public holidays come from: a country, optionally a subdivision, plus extra days."""

    country: str = Field(
        default="ES", description="ISO country code known to the `holidays` package."
    )
    subdiv: str | None = Field(default=None, description="Its subdivision (`IB`, `CT`, `MD`…).")
    extra: list[LocalHoliday] = Field(
        default=[], description="Local holidays the package does not know."
    )

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in _country_codes():
            raise ValueError(
                f"'{value}' is not a country known to the holidays package "
                "(an ISO 3166 code such as ES, PT, FR)"
            )
        return value

    @field_validator("subdiv")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is None or country is None:
            return value
        known = _subdivisions(country)
        if value not in known:
            raise ValueError(
                f"'{value}' is not a subdivision of {country} (known: {', '.join(known)})"
            )
        return value


class Vacation(StrictModel):
    """A closed period of one side, inclusive at both ends."""

    from_: date = Field(alias="from", description="The first closed day.")
    to: date = Field(description="The last closed day (inclusive).")
    label: str = Field(default="", description="What it is (`Navidad`), as reasons say it.")

    @field_validator("to")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("from_")
        if start is not None and value < start:
            raise ValueError(f"{value.isoformat()} is before from ({start.isoformat()})")
        return value


class Window(StrictModel):
    """When a customer accepts deployments, in the provider's time zone."""

    days: list[Weekday] = Field(
        default=["mon", "tue", "wed", "thu"],
        description="The weekdays a deployment may take place.",
    )
    start: TimeOfDay = Field(default=time(9, 0), description="The earliest start.")
    end: TimeOfDay = Field(default=time(13, 0), description="The latest end.")
    start_times: list[TimeOfDay] = Field(
        default=[],
        description="The proposals' start times, inside the window (default: the window's start).",
    )

    @field_validator("days")
    @classmethod
    def _some_days(cls, value: list[Weekday]) -> list[Weekday]:
        if not value:
            raise ValueError("a window needs at least one day (mon … sun)")
        if len(set(value)) != len(value):
            raise ValueError("a day is listed twice")
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and value <= start:
            raise ValueError(
                f"end {value:%H:%M} is not after start {start:%H:%M} "
                "(a window cannot cross midnight)"
            )
        return value

    @field_validator("start_times")
    @classmethod
    def _inside_window(cls, value: list[time], info: ValidationInfo) -> list[time]:
        start, end = info.data.get("start"), info.data.get("end")
        for item in value:
            if start is not None and end is not None and not start <= item < end:
                raise ValueError(
                    f"start time {item:%H:%M} is outside the window {start:%H:%M}–{end:%H:%M}"
                )
        if sorted(value) != value or len(set(value)) != len(value):
            raise ValueError("start times must be listed once each, in increasing order")
        return value

    @property
    def weekdays(self) -> frozenset[int]:
        """The window's days as ``date.weekday()`` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(day) for day in self.days)


class OfficeHours(StrictModel):
    """The hours of the provider's working days."""

    start: TimeOfDay = Field(default=time(9, 0), description="When the working day begins.")
    end: TimeOfDay = Field(default=time(18, 0), description="When the working day ends.")

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> OfficeHours:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} must come after start {self.start:%H:%M}")
        return self
