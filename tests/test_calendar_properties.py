"""Property tests: for random customers, windows, holidays, vacations, bookings and start
moments, no proposed slot breaks a rule, and ``explain_day`` agrees with ``propose_slots``.

The rules are re-checked here by an oracle written independently of ``bot.domain.calendar.rules``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config.models import WEEKDAYS
from bot.domain.calendar.planning import explain_day, propose_slots
from bot.domain.calendar.rules import Booking, SlotRules, day_reasons, refuses_day
from bot.domain.calendar.timing import slot_reasons
from tests.factories import MADRID, customer_data, make_rules

SUBDIVS = ["IB", "CT", "MD", "AN", "PV", "GA", None]

days_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def vacations(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(days_2026)
        length = draw(st.integers(0, 20))
        out.append({"from": start, "to": start + timedelta(days=length), "label": "V"})
    return out


@st.composite
def extra_holidays(draw: st.DrawFn) -> list[dict[str, Any]]:
    chosen = draw(st.lists(days_2026, max_size=4, unique=True))
    return [{"date": d, "name": f"Local {d:%d/%m}"} for d in chosen]


@st.composite
def windows(draw: st.DrawFn) -> dict[str, Any]:
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    start_hour = draw(st.integers(6, 15))
    end_hour = draw(st.integers(start_hour + 1, 20))
    starts = sorted(draw(st.lists(st.integers(start_hour, end_hour - 1), max_size=3, unique=True)))
    return {
        "days": days,
        "start": f"{start_hour:02d}:00",
        "end": f"{end_hour:02d}:00",
        "start_times": [f"{h:02d}:00" for h in starts],
    }


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SlotRules, datetime, timedelta, list[Booking]]:
    customer = customer_data(
        "ACME",
        draw(st.sampled_from(SUBDIVS)),
        window=draw(windows()),
        vacations=draw(vacations()),
    )
    customer["holidays"]["extra"] = draw(extra_holidays())
    rules = make_rules(
        customer,
        holidays={
            "country": "ES",
            "subdiv": draw(st.sampled_from(SUBDIVS)),
            "extra": draw(extra_holidays()),
        },
        vacations=draw(vacations()),
        max_parallel=draw(st.integers(1, 2)),
        min_notice_hours=draw(st.sampled_from([0, 4, 24, 48])),
    )
    now = datetime.combine(draw(days_2026), time(draw(st.integers(0, 23))), MADRID)
    duration = timedelta(minutes=draw(st.sampled_from([15, 30, 60, 90])))
    bookings = []
    for index in range(draw(st.integers(0, 4))):
        day = now.date() + timedelta(days=draw(st.integers(0, 20)))
        start = datetime.combine(day, time(draw(st.integers(6, 18))), MADRID)
        who = draw(st.sampled_from(["ACME", "OTHER"]))
        bookings.append(Booking(f"B{index}", who, start, start + timedelta(minutes=30)))
    return rules, now, duration, bookings


def oracle_holidays(side: Any, year: int) -> set[date]:
    public = set(holidays.country_holidays(side.country, subdiv=side.subdiv, years=year))
    return public | set(side.extra)


def non_working(rules: SlotRules, day: date) -> bool:
    """A weekend day, a holiday of either side, or a vacation day of either side."""
    if day.weekday() >= 5:
        return True
    for side in rules.sides:
        if day in oracle_holidays(side, day.year):
            return True
        if any(v.start <= day <= v.end for v in side.vacations):
            return True
    return False


def oracle_allows(
    rules: SlotRules, start: datetime, end: datetime, now: datetime, bookings: list[Booking]
) -> bool:
    day = start.date()
    tomorrow = day + timedelta(days=1)
    if non_working(rules, day) or day.weekday() == 4:
        return False
    if tomorrow.weekday() >= 5 or any(
        tomorrow in oracle_holidays(side, tomorrow.year) for side in rules.sides
    ):
        return False
    if any(v.start == tomorrow for side in rules.sides for v in side.vacations):
        return False
    if day.weekday() not in rules.window_days:
        return False
    if start.time() < rules.window_start or end.time() > rules.window_end or end.date() != day:
        return False
    if start <= now + rules.min_notice:
        return False
    overlapping = [b for b in bookings if start < b.end and b.start < end]
    if any(b.customer == rules.customer for b in overlapping):
        return False
    return len(overlapping) < rules.max_parallel


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(1, 6))
def test_no_proposed_slot_breaks_a_rule(scenario: Any, count: int) -> None:
    rules, now, duration, bookings = scenario
    plan = propose_slots(
        rules, now=now, duration=duration, count=count, bookings=bookings, horizon_days=120
    )
    assert len(plan.slots) <= count
    for slot in plan.slots:
        assert slot.end - slot.start == duration
        assert slot_reasons(rules, slot.start, slot.end, now=now, bookings=bookings) == []
        assert oracle_allows(rules, slot.start, slot.end, now, bookings), slot
        assert slot.start.weekday() in rules.window_days
        assert rules.window_start <= slot.start.time() and slot.end.time() <= rules.window_end
    starts = [slot.start for slot in plan.slots]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_explain_day_agrees_with_propose_slots(scenario: Any) -> None:
    rules, now, duration, bookings = scenario
    plan = propose_slots(
        rules, now=now, duration=duration, count=4, bookings=bookings, horizon_days=60
    )
    last = plan.slots[-1].start.date() if len(plan.slots) == 4 else now.date() + timedelta(60)
    slot_days = {slot.start.date() for slot in plan.slots}
    skipped = {verdict.day: verdict for verdict in plan.skipped}
    day = now.astimezone(rules.tz).date()
    while day <= last:
        verdict = explain_day(rules, day, now=now, duration=duration, bookings=bookings)
        assert verdict.allowed == (day in slot_days), day
        if not verdict.allowed:
            assert skipped[day].reasons == verdict.reasons
            assert verdict.reasons
        day += timedelta(days=1)


@settings(max_examples=100, deadline=None)
@given(scenarios(), days_2026)
def test_a_refused_day_always_says_why(scenario: Any, day: date) -> None:
    rules, now, duration, bookings = scenario
    verdict = explain_day(rules, day, now=now, duration=duration, bookings=bookings)
    assert verdict.allowed == (not verdict.reasons)
    for reason in verdict.reasons:
        assert reason.text.strip()
    if day.weekday() == 4:
        assert {"friday", "eve_of_non_working_day"} <= set(verdict.codes)


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 1, 10)))
def test_the_quick_calendar_verdict_agrees_with_the_reasons(scenario: Any, day: date) -> None:
    """Planning decides most days from sets known once a year (``refuses_day``); it must
    refuse exactly the days that have a calendar reason, across the turn of the year too."""
    rules = scenario[0]
    assert refuses_day(rules, day) == bool(day_reasons(rules, day)), day
