"""Calendar events: iCalendar content, .ics files, and a real CalDAV server (Radicale)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest

from bot.config.models import Config
from bot.domain.effects import CalendarEvent
from bot.domain.model import State
from bot.domain.notifications import calendar_event
from bot.domain.rendering import Renderer
from integrations.calendar import (
    CalDavCalendar,
    CalendarError,
    IcsDirectory,
    to_ics,
)
from tests.factories import MADRID, at, customer_data, make_config, make_deployment
from tests.servers import caldav_server, free_port

NOW = at("2026-11-26 12:00")


def config() -> Config:
    customer = customer_data(
        managed_by="partner_delegated",
        partner={"name": "Integra", "contacts": ["Laura Gil <lgil@integra.example>"]},
    )
    return make_config([customer], email_domain="soffid.example")


def event_of(**overrides: object) -> CalendarEvent:
    return calendar_event(make_deployment(**overrides), config(), Renderer(), now=NOW)


def parsed(data: bytes | str) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    assert isinstance(event, icalendar.Event)
    return event


def test_event_describes_the_deployment() -> None:
    event = parsed(to_ics(event_of()))
    assert str(event["UID"]) == "DIBA-2026-0007@soffid.example"
    assert str(event["SUMMARY"]) == "Despliegue DIBA PRO"
    assert event.decoded("DTSTART") == at("2026-12-01 09:30")
    assert event.decoded("DTEND") == at("2026-12-01 09:45")
    assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert int(str(event["SEQUENCE"])) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert "ES-7412280 Tractar els ORGANISMES" in description
    assert "addon-diba 3.2.11 (marcha atrás a 3.2.10)" in description
    assert attendees(event) == ["mailto:marta@soffid.example", "mailto:soporte@soffid.example"]


def attendees(event: icalendar.Event) -> list[str]:
    found = event.get("ATTENDEE", [])
    return [str(a) for a in (found if isinstance(found, list) else [found])]


def customer_event(language: str, **overrides: object) -> icalendar.Event:
    customer = customer_data(
        language=language,
        managed_by="partner_delegated",
        partner={"name": "Integra", "contacts": ["Laura Gil <lgil@integra.example>"]},
    )
    settings = make_config([customer], email_domain="soffid.example")
    deployment = make_deployment(rollback_guide="auto", **overrides)
    built = calendar_event(deployment, settings, Renderer(), now=NOW, audience="customer")
    return parsed(to_ics(built))


@pytest.mark.parametrize(
    ("language", "summary", "first_line"),
    [
        ("ca", "Desplegament DIBA PRO",
         "Desplegament a producció de DIBA el dimarts 1 de desembre del 2026, de 09:30 a 09:45."),
        ("es", "Despliegue DIBA PRO",
         "Despliegue a producción de DIBA el martes 1 de diciembre de 2026, de 09:30 a 09:45."),
        ("en", "Deployment DIBA PRO",
         "Deployment to production for DIBA on Tuesday 1 December 2026, from 09:30 to 09:45."),
    ],
)  # fmt: skip
def test_the_customers_event_is_its_own_in_its_language_with_nothing_internal(
    language: str, summary: str, first_line: str
) -> None:
    event = customer_event(language)
    assert str(event["UID"]) == "DIBA-2026-0007.customer@soffid.example"
    assert str(event["SUMMARY"]) == summary
    description = str(event["DESCRIPTION"])
    assert description.splitlines()[0] == first_line
    assert "3.2.10" not in description  # no rollback version, no guide
    assert not {"marcha", "marxa", "rollback", "redesplegar"} & set(description.lower().split())
    assert attendees(event) == ["mailto:manager@diba.example", "mailto:lgil@integra.example"]


def test_once_done_both_events_say_the_real_times() -> None:
    done = {"state": State.COMPLETED, "actual_start": at("2026-12-01 09:31"),
            "actual_end": at("2026-12-01 09:52"), "calendar_sequence": 1}  # fmt: skip
    customer = customer_event("es", **done)
    assert customer.decoded("DTEND") == at("2026-12-01 09:52")
    assert str(customer["DESCRIPTION"]).startswith(
        "Despliegue a producción de DIBA realizado el martes 1 de diciembre de 2026, "
        "de 09:31 a 09:52."
    )
    assert "Duración: 21 minutos." in str(customer["DESCRIPTION"])
    assert "Se estima" not in str(customer["DESCRIPTION"])
    team = parsed(to_ics(event_of(**done)))
    assert "de 09:31 a 09:52" in str(team["DESCRIPTION"]).splitlines()[0]
    assert "09:45" not in str(team["DESCRIPTION"])


def test_calendar_carries_the_time_zone_definition() -> None:
    calendar = icalendar.Calendar.from_ical(to_ics(event_of()))
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Madrid"]


def test_cancelled_deployment_is_a_cancelled_event_with_cancel_method() -> None:
    data = to_ics(event_of(state=State.CANCELLED, calendar_sequence=2), "REQUEST")
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    event = parsed(data)
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(str(event["SEQUENCE"])) == 2


def test_ics_file_is_rewritten_in_place_on_reschedule(tmp_path: Path) -> None:
    folder = IcsDirectory(tmp_path / "calendar")
    first = folder.write(event_of())
    second = folder.write(event_of(planned_start=at("2026-12-02 10:00"), calendar_sequence=1))
    assert first == second
    assert [p.name for p in (tmp_path / "calendar").iterdir()] == [
        "DIBA-2026-0007_soffid.example.ics"
    ]
    event = parsed(second.read_bytes())
    assert event.decoded("DTSTART") == at("2026-12-02 10:00")
    assert int(str(event["SEQUENCE"])) == 1


@pytest.fixture
def caldav_url(tmp_path: Path) -> Iterator[str]:
    with caldav_server(tmp_path / "radicale") as url:
        yield url


def test_caldav_event_is_created_then_updated_by_uid(caldav_url: str) -> None:
    calendar = CalDavCalendar(
        caldav_url, calendar_name="deployments", username="deploybot", password="s3cret"
    )
    calendar.upsert(event_of())
    calendar.upsert(
        event_of(planned_start=at("2026-12-02 10:00"), duration=timedelta(minutes=30),
                 calendar_sequence=1)
    )  # fmt: skip
    # A second client sees one event, at the new time, with the new SEQUENCE.
    reader = CalDavCalendar(
        caldav_url, calendar_name="deployments", username="deploybot", password="s3cret"
    )
    data = reader.event_data("DIBA-2026-0007@soffid.example")
    assert data is not None
    event = parsed(data)
    assert event.decoded("DTSTART") == at("2026-12-02 10:00")
    assert event.decoded("DTEND").astimezone(MADRID) == at("2026-12-02 10:30")
    assert int(str(event["SEQUENCE"])) == 1
    assert len(reader._target().events()) == 1


def test_caldav_event_is_cancelled_in_place_or_deleted(caldav_url: str) -> None:
    calendar = CalDavCalendar(
        caldav_url, calendar_name="deployments", username="deploybot", password="s3cret"
    )
    calendar.upsert(event_of())
    calendar.upsert(event_of(state=State.CANCELLED, calendar_sequence=1))
    data = calendar.event_data("DIBA-2026-0007@soffid.example")
    assert data is not None and str(parsed(data)["STATUS"]) == "CANCELLED"
    assert calendar.delete("DIBA-2026-0007@soffid.example") is True
    assert calendar.event_data("DIBA-2026-0007@soffid.example") is None
    assert calendar.delete("DIBA-2026-0007@soffid.example") is False


def test_caldav_wrong_password_is_a_calendar_error(caldav_url: str) -> None:
    calendar = CalDavCalendar(caldav_url, calendar_name="deployments", username="deploybot",
                              password="wrong")  # fmt: skip
    with pytest.raises(CalendarError, match="Unauthorized"):
        calendar.upsert(event_of())


def test_caldav_server_down_is_a_calendar_error() -> None:
    calendar = CalDavCalendar(f"http://127.0.0.1:{free_port()}/", calendar_name="x", timeout=2)
    with pytest.raises(CalendarError, match="did not"):
        calendar.upsert(event_of())
