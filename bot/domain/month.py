"""The change calendar of a month: for each day, the deployments booked on it and, per customer,
whether the day is allowed and why not (holidays, vacations, Fridays, eves, the window). A reason
that refuses every customer shown is said once for the day (a weekend not at all: the day is
greyed); a customer's own reasons only where they differ from the others'.

Pure: the shell hands in the configuration, the deployments of the month and the time; the
page renders what this decides.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.config.models import Config, Customer
from bot.domain.calendar.planning import explain_day
from bot.domain.calendar.rules import Booking, Reason, rules_for
from bot.domain.model import PENDING, Deployment, State
from bot.domain.texts import say

#: The states a page filters on, in the order the legend lists them: every state of a booking.
STATES = tuple(state.value for state in State if state not in PENDING)


@dataclass(frozen=True)
class Mark:
    """A deployment as the calendar shows it."""

    id: str
    customer: str
    environment: str
    state: str
    time: str


@dataclass(frozen=True)
class Refusal:
    """Why one customer cannot deploy on a day."""

    customer: str
    reasons: tuple[Reason, ...]

    @property
    def text(self) -> str:
        """The reasons as one sentence list (what the page shows on hover)."""
        return "; ".join(reason.text for reason in self.reasons)

    @property
    def main(self) -> str:
        """The first reason (what the page shows in the day's cell)."""
        return self.reasons[0].text if self.reasons else ""


@dataclass(frozen=True)
class Shared:
    """A reason that refuses the day for every customer shown: what it is about (a holiday's
    name, or the sentence) and every customer's sentence (on hover)."""

    code: str
    label: str
    detail: str


@dataclass(frozen=True)
class DayCell:
    """One day of the grid: its deployments, the reasons shared by every customer shown, and
    each customer's own reasons."""

    day: date
    in_month: bool
    marks: tuple[Mark, ...]
    refusals: tuple[Refusal, ...]
    allowed: tuple[str, ...]
    past: bool = False
    shared: tuple[Shared, ...] = ()

    @property
    def weekend(self) -> bool:
        """A Saturday or Sunday that every customer shown refuses as such (greyed, no text)."""
        return self.day.weekday() >= 5 and any(r.code == "weekend" for r in self.shared)

    @property
    def state(self) -> str:
        """How the cell is coloured: ``out`` (another month, or gone by), ``closed`` (refused
        for everyone), ``partial`` (refused for some) or ``open``."""
        if not self.in_month or self.past:
            return "out"
        if not self.allowed:
            return "closed"
        return "partial" if self.refusals else "open"


def _key(reason: Reason) -> tuple[str, str]:
    return reason.code, reason.subject or reason.text


def _label(reason: Reason, language: str) -> str:
    """What a shared reason is called in the day's cell: the holiday (or its eve), else the
    sentence."""
    if reason.code == "eve_of_holiday" and reason.subject:
        return say(language, "eve_of_subject", name=reason.subject)
    return reason.subject or reason.text


def share(
    refusals: Sequence[Refusal], shown: int, language: str
) -> tuple[tuple[Shared, ...], tuple[Refusal, ...]]:
    """The reasons every one of ``shown`` customers is refused for (said once), and each
    customer's remaining reasons (a customer left with none is not listed)."""
    if not refusals or len(refusals) < shown:
        return (), tuple(refusals)
    keys = [{_key(r) for r in refusal.reasons} for refusal in refusals]
    common = set.intersection(*keys)
    shared = []
    for reason in refusals[0].reasons:
        if _key(reason) in common:
            texts = dict.fromkeys(
                r.text for f in refusals for r in f.reasons if _key(r) == _key(reason)
            )
            shared.append(Shared(reason.code, _label(reason, language), "; ".join(texts)))
    rest = [Refusal(f.customer, tuple(r for r in f.reasons if _key(r) not in common))
            for f in refusals]  # fmt: skip
    return tuple(shared), tuple(f for f in rest if f.reasons)


def month_of(text: str | None, today: date) -> date:
    """The first day of the month ``YYYY-MM`` (this month when absent); ValueError if bad."""
    if not text:
        return today.replace(day=1)
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def shifted(first: date, months: int) -> date:
    """The first day of the month ``months`` away."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _marks(config: Config, deployments: Sequence[Deployment]) -> dict[date, list[Mark]]:
    tz = config.provider.tz
    found: dict[date, list[Mark]] = {}
    for d in sorted(deployments, key=lambda d: d.planned_start or d.requested_at):
        chosen = d.chosen.start if d.chosen is not None and d.state is State.READY else None
        start = d.actual_start or d.planned_start or chosen
        if start is None:
            continue
        local = start.astimezone(tz)
        state = "chosen" if chosen else d.state.value  # held for the team's deploy-accept
        mark = Mark(d.id, d.customer, d.environment, state, f"{local:%H:%M}")
        found.setdefault(local.date(), []).append(mark)
    return found


def month_grid(
    config: Config,
    first: date,
    customers: Sequence[Customer],
    deployments: Sequence[Deployment],
    *,
    now: datetime,
    bookings: Sequence[Booking] = (),
) -> list[list[DayCell]]:
    """The weeks (Monday first) of the month starting at ``first``, each day with its
    deployments and each customer's verdict over the slots held (``bookings``), as the
    proposals and the booking page judge it."""
    marks = _marks(config, deployments)
    rules = [
        (c.name, rules_for(config, c)) for c in customers if c.managed_by != "partner_exclusive"
    ]
    weeks = []
    for week in month_calendar.Calendar().monthdatescalendar(first.year, first.month):
        cells = []
        for day in week:
            refusals, allowed = [], []
            past = day < now.astimezone(config.provider.tz).date()
            for name, rule in [] if past else rules:  # a day gone by needs no verdict
                verdict = explain_day(rule, day, now=now, bookings=bookings)
                if verdict.allowed:
                    allowed.append(name)
                else:
                    refusals.append(Refusal(name, verdict.reasons))
            shared, own = share(refusals, len(rules), config.provider.language)
            in_month = day.month == first.month
            cells.append(DayCell(day, in_month, tuple(marks.get(day, ())), own, tuple(allowed),
                                 past, shared))  # fmt: skip
        weeks.append(cells)
    return weeks


def upcoming(config: Config, deployments: Sequence[Deployment], now: datetime) -> list[Mark]:
    """The deployments booked in the next 14 days, soonest first."""
    end = now + timedelta(days=14)
    soon = [d for d in deployments if d.planned_start and now <= d.planned_start <= end]
    tz = config.provider.tz
    return [
        Mark(
            d.id,
            d.customer,
            d.environment,
            d.state.value,
            f"{d.planned_start.astimezone(tz):%d/%m %H:%M}",
        )
        for d in sorted(soon, key=lambda d: d.planned_start or now)
        if d.planned_start is not None
    ]
