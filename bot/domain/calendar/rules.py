"""The day rules of the procedure: why a day is, or is not, allowed (the hours: ``timing``).

Everything here is a pure function over plain data. Public holidays come from the ``holidays``
package (a pure table, cached per year); local holidays and vacations from configuration.
Slots are timezone-aware datetimes in the provider's zone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import holidays

from bot.config.models import WEEKDAYS, Config, Customer, HolidayRegion, Vacation
from bot.domain.texts import say
from bot.domain.texts.calendar import holiday_name, short_date, weekday_name

#: Every refusal code, in the order reasons are reported.
REASON_CODES: tuple[str, ...] = (
    "weekend",
    "holiday",
    "vacation",
    "friday",
    "eve_of_non_working_day",
    "eve_of_holiday",
    "eve_of_vacation",
    "outside_window",
    "conflict",
    "past",
)


class Reason:
    """Why a day or slot is refused: a stable code and a sentence for the operator.

    The sentence may be given as a function that writes it: planning a year for hundreds of
    customers refuses tens of thousands of days, and only the reasons someone reads are
    written. Two reasons are equal when their code and sentence are. ``subject`` names what
    the reason is about when the sentence says more (a holiday's name, whichever region's).
    """

    __slots__ = ("_text", "_write", "code", "subject")

    def __init__(self, code: str, text: str | Callable[[], str], subject: str = "") -> None:
        self.code = code
        self.subject = subject
        self._text = text if isinstance(text, str) else None
        self._write = None if isinstance(text, str) else text

    @property
    def text(self) -> str:
        """The sentence, written on first use."""
        if self._text is None:
            assert self._write is not None
            self._text, self._write = self._write(), None
        return self._text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reason):
            return NotImplemented
        return (self.code, self.text) == (other.code, other.text)

    def __hash__(self) -> int:
        return hash((self.code, self.text))

    def __repr__(self) -> str:
        return f"Reason({self.code!r}, {self.text!r})"


@dataclass(frozen=True)
class Closure:
    """A vacation of one side, inclusive at both ends."""

    start: date
    end: date
    label: str

    def covers(self, day: date) -> bool:
        """Whether ``day`` falls inside the vacation."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Side:
    """One side's non-working days: the provider's or the customer's."""

    owner: str
    country: str
    subdiv: str | None = None
    extra: Mapping[date, str] = field(default_factory=dict)
    vacations: tuple[Closure, ...] = ()

    @property
    def region(self) -> str:
        """``ES-IB``, or just the country when there is no subdivision."""
        return f"{self.country}-{self.subdiv}" if self.subdiv else self.country


@dataclass(frozen=True)
class Booking:
    """A deployment already scheduled, which new slots must not collide with."""

    id: str
    customer: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Slot:
    """A proposed or requested deployment slot."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class SlotRules:
    """Everything the rules need to know about one customer, as plain data."""

    customer: str
    tz: ZoneInfo
    language: str
    provider: Side
    customer_side: Side
    window_days: frozenset[int] = frozenset({0, 1, 2, 3})
    window_start: time = time(9, 0)
    window_end: time = time(13, 0)
    start_times: tuple[time, ...] = ()
    min_notice: timedelta = timedelta(hours=24)
    max_parallel: int = 1
    #: The days each year closes, worked out once per year (planning asks day after day).
    _years: dict[int, _ClosedDays] = field(default_factory=dict, compare=False, repr=False)

    @property
    def starts(self) -> tuple[time, ...]:
        """When a slot may start each day: the configured start times, else the window's start."""
        return self.start_times or (self.window_start,)

    @property
    def sides(self) -> tuple[Side, Side]:
        """Provider first, then customer."""
        return (self.provider, self.customer_side)

    def closed_in(self, year: int) -> _ClosedDays:
        """Which days of ``year`` either side has a holiday, is on vacation, or starts one."""
        known = self._years.get(year)
        if known is None:
            known = self._years[year] = _ClosedDays.of(self, year)
        return known

    def window_text(self) -> str:
        """The window as people read it: ``lunes–jueves 09:00–13:00``."""
        days = sorted(self.window_days)
        names = [WEEKDAYS[d] for d in days]
        if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            day_part = (
                f"{weekday_name(self.language, _monday_plus(days[0]))}–"
                f"{weekday_name(self.language, _monday_plus(days[-1]))}"
            )
        else:
            day_part = ", ".join(
                weekday_name(self.language, _monday_plus(WEEKDAYS.index(n))) for n in names
            )
        return f"{day_part} {self.window_start:%H:%M}–{self.window_end:%H:%M}"


@dataclass(frozen=True)
class _ClosedDays:
    """One year's days that need a closer look: most days are in none of these sets, and
    their verdict is then decided without naming anything."""

    holidays: frozenset[date]
    vacation: frozenset[date]
    vacation_starts: frozenset[date]

    @classmethod
    def of(cls, rules: SlotRules, year: int) -> _ClosedDays:
        holidays: set[date] = set()
        vacation: set[date] = set()
        starts: set[date] = set()
        for side in rules.sides:
            holidays.update(public_holidays(side.country, side.subdiv, year, rules.language))
            holidays.update(day for day in side.extra if day.year == year)
            for closure in side.vacations:
                starts.add(closure.start)
                day = max(closure.start, date(year, 1, 1))
                while day <= closure.end and day.year == year:
                    vacation.add(day)
                    day += timedelta(days=1)
        return cls(frozenset(holidays), frozenset(vacation), frozenset(starts))


class DayVerdict:
    """Whether a date can hold a deployment, and every reason it cannot.

    A day the calendar refuses is known refused at once; its reasons may be worked out when
    first read (``explain``): a year's plan for hundreds of customers refuses tens of thousands
    of days, and only the ones someone looks at are explained."""

    __slots__ = ("_explain", "_reasons", "day")

    def __init__(
        self,
        day: date,
        reasons: tuple[Reason, ...] = (),
        *,
        explain: Callable[[], tuple[Reason, ...]] | None = None,
    ) -> None:
        self.day = day
        self._reasons = reasons if explain is None else None
        self._explain = explain

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Every reason the day is refused, in report order (none: allowed)."""
        if self._reasons is None:
            assert self._explain is not None
            self._reasons, self._explain = self._explain(), None
        return self._reasons

    @property
    def allowed(self) -> bool:
        """True when nothing refuses the day."""
        return self._explain is None and not self._reasons

    @property
    def codes(self) -> tuple[str, ...]:
        """The refusal codes, in report order."""
        return tuple(reason.code for reason in self.reasons)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DayVerdict):
            return NotImplemented
        return (self.day, self.reasons) == (other.day, other.reasons)

    def __hash__(self) -> int:
        return hash((self.day, self.reasons))

    def __repr__(self) -> str:
        return f"DayVerdict({self.day!r}, {self.reasons!r})"


def _monday_plus(days: int) -> date:
    return date(2024, 1, 1) + timedelta(days=days)  # 2024-01-01 was a Monday


_HOLIDAY_LANGUAGES = {"es": "es", "ca": "ca", "en": "en_US"}


@functools.lru_cache(maxsize=256)
def public_holidays(country: str, subdiv: str | None, year: int, language: str) -> dict[date, str]:
    """The public holidays of a region in one year, named in ``language`` where available, as
    people say them (:func:`~bot.domain.texts.calendar.holiday_name`; the package joins several
    holidays on one date with "; ")."""
    wanted = _HOLIDAY_LANGUAGES.get(language, language)
    probe = holidays.country_holidays(country, subdiv=subdiv, years=[])
    supported = getattr(probe, "supported_languages", ())
    lang = wanted if wanted in supported else None
    table = holidays.country_holidays(country, subdiv=subdiv, years=year, language=lang)
    return {
        day: "; ".join(holiday_name(language, part.strip()) for part in names.split(";"))
        for day, names in table.items()
    }


def holiday_names(side: Side, day: date, language: str) -> list[tuple[str, bool]]:
    """The holidays of ``side`` on ``day``: (name, is_local_extra)."""
    found: list[tuple[str, bool]] = []
    public = public_holidays(side.country, side.subdiv, day.year, language).get(day)
    if public:
        # The package joins several holidays on one date with "; ".
        found.extend((name.strip(), False) for name in public.split(";"))
    if day in side.extra:
        found.append((side.extra[day], True))
    return found


def _holidays_on(rules: SlotRules, day: date) -> list[tuple[str, str]]:
    """(name, whose) for every holiday of either side on ``day``, merged by name."""
    language = rules.language
    if day not in rules.closed_in(day.year).holidays:
        return []  # most days: nothing to name
    owners: dict[str, list[str]] = {}
    for side in rules.sides:
        for name, local in holiday_names(side, day, language):
            whose = (
                say(rules.language, "local", owner=side.owner)
                if local
                else say(rules.language, "regional", owner=side.owner, region=side.region)
            )
            owners.setdefault(name, [])
            if whose not in owners[name]:
                owners[name].append(whose)
    sep = say(rules.language, "whose_sep")
    return [(name, sep.join(whose)) for name, whose in owners.items()]


def _vacations_on(rules: SlotRules, day: date) -> list[tuple[Side, Closure]]:
    if day not in rules.closed_in(day.year).vacation:
        return []
    return [(side, v) for side in rules.sides for v in side.vacations if v.covers(day)]


def _vacations_starting(rules: SlotRules, day: date) -> list[tuple[Side, Closure]]:
    if day not in rules.closed_in(day.year).vacation_starts:
        return []
    return [(side, v) for side in rules.sides for v in side.vacations if v.start == day]


def _label(rules: SlotRules, closure: Closure) -> str:
    return closure.label or say(rules.language, "unnamed_vacation")


def _closed_reasons(rules: SlotRules, day: date) -> list[Reason]:
    """Why ``day`` itself is closed: a weekend, a holiday, a vacation."""
    lang = rules.language
    reasons: list[Reason] = []
    if day.weekday() >= 5:
        reasons.append(Reason("weekend", lambda: say(lang, "weekend")))
    for name, whose in _holidays_on(rules, day):
        reasons.append(Reason("holiday", say(lang, "holiday", name=name, whose=whose), name))
    for side, closure in _vacations_on(rules, day):
        reasons.append(Reason("vacation", partial(_vacation_text, rules, side, closure)))
    return reasons


def _vacation_text(rules: SlotRules, side: Side, closure: Closure) -> str:
    start, end = short_date(closure.start), short_date(closure.end)
    label = _label(rules, closure)
    return say(rules.language, "vacation", owner=side.owner, label=label, start=start, end=end)


def _eve_reasons(rules: SlotRules, day: date) -> list[Reason]:
    """Why ``day`` is the eve of a closed day: a Friday, the eve of a weekend, a holiday or a
    vacation (of either side)."""
    lang = rules.language
    reasons: list[Reason] = []
    if day.weekday() == 4:
        reasons.append(Reason("friday", say(lang, "friday")))
    tomorrow = day + timedelta(days=1)
    if tomorrow.weekday() >= 5:
        reasons.append(Reason("eve_of_non_working_day", lambda: say(
            lang, "eve_of_non_working_day", weekday=weekday_name(lang, tomorrow),
            date=short_date(tomorrow))))  # fmt: skip
    for name, whose in _holidays_on(rules, tomorrow):
        text = say(lang, "eve_of_holiday", name=name, whose=whose, date=short_date(tomorrow))
        reasons.append(Reason("eve_of_holiday", text, name))
    for side, closure in _vacations_starting(rules, tomorrow):
        label, start = _label(rules, closure), short_date(closure.start)
        text = say(lang, "eve_of_vacation", owner=side.owner, label=label, start=start)
        reasons.append(Reason("eve_of_vacation", text))
    return reasons


def refuses_day(rules: SlotRules, day: date) -> bool:
    """Whether the calendar refuses ``day`` (``day_reasons`` is not empty), decided from sets
    known once per year and without naming anything: planning asks this of every day."""
    weekday = day.weekday()
    if weekday >= 4 or weekday not in rules.window_days:
        return True  # a Friday, the eve of the weekend, the weekend, outside the window
    closed, tomorrow = rules.closed_in(day.year), day + timedelta(days=1)
    if day in closed.holidays or day in closed.vacation:
        return True
    ahead = closed if tomorrow.year == day.year else rules.closed_in(tomorrow.year)
    return tomorrow in ahead.holidays or tomorrow in ahead.vacation_starts


def day_reasons(rules: SlotRules, day: date) -> list[Reason]:
    """The calendar reasons that refuse a whole day, independent of time and other bookings.
    Their sentences are written when read."""
    reasons = [*_closed_reasons(rules, day), *_eve_reasons(rules, day)]
    if day.weekday() not in rules.window_days:
        reasons.append(Reason("outside_window", partial(_outside_window_day, rules, day)))
    return reasons


def _outside_window_day(rules: SlotRules, day: date) -> str:
    lang = rules.language
    return say(lang, "outside_window_day", weekday=weekday_name(lang, day),
               customer=rules.customer, window=rules.window_text())  # fmt: skip


def _closures(vacations: Iterable[Vacation]) -> tuple[Closure, ...]:
    return tuple(Closure(v.from_, v.to, v.label) for v in vacations)


def _side(owner: str, region: HolidayRegion, vacations: Iterable[Vacation]) -> Side:
    return Side(
        owner=owner,
        country=region.country,
        subdiv=region.subdiv,
        extra={h.date: h.name for h in region.extra},
        vacations=_closures(vacations),
    )


def _side_key(side: Side) -> Hashable:
    return (side.country, side.subdiv, tuple(sorted(side.extra.items())), side.vacations)


def calendar_key(rules: SlotRules) -> Hashable:
    """What decides when ``rules`` allow a slot, without the names the reasons quote: two
    customers with equal keys have the same slots (their explanations name each its own)."""
    return (
        rules.tz.key,
        _side_key(rules.provider),
        _side_key(rules.customer_side),
        rules.window_days,
        rules.window_start,
        rules.window_end,
        rules.start_times,
        rules.min_notice,
        rules.max_parallel,
    )


def rules_for(config: Config, customer: Customer) -> SlotRules:
    """The slot rules of ``customer`` under ``config``, as plain data."""
    provider = config.provider
    window = customer.window
    return SlotRules(
        customer=customer.name,
        tz=provider.tz,
        language=provider.language,
        provider=_side(provider.name, provider.holidays, provider.vacations),
        customer_side=_side(customer.name, customer.holidays, customer.vacations),
        window_days=window.weekdays,
        window_start=window.start,
        window_end=window.end,
        start_times=tuple(window.start_times),
        min_notice=provider.min_notice,
        max_parallel=provider.max_parallel,
    )
