"""The vocabulary of a deployment as plain, immutable data.

A :class:`Deployment` is what the lifecycle moves from state to state and what every channel
(emails, notes, the calendar event, the log row) is rendered from. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


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
    restarts: str = ""
    description: str = ""
    planned_start: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    requested_by: str = ""
    performed_by: str = ""
    calendar_sequence: int = 0
    notes: tuple[str, ...] = ()
    email_requesters: tuple[str, ...] = ()
    email_thread: str | None = None
    delays: int = 0

    @property
    def planned_end(self) -> datetime | None:
        """When the deployment is expected to end: the planned start plus the estimate."""
        if self.planned_start is None:
            return None
        return self.planned_start + self.duration

    @property
    def actual_duration(self) -> timedelta | None:
        """How long the deployment really took, once it has ended."""
        if self.actual_start is None or self.actual_end is None:
            return None
        return self.actual_end - self.actual_start

    def evolve(self, **changes: object) -> Deployment:
        """A copy with some fields changed (the lifecycle never mutates a deployment)."""
        return replace(self, **changes)  # type: ignore[arg-type]
