"""Slot planning: the free slots of a day, the verdict on a date, and the next proposals.

Pure, over the rules of ``rules.py``; the reasons a day is refused are computed only where they
are reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.calendar.rules import (
    REASON_CODES,
    Booking,
    DayVerdict,
    Reason,
    Slot,
    SlotRules,
    day_reasons,
    refuses_day,
)
from bot.domain.calendar.timing import timing_reasons
from bot.domain.durations import format_duration
from bot.domain.texts import say

#: How far ahead proposals look before giving up (a customer on a long vacation, say).
DEFAULT_HORIZON_DAYS = 400


@dataclass(frozen=True)
class SlotPlan:
    """The next allowed slots and every day skipped while looking for them."""

    customer: str
    slots: tuple[Slot, ...]
    skipped: tuple[DayVerdict, ...]


def candidate_slots(rules: SlotRules, day: date, duration: timedelta) -> list[Slot]:
    """The slots a day offers by the window alone: one per start time that leaves room."""
    slots = []
    for start_time in rules.starts:
        start = datetime.combine(day, start_time, tzinfo=rules.tz)
        end = start + duration
        if end.date() == day and end.time() <= rules.window_end:
            slots.append(Slot(start, end))
    return slots


_ORDER = {code: i for i, code in enumerate(REASON_CODES)}


def _in_order(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    return tuple(sorted(reasons, key=lambda r: _ORDER.get(r.code, len(_ORDER))))


def _unique(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    seen: dict[Reason, None] = {}
    for reason in reasons:
        seen.setdefault(reason, None)
    return _in_order(seen)


def free_slots(
    rules: SlotRules,
    day: date,
    *,
    now: datetime,
    duration: timedelta,
    bookings: Sequence[Booking],
) -> tuple[list[Slot], tuple[Reason, ...]]:
    """The allowed slots of a day (by start time), and the reasons when there are none."""
    calendar = day_reasons(rules, day)
    if calendar:
        return [], _in_order(calendar)  # a day's own reasons are distinct: no texts compared
    candidates = candidate_slots(rules, day, duration)
    if not candidates:
        fit = Reason(
            "outside_window",
            say(
                rules.language,
                "outside_window_fit",
                duration=format_duration(duration),
                customer=rules.customer,
                window=rules.window_text(),
            ),
        )
        return [], (fit,)
    free: list[Slot] = []
    refused: list[Reason] = []
    for slot in candidates:
        # The day's own reasons are known to be empty here; only the hours remain to judge.
        reasons = timing_reasons(rules, slot.start, slot.end, now=now, bookings=bookings)
        if reasons:
            refused.extend(reasons)
        else:
            free.append(slot)
    return free, (() if free else _unique(refused))


def explain_day(
    rules: SlotRules,
    day: date,
    *,
    now: datetime,
    duration: timedelta = timedelta(minutes=15),
    bookings: Sequence[Booking] = (),
) -> DayVerdict:
    """The verdict for one date: allowed when at least one slot of the day passes every rule."""
    if refuses_day(rules, day):
        return DayVerdict(day, explain=lambda: _in_order(day_reasons(rules, day)))
    if _plainly_allowed(rules, day, now=now, duration=duration, bookings=bookings):
        return DayVerdict(day, ())
    _, reasons = free_slots(rules, day, now=now, duration=duration, bookings=bookings)
    return DayVerdict(day, reasons)


def _touches(booking: Booking, day: date, rules: SlotRules) -> bool:
    return (
        booking.start.astimezone(rules.tz).date() <= day <= booking.end.astimezone(rules.tz).date()
    )


def _plainly_allowed(
    rules: SlotRules, day: date, *, now: datetime, duration: timedelta, bookings: Sequence[Booking]
) -> bool:
    """Most days of a year: the calendar allows them, they are past the notice, no booking
    falls on them and the window holds the duration — so the first slot passes every rule,
    known without building a slot or a reason."""
    if day <= (now.astimezone(rules.tz) + rules.min_notice).date():
        return False
    if any(_touches(booking, day, rules) for booking in bookings):
        return False
    first = rules.starts[0]
    end = datetime.combine(day, first) + duration
    return rules.window_start <= first and end.date() == day and end.time() <= rules.window_end


def _days_from(first: date) -> Iterator[date]:
    day = first
    while True:
        yield day
        day += timedelta(days=1)


def propose_slots(
    rules: SlotRules,
    *,
    now: datetime,
    duration: timedelta = timedelta(minutes=15),
    count: int = 3,
    after: datetime | None = None,
    bookings: Sequence[Booking] = (),
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> SlotPlan:
    """The next ``count`` allowed slots starting at or after ``after`` (default: ``now``).

    Skipped days are reported with their reasons. The search stops after ``horizon_days``
    days; fewer slots are returned when the calendar offers no more within it.
    """
    start_at = max(after or now, now).astimezone(rules.tz)
    slots: list[Slot] = []
    skipped: list[DayVerdict] = []
    for day in _days_from(start_at.date()):
        if len(slots) >= count or (day - start_at.date()).days > horizon_days:
            break
        free, reasons = free_slots(rules, day, now=now, duration=duration, bookings=bookings)
        free = [slot for slot in free if slot.start >= start_at]
        if free:
            slots.extend(free[: count - len(slots)])
        elif reasons:
            skipped.append(DayVerdict(day, reasons))
    return SlotPlan(rules.customer, tuple(slots), tuple(skipped))


def taken_on(rules: SlotRules, day: date, bookings: Sequence[Booking]) -> tuple[str, ...]:
    """The bookings that fall on ``day``, each said as "taken by ID (09:00–09:15)" in the
    rules' language (the why of a day that ``conflict`` refuses)."""
    said = []
    for booking in sorted(bookings, key=lambda b: b.start):
        if _touches(booking, day, rules):
            start, end = booking.start.astimezone(rules.tz), booking.end.astimezone(rules.tz)
            slot = f"{start:%H:%M}–{end:%H:%M}"
            said.append(say(rules.language, "taken_by", other=booking.id, slot=slot))
    return tuple(said)
