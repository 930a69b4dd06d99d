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
from zoneinfo import ZoneInfo

from bot.config.models import Customer
from bot.domain.calendar.planning import free_slots
from bot.domain.calendar.rules import Booking, Reason, Slot, SlotRules
from bot.domain.calendar.timing import slot_reasons
from bot.domain.model import BOOKED, Deployment, State
from bot.domain.texts import say
from bot.domain.texts.calendar import locale_of, weekday_names
from bot.domain.texts.grammar import de

#: The minutes a chosen time steps by (the page's time field steps the same: ``step="300"``).
GRID_MINUTES = 5

#: The reasons a customer reads as the rules word them (public facts: weekends, Fridays, the
#: eve of a weekend); holidays are named without whose region they are (the rules say "ES-CT"),
#: the window as the allowed hours, and every other reason in the customer's own words below.
_PUBLIC = {"weekend", "friday", "eve_of_non_working_day"}
_NAMED = {"holiday": "book_holiday", "eve_of_holiday": "book_eve_of_holiday"}
#: A day refused for what it is (a weekend, a Friday, a holiday, a vacation) says only that: not
#: also that it is an eve or outside the window.
_CLOSED = {"weekend", "friday", "holiday", "vacation"}
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
        if d.state in BOOKED and d.planned_start:
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


def customer_reasons(reasons: Iterable[Reason], rules: SlotRules) -> tuple[str, ...]:
    """Reasons as the customer may read them, each once: no region codes, no customer's or
    person's name, the window as the allowed hours."""
    language = rules.language
    said: dict[str, None] = {}
    for reason in reasons:
        if reason.code in _PUBLIC:
            text = reason.text
        elif reason.code in _NAMED and reason.subject:
            text = say(language, _NAMED[reason.code], name=reason.subject)
        elif reason.code == "outside_window":
            text = say(language, "book_outside_window", window=allowed_hours(rules))
        else:
            text = say(language, _OWN_WORDS.get(reason.code, "book_unavailable"))
        said.setdefault(text, None)
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


def allowed_hours(rules: SlotRules) -> str:
    """The window as a customer reads it: ``de lunes a jueves, de 09:00 a 13:00``, ``Monday to
    Thursday, 09:00 to 13:00`` (days not in a row are listed by CLDR's list pattern)."""
    from babel.lists import format_list

    language = rules.language
    days = sorted(rules.window_days)
    names = [weekday_names(language)[d] for d in days]
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        day_part = say(language, "book_window_days", first=names[0], last=names[-1])
    else:
        day_part = str(format_list(names, locale=locale_of(language)))
    start, end = f"{rules.window_start:%H:%M}", f"{rules.window_end:%H:%M}"
    hours = say(language, "book_window_hours", start=start, start_de=de(start), end=end)
    return f"{day_part}, {hours}"


def zone_words(tz: ZoneInfo, moments: Iterable[datetime], language: str) -> str:
    """The time zone the page's times are in, as the customer reads it: ``hora de Madrid
    (CET)``, ``Madrid time (CET)`` (the city and abbreviations from CLDR; both abbreviations
    when the offer spans a change of summer time)."""
    from babel.dates import get_timezone_location, get_timezone_name

    locale = locale_of(language)
    city = str(get_timezone_location(tz, locale=locale, return_city=True))
    abbreviations = dict.fromkeys(
        str(get_timezone_name(moment.astimezone(tz), "short", locale=locale)) for moment in moments
    )
    return say(language, "book_zone", city=city, abbr="/".join(abbreviations))


def proposal_numbers(proposals: Iterable[datetime]) -> dict[datetime, int]:
    """The slots proposed in the comment or e-mail, each with its number there (1, 2, …)."""
    return {start: number for number, start in enumerate(proposals, start=1)}


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
        closed = [r for r in reasons if r.code in _CLOSED]
        days.append(OfferDay(day, tuple(free), customer_reasons(closed or reasons, rules)))
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
    said = customer_reasons(reasons, rules)
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
