"""What can happen to a deployment: the events the lifecycle applies, and who caused them.

Everything a decision needs travels in the event (the prerequisite report, other bookings, the
proposals), so that :func:`bot.domain.lifecycle.apply` reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.domain.booking_link import BookingLinks
from bot.domain.calendar.rules import Booking, Slot
from bot.domain.model import ComponentVersion, TicketRef
from bot.domain.prerequisites.result import Report
from bot.domain.step3 import Flight

Source = Literal["tag", "note", "timer", "cli", "webhook", "gitlab", "booking"]


@dataclass(frozen=True)
class Origin:
    """Who or what caused an event, and on which ticket (answers go there)."""

    source: Source
    actor: str
    ticket_id: int | None = None


@dataclass(frozen=True)
class Requested:
    """Tickets tagged for deployment (or re-checked): the prerequisite report and proposals."""

    origin: Origin
    report: Report
    tickets: tuple[TicketRef, ...]
    components: tuple[ComponentVersion, ...]
    environment: str
    proposals: tuple[Slot, ...] = ()
    gitlab_unanswered: bool = False
    rollback_guide: str = ""
    #: How the customer's booking link is made (None: no links — no secret or no address).
    links: BookingLinks | None = None


@dataclass(frozen=True)
class ScheduleRequested:
    """``/deploy schedule …`` or a ``deploy-slot-N`` tag; ``force`` overrides the checks."""

    origin: Origin
    start: datetime
    duration: timedelta | None = None
    force: str | None = None
    report: Report | None = None
    bookings: tuple[Booking, ...] = ()
    #: What the customer wrote when booking through the link.
    comment: str = ""


@dataclass(frozen=True)
class SlotChosen:
    """A customer chose a slot through the booking link (``booking.self_service: confirm``):
    it waits for the team's ``deploy-accept``."""

    origin: Origin
    start: datetime
    comment: str = ""
    bookings: tuple[Booking, ...] = ()


@dataclass(frozen=True)
class StartRequested:
    """``deploy-start``: re-checks the prerequisites unless forced; ``preflight``: what the
    customer's live checks said just before (a down system is said before anyone is told)."""

    origin: Origin
    report: Report | None = None
    force: str | None = None
    preflight: Flight | None = None


@dataclass(frozen=True)
class DelayRequested:
    """``deploy-delay`` or ``/deploy delay [duration]`` (an extension re-arms the timer)."""

    origin: Origin
    extension: timedelta | None = None


@dataclass(frozen=True)
class DelayDue:
    """The delay timer came due: the estimated end plus the grace has passed."""

    origin: Origin


@dataclass(frozen=True)
class DoneRequested:
    """``deploy-done`` or ``/deploy done [force: reason]``; ``postflight``: what the live checks
    and the monitoring said at the end (a failure holds the close unless forced)."""

    origin: Origin
    postflight: Flight | None = None
    force: str | None = None


@dataclass(frozen=True)
class VerifyRequested:
    """``/deploy verify`` or ``deploybot verify-live``: the live checks run now, said in a note."""

    origin: Origin
    flight: Flight


@dataclass(frozen=True)
class RollbackRequested:
    """``deploy-rollback`` and/or ``/deploy rollback <reason>``."""

    origin: Origin
    reason: str = ""


@dataclass(frozen=True)
class CancelRequested:
    """``deploy-cancel`` or ``/deploy cancel [reason]``."""

    origin: Origin
    reason: str = ""


@dataclass(frozen=True)
class DetailsChanged:
    """``/deploy restart …`` or ``/deploy rollback-plan …``: recorded and acknowledged."""

    origin: Origin
    restarts: str | None = None
    rollback_plan: str | None = None


@dataclass(frozen=True)
class CheckRequested:
    """``/deploy recheck`` on a booked deployment, or its reminder the day before: the
    prerequisites re-checked now (``report``) and what is due."""

    origin: Origin
    report: Report | None = None
    reminder: bool = False


@dataclass(frozen=True)
class OverdueDue:
    """The booked start (plus ``workflow.overdue_after``) passed without a start."""

    origin: Origin


@dataclass(frozen=True)
class ChoiceReminderDue:
    """A customer's choice has waited ``booking.accept_within`` for the team's accept."""

    origin: Origin


@dataclass(frozen=True)
class ChoiceLapsed:
    """A customer's choice waited ``booking.choice_expires`` working days without an accept:
    it lapses, and the customer gets ``proposals`` afresh with a new link (``links``)."""

    origin: Origin
    proposals: tuple[Slot, ...] = ()
    links: BookingLinks | None = None


Event = (
    Requested
    | ScheduleRequested
    | StartRequested
    | DelayRequested
    | DelayDue
    | DoneRequested
    | RollbackRequested
    | CancelRequested
    | DetailsChanged
    | CheckRequested
    | OverdueDue
    | VerifyRequested
    | SlotChosen
    | ChoiceReminderDue
    | ChoiceLapsed
)

#: The name each event has in the audit trail and in "ignored" notes.
EVENT_NAMES: dict[type, str] = {
    Requested: "deploy",
    ScheduleRequested: "deploy-schedule",
    StartRequested: "deploy-start",
    DelayRequested: "deploy-delay",
    DelayDue: "delay-timer",
    DoneRequested: "deploy-done",
    RollbackRequested: "deploy-rollback",
    CancelRequested: "deploy-cancel",
    DetailsChanged: "deploy-details",
    CheckRequested: "deploy-recheck",
    OverdueDue: "overdue-timer",
    VerifyRequested: "deploy-verify",
    SlotChosen: "slot-chosen",
    ChoiceReminderDue: "choice-reminder-timer",
    ChoiceLapsed: "choice-lapse-timer",
}
