"""Deployment events in a Google Calendar, through the Calendar API.

An event is found by its ``iCalUID`` — the UID of deploybot's invitations — so the calendar and
the invitations people received speak of the same event; it is created, moved (a higher
``sequence``) and cancelled (deleted: Google keeps it as cancelled). Whether Google itself
emails the attendees is ``send_updates``.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from typing import Any

from integrations.calendar import CalendarEvent
from integrations.google_api import GoogleApis


def _when(moment: datetime) -> dict[str, str]:
    when = {"dateTime": moment.isoformat()}
    zone = getattr(moment.tzinfo, "key", None)
    if zone:
        when["timeZone"] = str(zone)
    return when


def _attendee(contact: str) -> dict[str, str]:
    name, email = parseaddr(contact)
    return {"email": email or contact, **({"displayName": name} if name else {})}


def event_body(event: CalendarEvent, *, attendees: bool, sequence: int) -> dict[str, Any]:
    """The Calendar API's event resource for a deployment event."""
    body: dict[str, Any] = {
        "summary": event.summary,
        "description": event.description,
        "start": _when(event.start),
        "end": _when(event.end),
        "iCalUID": event.uid,
        "sequence": sequence,
        "status": "confirmed",
    }
    if attendees:
        body["attendees"] = [_attendee(contact) for contact in event.attendees]
    return body


class GoogleCalendar:
    """One Google Calendar: deployment events created, moved and cancelled by UID."""

    def __init__(
        self,
        apis: GoogleApis,
        calendar_id: str,
        *,
        send_updates: str = "none",
        attendees: bool = False,
    ) -> None:
        self.apis = apis
        self.calendar_id = calendar_id
        self.send_updates = send_updates
        self.attendees = attendees

    @property
    def _events(self) -> Any:
        return self.apis.service("calendar").events()

    def find(self, uid: str) -> dict[str, Any] | None:
        """The calendar's event with this iCalUID (cancelled ones too), if any."""
        answer = self.apis.call(
            f"Google Calendar: find {uid}",
            lambda: self._events.list(
                calendarId=self.calendar_id,
                iCalUID=uid,
                showDeleted=True,
                fields="items(id,status,sequence)",
            ).execute(),
        )
        items = answer.get("items", [])
        return dict(items[0]) if items else None

    def upsert(self, event: CalendarEvent) -> None:
        """Create the event, move it, or cancel it, as ``event`` says."""
        found = self.find(event.uid)
        updates = {"calendarId": self.calendar_id, "sendUpdates": self.send_updates}
        if event.cancelled:
            if found is not None and found.get("status") != "cancelled":
                self.apis.call(
                    f"Google Calendar: cancel {event.uid}",
                    lambda: self._events.delete(eventId=found["id"], **updates).execute(),
                )
            return
        # Google raises the sequence itself when a person moves the event: never go below it.
        sequence = max(event.sequence, int(found.get("sequence", 0)) if found else 0)
        body = event_body(event, attendees=self.attendees, sequence=sequence)
        if found is None:
            self.apis.call(
                f"Google Calendar: add {event.uid}",
                lambda: self._events.insert(body=body, fields="id", **updates).execute(),
            )
        else:
            self.apis.call(
                f"Google Calendar: update {event.uid}",
                lambda: self._events.update(
                    eventId=found["id"], body=body, fields="id", **updates
                ).execute(),
            )

    def check(self) -> str:
        """Whether deploybot can write events in the calendar. Writes nothing."""
        answer = self.apis.call(
            f"Google Calendar: open {self.calendar_id}",
            lambda: self._events.list(
                calendarId=self.calendar_id, maxResults=1, fields="summary,accessRole"
            ).execute(),
        )
        role = str(answer.get("accessRole", ""))
        if role not in ("owner", "writer"):
            raise PermissionError(
                f"the calendar {answer.get('summary', self.calendar_id)!r} is shared with "
                f"{self.apis.account} as {role or 'no role'}: share it with 'Make changes to "
                "events'"
            )
        return f"calendar {answer.get('summary', self.calendar_id)!r}: {role}"
