"""What routing reads and what it hands back: the records of what the shell saw in Zammad
(:class:`TicketSeen`, :class:`TagAdded`, :class:`NoteSeen`) and the orders it answers with
(:data:`Routed`: a reply that holds its effects, or an order for the shell to carry out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.effects import OutboxEffect
from bot.domain.events import Event, Origin
from bot.domain.model import ComponentVersion


@dataclass(frozen=True)
class TicketSeen:
    """A ticket as the poll read it."""

    id: int
    number: str
    organization_id: int | None = None


@dataclass(frozen=True)
class TagAdded:
    """A trigger tag a person added (``at`` from the ticket's history: one addition, one cause)."""

    tag: str
    by: str
    at: datetime | None


@dataclass(frozen=True)
class NoteSeen:
    """A new internal note written by an agent (not one of deploybot's own)."""

    article_id: int
    author: str
    body: str


@dataclass(frozen=True)
class Reply:
    """An answer on a ticket that changes no deployment: its effects and its audit line."""

    scope: str
    event: str
    origin: Origin
    effects: tuple[OutboxEffect, ...]
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestOrder:
    """Open (or join) the customer's pending deployment with tickets newly tagged for
    deployment: the shell gathers their facts, the domain plans the request."""

    origin: Origin
    ticket_ids: tuple[int, ...]
    cause: str
    #: Each ticket's addition of the request tag (what is remembered as acted on).
    added: tuple[TagAdded, ...]


@dataclass(frozen=True)
class Recheck:
    """Gather the facts again and re-run the request of the ticket's pending deployment."""

    origin: Origin
    ticket_id: int
    environment: str | None = None


@dataclass(frozen=True)
class RecheckDeployment:
    """Gather a pending deployment's facts again, its components as they are, and record the
    new report (GitLab answers again, or a hook says a project changed)."""

    deployment_id: str
    origin: Origin


@dataclass(frozen=True)
class MailedRequest:
    """Open a deployment requested by email (no ticket, from the command line): the shell
    gathers its facts, the domain plans the request."""

    origin: Origin
    customer: str
    components: tuple[ComponentVersion, ...]
    requested_by: str
    requesters: tuple[str, ...]
    environment: str | None = None
    thread: str | None = None
    description: str = ""
    asserted_tags: tuple[str, ...] = ()
    rollback_plan: str = ""


@dataclass(frozen=True)
class ScheduleOrder:
    """Schedule: the shell adds the prerequisite report and the other bookings."""

    deployment_id: str
    origin: Origin
    start: datetime
    duration: timedelta | None = None
    force: str | None = None


@dataclass(frozen=True)
class StartOrder:
    """Start: the shell adds the prerequisite report (re-checked now)."""

    deployment_id: str
    origin: Origin
    force: str | None = None


@dataclass(frozen=True)
class DoneOrder:
    """Close a running deployment: the shell adds what step 3's checks say now."""

    deployment_id: str
    origin: Origin
    force: str | None = None


@dataclass(frozen=True)
class JobsOrder:
    """A choice on a deployment whose step-3 job held it: ``retry`` or ``force`` (with its
    reason); the shell applies it to the deployment's run (``bot.app.orders.jobs``)."""

    deployment_id: str
    origin: Origin
    choice: str
    reason: str = ""
    #: The answer when no step-3 job holds the deployment (nothing to retry or go past).
    unheld: Reply | None = None


@dataclass(frozen=True)
class VerifyOrder:
    """Run step 3's checks now and say what they see."""

    deployment_id: str
    origin: Origin


@dataclass(frozen=True)
class CheckOrder:
    """Re-check a booked deployment: the shell adds the prerequisite report (``reminder``: the
    reminder timer asks, the working day before the slot)."""

    deployment_id: str
    origin: Origin
    reminder: bool = False


@dataclass(frozen=True)
class Transition:
    """An event that needs nothing gathered, for the lifecycle to apply (``details``: what the
    audit keeps of who asked, beyond the event)."""

    deployment_id: str
    event: Event
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LapseChoice:
    """A customer's choice waited too long: the shell finds the slots free now (its own freed)
    and the lifecycle lapses the choice, offering those afresh."""

    deployment_id: str
    origin: Origin


Routed = (
    Reply
    | RequestOrder
    | Recheck
    | RecheckDeployment
    | MailedRequest
    | CheckOrder
    | ScheduleOrder
    | StartOrder
    | DoneOrder
    | VerifyOrder
    | JobsOrder
    | Transition
    | LapseChoice
)
