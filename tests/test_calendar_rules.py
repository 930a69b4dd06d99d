"""The slot rules on known 2026 dates (Spain national, ES-IB, ES-CT, ES-MD)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from bot.domain.calendar.planning import explain_day, propose_slots
from bot.domain.calendar.rules import Booking, DayVerdict, rules_for
from bot.domain.calendar.timing import slot_reasons
from tests.factories import EARLY_2026, at, customer_data, make_config, make_rules

CT = customer_data("DIBA", "CT")
MD = customer_data("CAM", "MD")
IB = customer_data("CAIB", "IB")


def verdict(day: str, customer: dict[str, Any] | None = None, **provider: Any) -> DayVerdict:
    return explain_day(
        make_rules(customer or CT, **provider), date.fromisoformat(day), now=EARLY_2026
    )


@pytest.mark.parametrize("customer", [CT, MD, IB], ids=["ES-CT", "ES-MD", "ES-IB"])
def test_refuses_eve_of_provider_regional_holiday_for_every_customer(
    customer: dict[str, Any],
) -> None:
    result = verdict("2026-04-01", customer)  # Wednesday; Thursday 2 April is Jueves Santo in IB
    assert not result.allowed
    eve = [r for r in result.reasons if r.code == "eve_of_holiday"]
    assert eve, result.reasons
    assert "Jueves Santo" in eve[0].text
    assert "Soffid, ES-IB" in eve[0].text


def test_refuses_eve_of_customer_regional_holiday() -> None:
    result = verdict("2026-06-23", CT)  # Tuesday; 24 June is Sant Joan in Catalonia
    assert result.codes == ("eve_of_holiday",)
    assert "San Juan" in result.reasons[0].text
    assert "DIBA, ES-CT" in result.reasons[0].text


def test_allows_23_june_for_madrid_customer_without_local_holiday() -> None:
    assert verdict("2026-06-23", MD).allowed


def test_local_holiday_of_customer_refuses_its_eve() -> None:
    madrid = customer_data(
        "CAM",
        "MD",
        holidays={
            "country": "ES",
            "subdiv": "MD",
            "extra": [{"date": "2026-06-24", "name": "Fiesta local"}],
        },
    )
    result = verdict("2026-06-23", madrid)
    assert result.codes == ("eve_of_holiday",)
    assert "Fiesta local" in result.reasons[0].text
    assert "festivo local de CAM" in result.reasons[0].text


def test_friday_is_also_the_eve_of_the_weekend() -> None:
    result = verdict("2026-11-06", CT)
    assert "friday" in result.codes
    assert "eve_of_non_working_day" in result.codes


def test_refuses_eve_of_diada_for_catalan_customer() -> None:
    result = verdict("2026-09-10", CT)  # Thursday before 11 September
    assert result.codes == ("eve_of_holiday",)
    assert "Cataluña" in result.reasons[0].text


def test_allows_10_september_for_balearic_customer() -> None:
    assert verdict("2026-09-10", IB).allowed


def test_refuses_the_holiday_itself_and_names_both_sides_of_a_national_one() -> None:
    result = verdict("2026-12-08", CT)  # Tuesday, Inmaculada Concepción, national
    assert "holiday" in result.codes
    text = next(r.text for r in result.reasons if r.code == "holiday")
    assert "Inmaculada Concepción" in text
    assert "Soffid, ES-IB" in text and "DIBA, ES-CT" in text


def test_refuses_eve_of_national_holiday() -> None:
    assert "eve_of_holiday" in verdict("2026-12-07", CT).codes  # Monday before 8 December


def test_madrid_moved_holiday_is_refused_only_for_madrid() -> None:
    assert "holiday" in verdict("2026-11-02", MD).codes  # Lunes siguiente a Todos los Santos
    assert verdict("2026-11-02", CT).allowed


def test_refuses_provider_local_holiday_and_its_eve() -> None:
    extra = {
        "country": "ES",
        "subdiv": "IB",
        "extra": [{"date": "2026-01-20", "name": "Sant Sebastià"}],
    }
    assert verdict("2026-01-20", CT, holidays=extra).codes == ("holiday",)
    eve = verdict("2026-01-19", CT, holidays=extra)
    assert eve.codes == ("eve_of_holiday",)
    assert "Sant Sebastià" in eve.reasons[0].text
    assert "festivo local de Soffid" in eve.reasons[0].text


def test_refuses_vacation_days_and_the_eve_of_a_vacation() -> None:
    vacations = [{"from": "2026-12-14", "to": "2026-12-18", "label": "Cierre"}]
    inside = verdict("2026-12-15", CT, vacations=vacations)
    assert inside.codes == ("vacation",)
    assert "Cierre" in inside.reasons[0].text and "Soffid" in inside.reasons[0].text
    eve = verdict("2026-12-10", CT, vacations=vacations)  # Thursday; Friday is not the start
    assert eve.allowed
    vacations = [{"from": "2026-12-10", "to": "2026-12-18", "label": "Cierre"}]
    eve = verdict("2026-12-09", CT, vacations=vacations)
    assert eve.codes == ("eve_of_vacation",)
    assert "Cierre" in eve.reasons[0].text


def test_customer_vacation_counts_too() -> None:
    customer = customer_data(
        vacations=[{"from": "2026-03-10", "to": "2026-03-12", "label": "Migración"}]
    )
    assert verdict("2026-03-09", customer).codes == ("eve_of_vacation",)
    assert verdict("2026-03-11", customer).codes == ("vacation",)
    assert verdict("2026-03-16", customer).allowed


def test_weekend_day_reports_every_reason() -> None:
    saturday = verdict("2026-03-07", CT)
    assert saturday.codes == ("weekend", "eve_of_non_working_day", "outside_window")


def test_weekday_outside_the_customer_window_is_refused() -> None:
    customer = customer_data(
        window={"days": ["tue", "wed", "thu"], "start": "09:00", "end": "13:00"}
    )
    result = verdict("2026-03-09", customer)  # a Monday
    assert result.codes == ("outside_window",)
    assert "lunes" in result.reasons[0].text


def test_slot_outside_the_window_hours_is_refused() -> None:
    rules = make_rules(CT)
    reasons = slot_reasons(rules, at("2026-03-10 12:50"), at("2026-03-10 13:05"), now=EARLY_2026)
    assert [r.code for r in reasons] == ["outside_window"]
    assert slot_reasons(rules, at("2026-03-10 12:45"), at("2026-03-10 13:00"), now=EARLY_2026) == []


def test_duration_longer_than_the_window_refuses_the_day() -> None:
    rules = make_rules(CT)
    result = explain_day(rules, date(2026, 3, 10), now=EARLY_2026, duration=timedelta(hours=5))
    assert result.codes == ("outside_window",)
    assert "5h" in result.reasons[0].text


def test_minimum_notice_refuses_slots_too_soon() -> None:
    rules = make_rules(CT)
    now = at("2026-03-09 10:00")  # Monday; Tuesday 09:00 is less than 24 h away
    result = explain_day(rules, date(2026, 3, 10), now=now)
    assert result.codes == ("past",)
    assert explain_day(rules, date(2026, 3, 11), now=now).allowed


def test_conflict_with_the_same_customer() -> None:
    rules = make_rules(CT)
    booking = Booking("DIBA-2026-0007", "DIBA", at("2026-03-10 09:00"), at("2026-03-10 09:30"))
    reasons = slot_reasons(
        rules, at("2026-03-10 09:15"), at("2026-03-10 09:30"), now=EARLY_2026, bookings=[booking]
    )
    assert [r.code for r in reasons] == ["conflict"]
    assert "DIBA-2026-0007" in reasons[0].text
    assert not explain_day(rules, date(2026, 3, 10), now=EARLY_2026, bookings=[booking]).allowed


def test_conflict_with_max_parallel_other_customers() -> None:
    config = make_config([CT, MD], max_parallel=2)
    rules = rules_for(config, config.customer("DIBA"))
    one = Booking("CAM-2026-0001", "CAM", at("2026-03-10 09:00"), at("2026-03-10 10:00"))
    two = Booking("CAIB-2026-0001", "CAIB", at("2026-03-10 09:00"), at("2026-03-10 09:20"))
    start, end = at("2026-03-10 09:00"), at("2026-03-10 09:15")
    assert slot_reasons(rules, start, end, now=EARLY_2026, bookings=[one]) == []
    reasons = slot_reasons(rules, start, end, now=EARLY_2026, bookings=[one, two])
    assert [r.code for r in reasons] == ["conflict"]
    assert "máximo simultáneo es 2" in reasons[0].text


def test_adjacent_booking_is_not_a_conflict() -> None:
    rules = make_rules(CT)
    before = Booking("DIBA-2026-0001", "DIBA", at("2026-03-10 08:45"), at("2026-03-10 09:00"))
    assert (
        slot_reasons(
            rules, at("2026-03-10 09:00"), at("2026-03-10 09:15"), now=EARLY_2026, bookings=[before]
        )
        == []
    )


def test_propose_slots_skips_forbidden_days_with_reasons() -> None:
    rules = make_rules(CT)
    plan = propose_slots(rules, now=at("2026-03-27 10:00"), count=3)  # a Friday before Easter
    starts = [slot.start for slot in plan.slots]
    # Mon 30/3 and Tue 31/3 are fine; Wed 1/4 is the eve of Jueves Santo (IB), Thu 2/4 is
    # Jueves Santo itself, Fri 3/4 Viernes Santo, Mon 6/4 Lunes de Pascua; Tue 7/4 is next.
    assert starts == [at("2026-03-30 09:00"), at("2026-03-31 09:00"), at("2026-04-07 09:00")]
    skipped = {v.day.isoformat(): v.codes for v in plan.skipped}
    assert skipped["2026-04-01"] == ("eve_of_holiday",)
    assert "holiday" in skipped["2026-04-02"]
    assert "holiday" in skipped["2026-04-06"]
    assert "2026-03-30" not in skipped


def test_propose_slots_uses_every_listed_start_time() -> None:
    customer = customer_data(
        window={
            "days": ["tue"],
            "start": "08:00",
            "end": "14:00",
            "start_times": ["08:00", "11:00"],
        }
    )
    plan = propose_slots(
        make_rules(customer), now=at("2026-03-01 10:00"), count=3, duration=timedelta(minutes=30)
    )
    assert [s.start for s in plan.slots] == [
        at("2026-03-03 08:00"),
        at("2026-03-03 11:00"),
        at("2026-03-10 08:00"),
    ]
    assert all(s.end - s.start == timedelta(minutes=30) for s in plan.slots)


def test_propose_slots_skips_a_conflicting_start_time_but_keeps_the_other() -> None:
    customer = customer_data(
        window={
            "days": ["tue"],
            "start": "08:00",
            "end": "14:00",
            "start_times": ["08:00", "11:00"],
        }
    )
    booking = Booking("DIBA-2026-0002", "DIBA", at("2026-03-03 08:00"), at("2026-03-03 08:30"))
    plan = propose_slots(
        make_rules(customer), now=at("2026-03-01 10:00"), count=1, bookings=[booking]
    )
    assert [s.start for s in plan.slots] == [at("2026-03-03 11:00")]


def test_propose_slots_starts_after_the_given_moment() -> None:
    plan = propose_slots(make_rules(CT), now=EARLY_2026, after=at("2026-05-04 00:00"), count=1)
    assert plan.slots[0].start == at("2026-05-04 09:00")


def test_propose_slots_gives_up_at_the_horizon() -> None:
    customer = customer_data(
        vacations=[{"from": "2026-01-01", "to": "2027-12-31", "label": "Cerrado"}]
    )
    plan = propose_slots(make_rules(customer), now=EARLY_2026, count=2, horizon_days=30)
    assert plan.slots == ()
    assert len(plan.skipped) == 31


def test_slots_are_in_the_provider_time_zone_across_dst() -> None:
    plan = propose_slots(make_rules(CT), now=at("2026-03-24 08:00"), count=3)
    # Summer time starts on Sunday 29 March: offsets +01:00, then +02:00.
    assert plan.slots[0].start.utcoffset() == timedelta(hours=1)
    assert [s.start.date() for s in plan.slots] == [
        date(2026, 3, 25),
        date(2026, 3, 26),
        date(2026, 3, 30),
    ]
    assert plan.slots[2].start.utcoffset() == timedelta(hours=2)
    assert plan.slots[2].start.time() == time(9, 0)


def test_reasons_follow_the_operator_language() -> None:
    english = verdict("2026-11-06", CT, language="en")
    assert english.reasons[0].text == "it is a Friday"
    catalan = verdict("2026-06-23", CT, language="ca")
    assert "Sant Joan" in catalan.reasons[0].text


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("es", "es fin de semana"), ("ca", "és cap de setmana"), ("en", "it is a weekend")],
)
def test_a_weekend_day_says_only_that_it_is_a_weekend(language: str, sentence: str) -> None:
    saturday = verdict("2026-11-28", CT, language=language)
    assert saturday.reasons[0].code == "weekend"
    assert saturday.reasons[0].text == sentence


def test_catalan_elides_the_article_before_a_holiday_on_the_eleventh() -> None:
    eve = verdict("2026-09-10", CT, language="ca")  # Thursday; 11 September is the Diada
    assert eve.codes == ("eve_of_holiday",)
    assert eve.reasons[0].text.endswith(" l'11/09/2026"), eve.reasons[0].text
