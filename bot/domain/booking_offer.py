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

from bot.config.models import Customer
from bot.domain.calendar.planning import free_slots
from bot.domain.calendar.rules import Booking, Reason, Slot, SlotRules
from bot.domain.calendar.timing import slot_reasons
from bot.domain.model import Deployment, State
from bot.domain.texts import say

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
    first = today - timedelta(days=today.weekday())
    days = []
    for offset in range(weeks * 7):
        day = first + timedelta(days=offset)
        if day < today:
            days.append(OfferDay(day, (), (say(rules.language, "book_past_day"),)))
            continue
        free, reasons = free_slots(rules, day, now=now, duration=duration, bookings=bookings)
        days.append(OfferDay(day, tuple(free), customer_reasons(reasons, rules.language)))
    return tuple(days)


def choice_reasons(
    rules: SlotRules,
    start: datetime,
    *,
    now: datetime,
    duration: timedelta,
    bookings: Sequence[Booking],
    max_days_ahead: int,
) -> tuple[str, ...]:
    """Why the customer cannot book ``start`` now (nothing: it can be booked)."""
    reasons = slot_reasons(rules, start, start + duration, now=now, bookings=bookings)
    said = customer_reasons(reasons, rules.language)
    if start > now + timedelta(days=max_days_ahead):
        said += (say(rules.language, "book_too_far"),)
    return said


def chosen_start(slot: str, other_day: str, other_time: str, rules: SlotRules) -> datetime | None:
    """The start a form asks for: an offered slot (its ISO value), or another time of a day
    (``other``); None when the form says neither in a way that can be read."""
    try:
        if slot != "other":
            start = datetime.fromisoformat(slot)
            return start if start.tzinfo is not None else None
        day = date.fromisoformat(other_day)
        hour = time.fromisoformat(other_time)
    except ValueError:
        return None
    return datetime.combine(day, hour.replace(second=0, microsecond=0), tzinfo=rules.tz)
