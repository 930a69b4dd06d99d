"""Deployment events as iCalendar: ``.ics`` files in a folder and, if configured, on CalDAV.

One event per deployment, identified by its UID; every change is published with a higher
``SEQUENCE`` so that calendar clients replace what they hold instead of adding a second event.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal, Protocol, cast

import icalendar
from caldav.davclient import DAVClient
from caldav.lib.error import DAVError, NotFoundError

from integrations.bounded import BoundedSession, cut_at
from integrations.errors import OutsideError
from integrations.files import replace_atomically, safe_name

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]


class CalendarError(OutsideError):
    """The CalDAV server could not be reached or refused the event; the message says which."""


class CalendarEvent(Protocol):
    """What a deployment's calendar entry says (any record with these fields); times are
    timezone-aware."""

    @property
    def uid(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def description(self) -> str: ...
    @property
    def organizer(self) -> str: ...
    @property
    def attendees(self) -> tuple[str, ...]: ...
    @property
    def sequence(self) -> int: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def stamp(self) -> datetime | None: ...


def _address(contact: str, role: str | None = None) -> icalendar.vCalAddress:
    name, email = parseaddr(contact)
    address = icalendar.vCalAddress(f"mailto:{email or contact}")
    if name:
        address.params["CN"] = icalendar.vText(name)
    if role:
        address.params["ROLE"] = icalendar.vText(role)
        address.params["PARTSTAT"] = icalendar.vText("NEEDS-ACTION")
        address.params["RSVP"] = icalendar.vText("FALSE")
    return address


def to_calendar(event: CalendarEvent, method: Method = "PUBLISH") -> icalendar.Calendar:
    """The VCALENDAR holding the event (and the VTIMEZONE its times need)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//deploybot//deployment calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if event.cancelled else method)
    calendar.add_component(_vevent(event, attendees=True))
    calendar.add_missing_timezones()
    return calendar


def feed_ics(events: Iterable[CalendarEvent], name: str) -> bytes:
    """A calendar feed to subscribe to (Google Calendar, Outlook, Thunderbird): every event
    with the UID and SEQUENCE of its invitations, cancelled ones marked cancelled."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//deploybot//deployment calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_vevent(event, attendees=False))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _vevent(event: CalendarEvent, *, attendees: bool) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("summary", event.summary)
    vevent.add("dtstart", event.start)
    vevent.add("dtend", event.end)
    vevent.add("dtstamp", event.stamp or event.start)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("description", event.description)
    vevent.add("organizer", _address(event.organizer))
    for attendee in event.attendees if attendees else ():
        vevent.add("attendee", _address(attendee, "REQ-PARTICIPANT"), encode=False)
    return vevent


def to_ics(event: CalendarEvent, method: Method = "PUBLISH") -> bytes:
    """The event serialised as an ``.ics`` file (CRLF lines, folded at 75 octets)."""
    return bytes(to_calendar(event, method).to_ical())


class IcsDirectory:
    """Keeps one ``<uid>.ics`` per deployment in a folder, rewritten on every change."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, uid: str) -> Path:
        """The file that holds the event with this UID."""
        return self.directory / f"{safe_name(uid)}.ics"

    def write(self, event: CalendarEvent) -> Path:
        """Write (or replace) the event's file atomically; a cancelled event is kept, cancelled."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path_for(event.uid)
        replace_atomically(target, lambda path: path.write_bytes(to_ics(event)))
        return target


class CalDavCalendar:
    """One calendar on a CalDAV server: events created or updated by UID, cancelled in place."""

    def __init__(
        self,
        url: str,
        *,
        calendar_name: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.calendar_name = calendar_name
        self.timeout = timeout
        self._client = cast(
            Any, DAVClient(url=url, username=username, password=password, timeout=int(timeout))
        )
        # each request within the deadline and the size cap (bounded.fetch)
        self._client.session = BoundedSession(timeout)
        self._calendar: Any = None

    def _within(self) -> contextlib.AbstractContextManager[None]:
        """One operation (a few requests) within ``timeout``, however slowly answered."""
        return cut_at(self.timeout, list)

    def _target(self) -> Any:
        if self._calendar is None:
            if self.calendar_name is None:
                self._calendar = self._client.calendar(url=self.url)
            else:
                principal = self._client.principal()
                try:
                    self._calendar = principal.calendar(name=self.calendar_name)
                except NotFoundError:
                    self._calendar = principal.make_calendar(name=self.calendar_name)
        return self._calendar

    def _find(self, uid: str) -> Any | None:
        try:
            return self._target().event_by_uid(uid)
        except NotFoundError:
            return None

    def upsert(self, event: CalendarEvent) -> None:
        """Create the event, or replace the one with the same UID (a reschedule or a cancel)."""
        data = to_ics(event).decode()
        try:
            with self._within():
                self._upsert(event, data)
        except (DAVError, OSError) as error:
            message = f"the CalDAV calendar {self.url} did not take the event: {error}"
            raise CalendarError(message) from None

    def _upsert(self, event: CalendarEvent, data: str) -> None:
        existing = self._find(event.uid)
        if existing is None:
            self._target().save_event(data)
        else:
            existing.data = data
            existing.save(increase_seqno=False)

    def check(self) -> str:
        """Reach the server, log in and find the calendar; writes nothing. Says what it found."""
        try:
            with self._within():
                principal = self._client.principal()
                if self.calendar_name is None:
                    name = self._client.calendar(url=self.url).get_display_name()
                    return f"calendar {name or self.url} found"
                try:
                    principal.calendar(name=self.calendar_name)
                except NotFoundError:
                    return f"no calendar {self.calendar_name!r} yet: created with the first event"
                return f"calendar {self.calendar_name!r} found"
        except (DAVError, OSError) as error:
            raise CalendarError(f"the CalDAV server {self.url} did not answer: {error}") from None

    def event_data(self, uid: str) -> str | None:
        """The stored iCalendar text of the event with this UID, if the calendar holds it."""
        try:
            with self._within():
                found = self._find(uid)
        except (DAVError, OSError) as error:
            raise CalendarError(f"the CalDAV calendar {self.url} did not answer: {error}") from None
        return None if found is None else str(found.data)

    def delete(self, uid: str) -> bool:
        """Remove the event with this UID; False if the calendar did not hold it."""
        try:
            with self._within():
                found = self._find(uid)
                if found is None:
                    return False
                found.delete()
        except (DAVError, OSError) as error:
            message = f"the CalDAV calendar {self.url} did not delete {uid}: {error}"
            raise CalendarError(message) from None
        return True


def invitation(event: CalendarEvent) -> tuple[str, bytes, str]:
    """The event as an invitation to attach to an email: (file name, content, MIME type)."""
    method: Method = "CANCEL" if event.cancelled else "REQUEST"
    return "invite.ics", to_ics(event, method), f"text/calendar; method={method}; charset=utf-8"
