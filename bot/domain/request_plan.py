"""Planning a request for deployment from its facts: which customer it is for, where its
components come from, which versions go (and back to which), how long it takes and which slots
to propose.

Pure: the shell gathers the facts (Zammad, then GitLab) and hands them in; each rule here is
written once — the customer is matched once, when the tickets are known, and the duration rule
serves both the proposals and the booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.config.models import Config, Customer
from bot.domain.booking_link import BookingLinks
from bot.domain.calendar.planning import propose_slots
from bot.domain.calendar.rules import Booking, Slot, rules_for
from bot.domain.commands import CommandError, parse_components
from bot.domain.events import Origin, Requested
from bot.domain.model import ComponentVersion, Deployment, TicketRef
from bot.domain.plain import plain
from bot.domain.prerequisites.facts import Facts
from bot.domain.prerequisites.result import Report
from bot.domain.prerequisites.rollback import given_guide, rollback_target


@dataclass(frozen=True)
class ComponentChoice:
    """Which components a request asks for: named (``wanted``), or — None — to be derived
    from the GitLab releases that reference its tickets; and what was wrong in the naming."""

    wanted: tuple[tuple[str, str], ...] | None
    source: Literal["explicit", "derived"]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestPlan:
    """What a request comes to: its customer, its components, its duration and its slots."""

    customer: Customer
    components: tuple[ComponentVersion, ...]
    duration: timedelta
    slots: tuple[Slot, ...]


def choose_components(
    kept: Sequence[tuple[str, str]] | None, noted: str | None, language: str
) -> ComponentChoice:
    """Where the components come from: those the deployment keeps (a schedule, a start), else
    the last ``/deploy components`` of the tickets' notes, else the GitLab releases."""
    if kept is not None:
        return ComponentChoice(tuple(kept), "explicit")
    if noted is None:
        return ComponentChoice(None, "derived")
    try:
        return ComponentChoice(parse_components(noted), "explicit")
    except CommandError as error:
        problem = f"/deploy components {noted}: {error.problem.text(language)}"
        return ComponentChoice((), "explicit", (problem,))


def request_duration(deployment: Deployment, customer: Customer) -> timedelta:
    """How long the deployment is expected to take: what its booking says once it has one,
    else the customer's default."""
    return deployment.duration if deployment.planned_start else customer.default_duration


def plan_request(
    facts: Facts,
    report: Report,
    deployment: Deployment,
    config: Config,
    *,
    now: datetime,
    bookings: Sequence[Booking],
) -> RequestPlan:
    """The plan of a request: slots are proposed only when every prerequisite is met."""
    matched = facts.matched.customer if facts.matched else None
    customer = matched or config.customer(deployment.customer)
    components = tuple(
        ComponentVersion(c.component, c.tag or c.version, rollback_target(c, facts))
        for c in facts.components
    )
    duration = request_duration(deployment, customer)
    slots: tuple[Slot, ...] = ()
    if report.ready:
        rules = rules_for(config, customer)
        count = config.workflow.proposals
        plan = propose_slots(rules, now=now, duration=duration, count=count, bookings=bookings)
        slots = plan.slots
    return RequestPlan(customer, components, duration, slots)


def requested(
    plan: RequestPlan,
    facts: Facts,
    report: Report,
    deployment: Deployment,
    origin: Origin,
    links: BookingLinks | None = None,
) -> Requested:
    """The request as the lifecycle's event (``links``: how the customer's booking link is
    made, when it can be)."""
    return Requested(
        origin,
        report,
        tuple(TicketRef(plain(t.number), plain(t.title), t.id) for t in facts.tickets),
        plan.components,
        report.environment or deployment.environment,
        plan.slots,
        gitlab_unanswered=facts.gitlab_unanswered,
        rollback_guide=given_guide(facts) or "",
        links=links,
    )
