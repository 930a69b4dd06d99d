"""What the customer's booking page offers and how a choice is judged: the allowed slots of the
next weeks by the same rules as the proposals (holidays of both regions, eves, vacations, the
window, other bookings, ``max_parallel``), and — for a refused day or slot — why, in the
customer's language and without anything internal (no other customer's booking, no person's
vacation).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Literal

from bot.config.models import Customer
from bot.domain.calendar.planning import free_slots
from bot.domain.calendar.rules import Booking, Reason, Slot, SlotRules
from bot.domain.calendar.timing import slot_reasons
from bot.domain.model import Deployment, State
from bot.domain.texts import say

#: The minutes a chosen time steps by (the page's time field steps the same: ``step="300"``).
GRID_MINUTES = 5

#: The reasons a customer reads as the rules word them (public facts: weekends, holidays,
#: eves, the window); every other reason is said in the customer's own words below.
_PUBLIC = {
    "weekend",
    "holiday",
    "friday",
    "eve_of_non_working_day",
    "eve_of_holiday",
    "outside_window",
}
_OWN_WORDS = {
    "vacation": "book_unavailable",
    "eve_of_vacation": "book_unavailable",
    "conflict": "book_taken",
    "past": "book_too_soon",
}


@dataclass(frozen=True)
class OfferDay:
    """One day of the page: its free slots, or why it offers none."""

    day: date
    slots: tuple[Slot, ...]
    reasons: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """Whether the customer can book this day."""
        return bool(self.slots)


def held_slots(deployments: Iterable[Deployment]) -> tuple[Booking, ...]:
    """The slots no other request can have: every booked one (scheduled or running), and every
    one a customer chose through the link that the team has yet to accept (so a second customer
    is not offered it meanwhile)."""
    held = []
    for d in deployments:
        if d.state in (State.SCHEDULED, State.IN_PROGRESS, State.DELAYED) and d.planned_start:
            held.append(Booking(d.id, d.customer, d.planned_start, d.planned_start + d.duration))
        elif d.state is State.READY and d.chosen is not None:
            start = d.chosen.start
            held.append(Booking(d.id, d.customer, start, start + d.duration))
    return tuple(held)


def booking_actor(customer: Customer) -> str:
    """Who books through a customer's link, as the audit names them: the customer's first
    contact (no one logs in to the page), else the customer itself."""
    contacts = [*customer.contacts.managers, *customer.contacts.helpdesk]
    if customer.partner is not None and customer.managed_by == "partner_delegated":
        contacts = [*customer.partner.contacts, *contacts]
    return contacts[0].email if contacts else f"{customer.name} (booking link)"


def customer_rules(rules: SlotRules, language: str) -> SlotRules:
    """The same rules, wording their reasons in the customer's language."""
    return replace(rules, language=language, _years={})


def customer_reasons(reasons: Iterable[Reason], language: str) -> tuple[str, ...]:
    """Reasons as the customer may read them, each once."""
    said: dict[str, None] = {}
    for reason in reasons:
        if reason.code in _PUBLIC:
            said.setdefault(reason.text, None)
        else:
            said.setdefault(say(language, _OWN_WORDS.get(reason.code, "book_unavailable")), None)
    return tuple(said)


def first_day(rules: SlotRules, now: datetime) -> date:
    """The page's first day: this week's Monday."""
    today = now.astimezone(rules.tz).date()
    return today - timedelta(days=today.weekday())


def offer_end(rules: SlotRules, now: datetime, weeks: int) -> datetime:
    """When the page's last day ends: a choice must start before (the page's horizon binds a
    post, however it was crafted)."""
    last = first_day(rules, now) + timedelta(weeks=weeks)
    return datetime.combine(last, time(0), tzinfo=rules.tz)


def offer_days(
    rules: SlotRules,
    *,
    now: datetime,
    duration: timedelta,
    bookings: Sequence[Booking],
    weeks: int,
) -> tuple[OfferDay, ...]:
    """Every day from this week's Monday for ``weeks`` weeks, with its free slots or why not
    (``rules`` word reasons in the customer's language: :func:`customer_rules`)."""
    today = now.astimezone(rules.tz).date()
    first = first_day(rules, now)
    days = []
    for offset in range(weeks * 7):
        day = first + timedelta(days=offset)
        if day < today:
            days.append(OfferDay(day, (), (say(rules.language, "book_past_day"),)))
            continue
        free, reasons = free_slots(rules, day, now=now, duration=duration, bookings=bookings)
        days.append(OfferDay(day, tuple(free), customer_reasons(reasons, rules.language)))
    return tuple(days)


@dataclass(frozen=True)
class Misfit:
    """Why a start a form asks for is no time the page offers: off its grid (``grid``: the
    form is not one the page makes) or outside its days (``days``: a refusal), said in the
    customer's words (``key`` and the ``reasons`` it names)."""

    kind: Literal["grid", "days"]
    key: str
    reasons: tuple[str, ...] = ()


def misfit(start: datetime, rules: SlotRules, *, now: datetime, weeks: int) -> Misfit | None:
    """Whether ``start`` lies on the page's grid and within its days (None: the rules may judge
    it). Checked before any rule, so that no date arithmetic runs on an absurd year: a whole
    minute, not before ``now``, before the end of the page's last day, and on the grid of
    :data:`GRID_MINUTES` (or one of the day's offered starts) in the provider's zone."""
    if start.second or start.microsecond:
        return Misfit("grid", "book_off_grid")
    outside = _outside_days(start, rules, now=now, weeks=weeks)
    if outside:
        return Misfit("days", "book_outside", outside)
    local = start.astimezone(rules.tz)  # an offset with seconds leaves them in local time
    on_grid = not local.minute % GRID_MINUTES or local.time() in rules.starts
    if local.second or local.microsecond or not on_grid:
        return Misfit("grid", "book_off_grid")
    return None


def _outside_days(
    start: datetime, rules: SlotRules, *, now: datetime, weeks: int
) -> tuple[str, ...]:
    if start < now:
        return (say(rules.language, "book_past_day"),)
    if start >= offer_end(rules, now, weeks):
        return (say(rules.language, "book_too_far"),)
    return ()


def choice_reasons(
    rules: SlotRules,
    start: datetime,
    *,
    now: datetime,
    duration: timedelta,
    bookings: Sequence[Booking],
    weeks: int,
    max_days_ahead: int,
) -> tuple[str, ...]:
    """Why the customer cannot book ``start`` now (nothing: it can be booked): outside the
    ``weeks`` the page shows, or refused by the rules (``max_days_ahead`` too, should it be
    shorter than the page)."""
    outside = _outside_days(start, rules, now=now, weeks=weeks)
    if outside:
        return outside
    reasons = slot_reasons(rules, start, start + duration, now=now, bookings=bookings)
    said = customer_reasons(reasons, rules.language)
    if start > now + timedelta(days=max_days_ahead):
        said += (say(rules.language, "book_too_far"),)
    return said


def chosen_start(slot: str, other_day: str, other_time: str, rules: SlotRules) -> datetime | None:
    """The start a form asks for, as written (seconds too: :func:`misfit` judges them): an
    offered slot (its ISO value), or another time of a day (``other``, a local time); None
    when the form says neither in a way that can be read."""
    try:
        if slot != "other":
            start = datetime.fromisoformat(slot)
            return start if start.tzinfo is not None else None
        day = date.fromisoformat(other_day)
        hour = time.fromisoformat(other_time)
    except ValueError:
        return None
    if hour.tzinfo is not None:
        return None
    return datetime.combine(day, hour, tzinfo=rules.tz)
