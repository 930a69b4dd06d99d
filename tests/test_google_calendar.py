"""Deployment events in Google Calendar through the Calendar API (against the Google emulator):
one event per deployment, found by the invitations' UID, moved and cancelled in place."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from integrations.google_api import GoogleApiError, GoogleApis, GoogleSettings
from integrations.google_calendar import GoogleCalendar
from tests.google_side import ACCOUNT, CALENDAR, GoogleSide, key_file

MADRID = ZoneInfo("Europe/Madrid")


@dataclasses.dataclass(frozen=True)
class Event:
    uid: str = "DIBA-2026-0001@soffid.example"
    summary: str = "Despliegue DIBA PRO"
    start: datetime = datetime(2026, 11, 30, 9, 0, tzinfo=MADRID)
    end: datetime = datetime(2026, 11, 30, 10, 0, tzinfo=MADRID)
    description: str = "addon-diba 3.2.11"
    organizer: str = "Soporte Soffid <soporte@soffid.example>"
    attendees: tuple[str, ...] = ("Núria Puig <npuig@diba.example>",)
    sequence: int = 0
    cancelled: bool = False
    stamp: datetime | None = None


def stored(google: GoogleSide) -> list[dict[str, object]]:
    return list(google.app.calendar.calendars[CALENDAR].events.values())


def test_an_event_is_created_moved_and_cancelled_under_the_invitations_uid(
    google: GoogleSide,
) -> None:
    calendar = GoogleCalendar(google.apis, CALENDAR)
    calendar.upsert(Event())
    moved = Event(
        start=Event.start + timedelta(days=1), end=Event.end + timedelta(days=1), sequence=1
    )
    calendar.upsert(moved)

    [event] = stored(google)
    assert event["iCalUID"] == "DIBA-2026-0001@soffid.example"
    assert event["start"] == {"dateTime": "2026-12-01T09:00:00+01:00", "timeZone": "Europe/Madrid"}
    assert event["sequence"] == 1

    calendar.upsert(dataclasses.replace(moved, sequence=2, cancelled=True))

    [event] = stored(google)
    assert event["status"] == "cancelled"
    notified = google.app.calendar.calendars[CALENDAR].notifications
    assert [how for _, how in notified] == ["none", "none", "none"]


def test_publishing_the_same_event_twice_keeps_one_event(google: GoogleSide) -> None:
    calendar = GoogleCalendar(google.apis, CALENDAR)
    calendar.upsert(Event())
    calendar.upsert(Event())

    assert len(stored(google)) == 1


def test_cancelling_an_event_twice_or_one_never_published_does_nothing(google: GoogleSide) -> None:
    calendar = GoogleCalendar(google.apis, CALENDAR)
    calendar.upsert(Event(cancelled=True))
    calendar.upsert(Event())
    calendar.upsert(Event(sequence=1, cancelled=True))
    calendar.upsert(Event(sequence=1, cancelled=True))

    assert [event["status"] for event in stored(google)] == ["cancelled"]
    assert google.requests("calendar.events.delete") == ["calendar.events.delete"]


def test_a_service_account_acting_as_itself_cannot_invite(google: GoogleSide) -> None:
    calendar = GoogleCalendar(google.apis, CALENDAR, attendees=True)

    with pytest.raises(GoogleApiError, match="cannot invite attendees without Domain-Wide"):
        calendar.upsert(Event())


def test_acting_for_a_workspace_user_it_invites_and_google_may_notify(google: GoogleSide) -> None:
    calendar = GoogleCalendar(google.person, CALENDAR, attendees=True, send_updates="all")

    calendar.upsert(Event())

    [event] = stored(google)
    assert event["attendees"] == [
        {
            "email": "npuig@diba.example",
            "displayName": "Núria Puig",
            "responseStatus": "needsAction",
        }
    ]
    assert google.app.calendar.calendars[CALENDAR].notifications[-1][1] == "all"


def test_deploybot_never_lowers_the_sequence_a_person_raised(google: GoogleSide) -> None:
    GoogleCalendar(google.apis, CALENDAR).upsert(Event())
    [event] = stored(google)
    event["sequence"] = 4  # Ana moved it by hand in Google Calendar

    GoogleCalendar(google.apis, CALENDAR).upsert(Event(sequence=1, summary="Despliegue movido"))

    [event] = stored(google)
    assert (event["summary"], event["sequence"]) == ("Despliegue movido", 4)


def test_check_names_a_calendar_shared_read_only(google: GoogleSide) -> None:
    assert GoogleCalendar(google.apis, CALENDAR).check() == "calendar 'Despliegues': writer"
    google.app.calendar.calendars[CALENDAR].acl[ACCOUNT] = "reader"

    with pytest.raises(PermissionError, match="Make changes to events"):
        GoogleCalendar(google.apis, CALENDAR).check()


def test_a_calendar_not_shared_with_the_account_is_not_found(google: GoogleSide) -> None:
    del google.app.calendar.calendars[CALENDAR].acl[ACCOUNT]

    with pytest.raises(GoogleApiError, match=r"Not Found \(HTTP 404\)"):
        GoogleCalendar(google.apis, CALENDAR).upsert(Event())


def test_without_delegation_acting_for_a_user_is_refused_at_sign_in(
    google: GoogleSide, tmp_path: Path
) -> None:
    path = key_file(
        google.app, google.url, tmp_path, "plain@deploybot-demo.iam.gserviceaccount.com"
    )
    google.app.accounts["plain@deploybot-demo.iam.gserviceaccount.com"].delegation = False
    apis = GoogleApis(
        GoogleSettings(path, impersonate="ana.garcia@soffid.example", api_url=google.url)
    )

    with pytest.raises(GoogleApiError, match=r"Google refused the key: .*unauthorized_client"):
        GoogleCalendar(apis, CALENDAR).check()
