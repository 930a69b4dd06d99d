"""The vocabulary of a deployment as plain, immutable data.

A :class:`Deployment` is what the lifecycle moves from state to state and what every channel
(emails, notes, the calendar event, the log row) is rendered from. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.problems import Problem


class State(StrEnum):
    """Where a deployment stands in the procedure (DESIGN.md, "The deployment lifecycle")."""

    REQUESTED = "requested"
    BLOCKED = "blocked"
    READY = "ready"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    DELAYED = "delayed"
    COMPLETED = "completed"
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"


#: The states a deployment does not leave.
ENDED = (State.COMPLETED, State.ROLLED_BACK, State.CANCELLED)
#: The states of a request not yet booked.
PENDING = (State.REQUESTED, State.BLOCKED, State.READY)
#: The states of a deployment under way: the one list every "is it running?" reads.
RUNNING = (State.IN_PROGRESS, State.DELAYED)
#: The states of a booked slot: scheduled or under way.
BOOKED = (State.SCHEDULED, *RUNNING)


@dataclass(frozen=True)
class TicketRef:
    """A Zammad ticket the deployment ships changes for."""

    number: str
    title: str
    id: int | None = None


@dataclass(frozen=True)
class ComponentVersion:
    """One component to deploy, the version going out and the version to go back to."""

    name: str
    version: str
    rollback_version: str | None = None


@dataclass(frozen=True)
class Choice:
    """The slot a customer chose through the booking link, waiting for the team's accept."""

    start: datetime
    by: str
    at: datetime
    comment: str = ""


@dataclass(frozen=True)
class Deployment:
    """One deployment of one customer's environment, from request to close.

    Times are timezone-aware. ``planned_start`` is set once a slot is agreed; ``actual_*`` once
    the deployment starts and ends. ``calendar_sequence`` grows on every reschedule or cancel so
    that calendar clients replace the event they already hold.
    """

    id: str
    customer: str
    environment: str
    state: State
    requested_at: datetime
    tickets: tuple[TicketRef, ...] = ()
    components: tuple[ComponentVersion, ...] = ()
    duration: timedelta = timedelta(minutes=15)
    #: How much of ``duration`` was added by delays announced with a new estimate.
    extended: timedelta = timedelta(0)
    restarts: str = ""
    description: str = ""
    planned_start: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    requested_by: str = ""
    performed_by: str = ""
    calendar_sequence: int = 0
    notes: tuple[Problem, ...] = ()
    email_requesters: tuple[str, ...] = ()
    email_thread: str | None = None
    delays: int = 0
    reschedules: int = 0
    last_email: str = ""
    proposals: tuple[datetime, ...] = ()
    forced: str = ""
    rollback_plan: str = ""
    rollback_guide: str = ""
    asserted_tags: tuple[str, ...] = ()
    awaiting_gitlab: bool = False
    #: Step 3: the alerts already firing at the start (they do not hold ``done``), and what
    #: the checks verified at the end (check name, version seen), for the customer's email.
    firing_at_start: tuple[str, ...] = ()
    verified: tuple[tuple[str, str], ...] = ()
    #: ``done`` was asked and held by a failing check: ``/deploy recheck`` asks it again.
    done_held: bool = False
    #: Which issue of proposals the customer's booking link belongs to (a new issue of
    #: different slots makes older links invalid), and the slot chosen through it.
    proposal_round: int = 0
    chosen: Choice | None = None
    revision: int = 0

    @property
    def is_open(self) -> bool:
        """Whether the deployment can still change (it has not ended one way or another)."""
        return self.state not in ENDED

    @property
    def first_ticket_id(self) -> int | None:
        """The Zammad id of the request's first ticket (None: a request by email only)."""
        return next((ticket.id for ticket in self.tickets if ticket.id is not None), None)

    @property
    def planned_end(self) -> datetime | None:
        """When the deployment is expected to end: the planned start plus the estimate."""
        if self.planned_start is None:
            return None
        return self.planned_start + self.duration

    @property
    def shown_times(self) -> tuple[datetime | None, datetime | None]:
        """(start, end) as its calendar events show it: the real times once known, else the
        planned ones."""
        start = self.actual_start or self.planned_start
        return start, self.actual_end or self.planned_end or start

    @property
    def minutes_late(self) -> int | None:
        """How many minutes longer than booked it took, once ended (0 when on time)."""
        taken = self.actual_duration
        if taken is None:
            return None
        late = taken - (self.duration - self.extended)
        return max(int(late.total_seconds() // 60), 0)

    @property
    def actual_duration(self) -> timedelta | None:
        """How long the deployment really took, once it has ended."""
        if self.actual_start is None or self.actual_end is None:
            return None
        return self.actual_end - self.actual_start


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def deployment_to_json(deployment: Deployment) -> dict[str, Any]:
    """A deployment as JSON-safe data (what the store keeps)."""
    data = asdict(deployment)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    data["state"] = deployment.state.value
    data["duration"] = int(deployment.duration.total_seconds())
    data["extended"] = int(deployment.extended.total_seconds())
    data["proposals"] = [moment.isoformat() for moment in deployment.proposals]
    if deployment.chosen is not None:
        chosen = deployment.chosen
        data["chosen"] = {"start": chosen.start.isoformat(), "by": chosen.by,
                          "at": chosen.at.isoformat(), "comment": chosen.comment}  # fmt: skip
    return data


def _choice_from_json(data: Any) -> Choice | None:
    if not data:
        return None
    return Choice(datetime.fromisoformat(data["start"]), str(data["by"]),
                  datetime.fromisoformat(data["at"]), str(data.get("comment") or ""))  # fmt: skip


def _note_from_json(data: Any) -> Problem:
    """A note as stored: a sentence key and its values (older stores kept plain text)."""
    if isinstance(data, str):
        return Problem.of("note_text", text=data)
    return Problem(data["key"], tuple((name, value) for name, value in data["values"]))


#: Notes whose full text names internal checks or an operator's words, and what people outside
#: the team read instead.
_SHARED = {
    "note_forced": "shared_forced",
    "note_started_forced": "shared_started_forced",
    "note_done_forced": "shared_done_forced",
    # A reason is what an operator typed, in the operator's language: customers read a fixed
    # sentence in theirs.
    "note_cancelled": "shared_cancelled",
    "note_rolled_back": "shared_rolled_back",
    "note_rolled_back_to": "shared_rolled_back_to",
}


def note_texts(deployment: Deployment, language: str, *, shared: bool = False) -> tuple[str, ...]:
    """The deployment's notes in ``language``; ``shared``: as customers and partners may read
    them (in the log, the calendar), without the internal check codes."""
    texts = []
    for note in deployment.notes:
        key = _SHARED.get(note.key, note.key) if shared else note.key
        texts.append(Problem(key, note.values).text(language))
    return tuple(texts)


def deployment_from_json(data: dict[str, Any]) -> Deployment:
    """The inverse of :func:`deployment_to_json`."""
    return Deployment(
        id=data["id"],
        customer=data["customer"],
        environment=data["environment"],
        state=State(data["state"]),
        requested_at=datetime.fromisoformat(data["requested_at"]),
        tickets=tuple(TicketRef(**ticket) for ticket in data["tickets"]),
        components=tuple(ComponentVersion(**component) for component in data["components"]),
        duration=timedelta(seconds=data["duration"]),
        extended=timedelta(seconds=data.get("extended", 0)),
        restarts=data["restarts"],
        description=data["description"],
        planned_start=_time(data["planned_start"]),
        actual_start=_time(data["actual_start"]),
        actual_end=_time(data["actual_end"]),
        requested_by=data["requested_by"],
        performed_by=data["performed_by"],
        calendar_sequence=data["calendar_sequence"],
        notes=tuple(_note_from_json(note) for note in data["notes"]),
        email_requesters=tuple(data["email_requesters"]),
        email_thread=data["email_thread"],
        delays=data["delays"],
        reschedules=int(data.get("reschedules", 0)),
        last_email=str(data.get("last_email") or ""),
        proposals=tuple(datetime.fromisoformat(moment) for moment in data["proposals"]),
        forced=data["forced"],
        rollback_plan=data["rollback_plan"],
        rollback_guide=str(data.get("rollback_guide") or ""),
        asserted_tags=tuple(data.get("asserted_tags", ())),
        awaiting_gitlab=bool(data.get("awaiting_gitlab", False)),
        firing_at_start=tuple(data.get("firing_at_start", ())),
        verified=tuple((str(name), str(version)) for name, version in data.get("verified", ())),
        done_held=bool(data.get("done_held", False)),
        proposal_round=int(data.get("proposal_round", 0)),
        chosen=_choice_from_json(data.get("chosen")),
        revision=data["revision"],
    )
