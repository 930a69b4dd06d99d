"""Calendar v3 as deploybot uses it: a calendar's metadata, events found by ``iCalUID``, inserted,
updated and deleted, with ``sendUpdates`` recorded (the emulator sends no email).

As Google: a calendar answers 404 to whoever it was not shared with and 403 to a reader who
writes; a service account acting as itself cannot invite attendees (403
``forbiddenForServiceAccounts``); an update may not lower an event's ``sequence``; inserting a
second event with the same ``iCalUID`` is a 409; a deleted event stays, ``cancelled``, for
``showDeleted=true``.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulators.google_fields import answer, google_error

#: Drive v3 and Calendar v3 errors carry no ``status`` member.
_error = functools.partial(google_error, with_status=False)

if TYPE_CHECKING:
    from emulators.google import GoogleEmulator

_WRITERS = frozenset({"owner", "writer"})
_B32HEX = "0123456789abcdefghijklmnopqrstuv"


@dataclass
class Calendar:
    """A calendar, who it is shared with, its events by id and what was sent to attendees."""

    id: str
    summary: str
    time_zone: str
    acl: dict[str, str]
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (event id, sendUpdates) of every write, in order.
    notifications: list[tuple[str, str]] = field(default_factory=list)


class CalendarApi:
    """The calendars of the scenario and the Calendar routes."""

    def __init__(self, app: GoogleEmulator, seed: dict[str, Any]) -> None:
        self.app = app
        self.calendars: dict[str, Calendar] = {
            str(item["id"]): Calendar(
                str(item["id"]),
                str(item.get("summary", item["id"])),
                str(item.get("time_zone", "Europe/Madrid")),
                dict(item.get("acl", {})),
            )
            for item in seed.get("calendars", [])
        }

    def register(self) -> None:
        """Calendar's routes on the emulator."""
        base = "/calendar/v3/calendars/<calendar_id>"
        route = self.app.route
        route(base, "calendar.calendars.get", ["GET"], self._calendar)
        route(f"{base}/events", "calendar.events.list", ["GET"], self._list)
        route(f"{base}/events", "calendar.events.insert", ["POST"], self._insert)
        route(f"{base}/events/<event_id>", "calendar.events.get", ["GET"], self._get)
        route(f"{base}/events/<event_id>", "calendar.events.update", ["PUT"], self._update)
        route(f"{base}/events/<event_id>", "calendar.events.delete", ["DELETE"], self._delete)

    def _role(self, request: Request, calendar: Calendar) -> str | None:
        return calendar.acl.get(self.app.grant(request).principal)

    def _open(self, request: Request, calendar_id: str, *, write: bool) -> Calendar | Response:
        denied = self.app.scope_error(request, "calendar")
        if denied is not None:
            return denied
        calendar = self.calendars.get(calendar_id)
        if calendar is None or self._role(request, calendar) is None:
            return _error(404, "Not Found", "NOT_FOUND", reason="notFound")
        if write and self._role(request, calendar) not in _WRITERS:
            return _error(
                403,
                "You need to have writer access to this calendar.",
                "PERMISSION_DENIED",
                reason="requiredAccessLevel",
            )
        return calendar

    def _calendar(self, request: Request, calendar_id: str) -> Response:
        calendar = self._open(request, calendar_id, write=False)
        if isinstance(calendar, Response):
            return calendar
        return answer(
            request,
            {
                "kind": "calendar#calendar",
                "etag": '"emulated"',
                "id": calendar.id,
                "summary": calendar.summary,
                "timeZone": calendar.time_zone,
            },
        )

    def _list(self, request: Request, calendar_id: str) -> Response:
        calendar = self._open(request, calendar_id, write=False)
        if isinstance(calendar, Response):
            return calendar
        uid = request.args.get("iCalUID")
        deleted = request.args.get("showDeleted") == "true"
        items = [
            event
            for event in calendar.events.values()
            if (uid is None or event["iCalUID"] == uid)
            and (deleted or event["status"] != "cancelled")
        ]
        limit = int(request.args.get("maxResults", 250))
        body = {
            "kind": "calendar#events",
            "etag": '"emulated"',
            "summary": calendar.summary,
            "updated": self._now(),
            "timeZone": calendar.time_zone,
            "accessRole": self._role(request, calendar),
            "defaultReminders": [],
            "items": items[:limit],
        }
        return answer(request, body)

    def _get(self, request: Request, calendar_id: str, event_id: str) -> Response:
        calendar = self._open(request, calendar_id, write=False)
        if isinstance(calendar, Response):
            return calendar
        event = calendar.events.get(event_id)
        if event is None:
            return _error(404, "Not Found", "NOT_FOUND", reason="notFound")
        return answer(request, event)

    def _refusal(self, request: Request, body: dict[str, Any]) -> Response | None:
        grant = self.app.grant(request)
        if body.get("attendees") and grant.subject is None:
            return _error(
                403,
                "Service accounts cannot invite attendees without Domain-Wide Delegation of "
                "Authority.",
                "PERMISSION_DENIED",
                reason="forbiddenForServiceAccounts",
                domain="calendar",
            )
        for end in ("start", "end"):
            if not (body.get(end) or {}).get("dateTime") and not (body.get(end) or {}).get("date"):
                return _error(
                    400,
                    "Missing end time." if end == "end" else "Missing start time.",
                    "INVALID_ARGUMENT",
                    reason="required",
                )
        return None

    def _insert(self, request: Request, calendar_id: str) -> Response:
        calendar = self._open(request, calendar_id, write=True)
        if isinstance(calendar, Response):
            return calendar
        body = request.get_json(silent=True) or {}
        refused = self._refusal(request, body)
        if refused is not None:
            return refused
        uid = body.get("iCalUID")
        if uid and any(event["iCalUID"] == uid for event in calendar.events.values()):
            return _error(
                409,
                "The requested identifier already exists.",
                "ALREADY_EXISTS",
                reason="duplicate",
            )
        event_id = "".join(secrets.choice(_B32HEX) for _ in range(26))
        event = self._stored(request, calendar, event_id, body, created=self._now())
        calendar.events[event_id] = event
        calendar.notifications.append((event_id, request.args.get("sendUpdates", "false")))
        return answer(request, event)

    def _update(self, request: Request, calendar_id: str, event_id: str) -> Response:
        calendar = self._open(request, calendar_id, write=True)
        if isinstance(calendar, Response):
            return calendar
        current = calendar.events.get(event_id)
        if current is None:
            return _error(404, "Not Found", "NOT_FOUND", reason="notFound")
        body = request.get_json(silent=True) or {}
        refused = self._refusal(request, body)
        if refused is not None:
            return refused
        if int(body.get("sequence", current["sequence"])) < int(current["sequence"]):
            return _error(
                400,
                "Invalid sequence value. The specified sequence number is "
                "below the current sequence number of the resource.",
                "INVALID_ARGUMENT",
                reason="invalidSequenceValue",
            )
        event = self._stored(request, calendar, event_id, body, created=current["created"])
        event["iCalUID"] = current["iCalUID"]
        calendar.events[event_id] = event
        calendar.notifications.append((event_id, request.args.get("sendUpdates", "false")))
        return answer(request, event)

    def _delete(self, request: Request, calendar_id: str, event_id: str) -> Response:
        calendar = self._open(request, calendar_id, write=True)
        if isinstance(calendar, Response):
            return calendar
        event = calendar.events.get(event_id)
        if event is None or event["status"] == "cancelled":
            return _error(
                410 if event else 404,
                "Resource has been deleted" if event else "Not Found",
                "NOT_FOUND",
                reason="deleted" if event else "notFound",
            )
        event["status"] = "cancelled"
        event["updated"] = self._now()
        calendar.notifications.append((event_id, request.args.get("sendUpdates", "false")))
        return Response(status=204)

    def _now(self) -> str:
        return self.app.clock().strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def _stored(
        self,
        request: Request,
        calendar: Calendar,
        event_id: str,
        body: dict[str, Any],
        *,
        created: str,
    ) -> dict[str, Any]:
        """The event as Calendar keeps it: what was sent, plus what Google adds."""
        writer = self.app.grant(request).principal
        attendees = [
            {
                "email": item["email"],
                "responseStatus": "needsAction",
                **({"displayName": item["displayName"]} if "displayName" in item else {}),
            }
            for item in body.get("attendees", [])
        ]
        event = {
            "kind": "calendar#event",
            "etag": f'"{secrets.randbelow(10**16)}"',
            "id": event_id,
            "status": body.get("status", "confirmed"),
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": created,
            "updated": self._now(),
            "summary": body.get("summary", ""),
            "description": body.get("description", ""),
            "creator": {"email": writer},
            "organizer": {"email": calendar.id, "self": True, "displayName": calendar.summary},
            "start": body.get("start"),
            "end": body.get("end"),
            "iCalUID": body.get("iCalUID") or f"{event_id}@google.com",
            "sequence": int(body.get("sequence", 0)),
            "reminders": body.get("reminders", {"useDefault": True}),
            "eventType": "default",
        }
        if attendees:
            event["attendees"] = attendees
        return event
