"""Carrying out orders: what routing asked for (a request, a re-check, a schedule, a start, a
transition, a reply) gets the facts it needs gathered and is committed — the same way whoever
gave it (a tag or note in Zammad, a GitLab release, the command line, a timer).

The facts are gathered without the decision lock; the committer takes it only to check that the
deployment and the slots held are still as read and to commit. An order whose deployment another
decision changed meanwhile is carried out again on the deployment as it stands (:func:`redone`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import assert_never

from bot.app.orders.committer import Committer, Slots
from bot.app.orders.jobs import choose_on
from bot.app.orders.redoing import again, redone
from bot.app.orders.requesting import Opened, Requests
from bot.app.outside import LiveChecks, ZammadReads
from bot.app.store import Store
from bot.config.models import Config
from bot.domain.calendar.planning import propose_slots
from bot.domain.calendar.rules import rules_for
from bot.domain.events import (
    CheckRequested,
    ChoiceLapsed,
    DoneRequested,
    Origin,
    ScheduleRequested,
    StartRequested,
    VerifyRequested,
)
from bot.domain.lifecycle import RUNNING
from bot.domain.model import Deployment, State
from bot.domain.prerequisites.facts import Facts
from bot.domain.prerequisites.result import Report
from bot.domain.replies import gitlab_waiting
from bot.domain.routing import (
    CheckOrder,
    DoneOrder,
    JobsOrder,
    LapseChoice,
    MailedRequest,
    Recheck,
    RecheckDeployment,
    Reply,
    RequestOrder,
    Routed,
    ScheduleOrder,
    StartOrder,
    Transition,
    VerifyOrder,
)
from bot.domain.step3 import Flight, Phase
from integrations.gitlab import GitLabError
from integrations.zammad import Ticket

#: The orders on one deployment that already exists.
OnDeployment = (
    RecheckDeployment | CheckOrder | ScheduleOrder | StartOrder | DoneOrder | VerifyOrder
    | Transition
)  # fmt: skip


@dataclass(frozen=True)
class Given:
    """What carrying out an order did: how many events it applied, the deployment as it
    stands after, the report of a request, the flight of a verification."""

    events: int
    deployment: Deployment | None = None
    report: Report | None = None
    flight: Flight | None = None


@dataclass(frozen=True)
class Asked:
    """Who asked for an order through Zammad, and what of theirs caused it (a note, a tag)."""

    cause: str
    ticket_id: int
    origin: Origin


class Orders:
    """Gathers what each order needs and commits it."""

    def __init__(
        self,
        config: Config,
        store: Store,
        committer: Committer,
        requests: Requests,
        *,
        clock: Callable[[], datetime],
        reads: Callable[[], ZammadReads],
        live: LiveChecks,
        outside: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self.config = config
        self.store = store
        self.committer = committer
        self.requests = requests
        self.clock = clock
        self.reads = reads
        self.live = live
        #: Around reads of outside systems: the decision lock given up, should the caller hold
        #: it (a cycle does not: it reads first and takes the lock per decision).
        self.outside = outside

    def carry_out(
        self,
        routed: Routed,
        ticket: Ticket | None = None,
        reads: ZammadReads | None = None,
        *,
        cause: str = "",
    ) -> int:
        """Carry out one routed order (from ``ticket``, or from no ticket: a timer, GitLab, the
        command line); returns how many events it applied."""
        return self.give(routed, ticket, reads, cause=cause).events

    def caused_by(self, markers: Mapping[str, str]) -> Orders:
        """These orders, given for one cause: the first commit among them also records
        ``markers`` (``Committer.caused_by``); :meth:`settle` records them when none did."""
        caused = copy.copy(self)
        caused.committer = self.committer.caused_by(markers)
        return caused

    def settle(self) -> None:
        """Record the markers of the cause whose orders committed nothing."""
        self.committer.settle()

    def give(
        self,
        routed: Routed,
        ticket: Ticket | None = None,
        reads: ZammadReads | None = None,
        *,
        cause: str = "",
    ) -> Given:
        """Carry out one routed order and say what it did (the command line prints it)."""
        match routed:
            case Reply():
                self.committer.reply(routed)
                return Given(0)
            case RequestOrder():
                reads = reads or self.reads()
                tickets = [reads.ticket(ticket_id) for ticket_id in routed.ticket_ids]
                return Given(1, self.request(tickets, routed.origin, reads, cause=routed.cause))
            case Recheck():
                reads = reads or self.reads()
                ticket = reads.ticket(routed.ticket_id) if ticket is None else ticket
                return Given(1, self.request([ticket], routed.origin, reads, cause=cause,
                                             environment=routed.environment))  # fmt: skip
            case MailedRequest():
                return again(lambda: self._mailed(routed, reads or self.reads()))
            case (
                RecheckDeployment() | CheckOrder() | ScheduleOrder() | StartOrder() | DoneOrder()
                | VerifyOrder() | Transition()
            ):  # fmt: skip
                return self._on_deployment(routed, ticket, reads, cause=cause)
            case LapseChoice():
                return self._lapse(routed)
            case JobsOrder():
                if not choose_on(self.config, self.store, routed, self.clock()) and routed.unheld:
                    self.committer.reply(routed.unheld)
                return Given(0)
            case _:
                assert_never(routed)

    def _on_deployment(
        self,
        routed: OnDeployment,
        ticket: Ticket | None,
        reads: ZammadReads | None,
        *,
        cause: str,
    ) -> Given:
        deployment = self.store.deployments.get(routed.deployment_id)
        if deployment is None:
            return Given(0)
        if isinstance(routed, Transition):
            return Given(1, self._transition(deployment, routed))
        # A person's order through Zammad waits while GitLab does not answer; others do not.
        asked = Asked(cause, ticket.id, routed.origin) if ticket is not None else None
        match routed:
            case RecheckDeployment():
                return Given(1, self.recheck(deployment, routed.origin))
            case CheckOrder():
                return Given(1, self.check_booked(deployment, routed.origin,
                                                  reminder=routed.reminder, reads=reads,
                                                  asked=asked))  # fmt: skip
            case ScheduleOrder():
                return Given(1, self.schedule(deployment, routed.origin, routed.start,
                                              duration=routed.duration, force=routed.force,
                                              reads=reads, asked=asked))  # fmt: skip
            case StartOrder():
                return Given(1, self.start(deployment, routed.origin, force=routed.force,
                                           reads=reads, asked=asked))  # fmt: skip
            case DoneOrder():
                return Given(1, self.done(deployment, routed.origin, force=routed.force))
            case VerifyOrder():
                verified, flight = self._verify(deployment, routed.origin)
                return Given(1, verified, flight=flight)
            case _:
                assert_never(routed)

    @redone
    def _transition(self, deployment: Deployment, routed: Transition) -> Deployment:
        return self.committer.handle(deployment, routed.event, dict(routed.details))

    # -- requests ---------------------------------------------------------------------------

    def request(
        self,
        tickets: Sequence[Ticket],
        origin: Origin,
        reads: ZammadReads,
        *,
        cause: str,
        environment: str | None = None,
    ) -> Deployment | None:
        """Open (or join, or re-check) the customer's pending deployment for tagged tickets;
        without a handled customer, say why on each ticket."""

        def attempt() -> Deployment | None:
            opened = self.requests.open(tickets, origin, reads, cause=cause,
                                        environment=environment)  # fmt: skip
            if isinstance(opened, Opened):
                return self._record(opened)
            for reply in opened:
                self.committer.reply(reply)
            return None

        return again(attempt)

    def _mailed(self, order: MailedRequest, reads: ZammadReads) -> Given:
        opened = self.requests.open_mailed(order, reads)
        return Given(1, self._record(opened), report=opened.report)

    def record_request(
        self, deployment: Deployment, facts: Facts, report: Report, origin: Origin
    ) -> Deployment:
        """Apply a request to the deployment: its report, components and slot proposals."""
        return self._record(self.requests.opened(deployment, facts, report, origin))

    def _record(self, opened: Opened) -> Deployment:
        """Decide the request on the slots held now (its proposals avoid them) and commit it."""
        report, deployment = opened.report, opened.deployment
        details = {"summary": report.summary("en"), "failed": [c.code for c in report.failed]}
        return self.committer.decide(
            deployment,
            lambda held: self.requests.event(deployment, opened.facts, report, opened.origin, held),
            details,
        )

    def check(
        self, deployment: Deployment, reads: ZammadReads | None = None
    ) -> tuple[Facts, Report]:
        """The facts and prerequisite report of a deployment as it stands, gathered now."""
        return self.requests.gather(
            [t.number for t in deployment.tickets],
            reads or self.reads(),
            environment=deployment.environment,
            deployment=deployment,
            keep_components=True,
        )

    @redone
    def recheck(self, deployment: Deployment, origin: Origin) -> Deployment:
        """Gather the deployment's facts again and record the new report."""
        facts, report = self.check(deployment)
        return self.record_request(deployment, facts, report, origin)

    # -- booked deployments -----------------------------------------------------------------

    def _wait_for_gitlab(self, facts: Facts, deployment: Deployment, asked: Asked | None) -> None:
        """Keep a person's command waiting while GitLab does not answer its re-check.

        An outside system that did not answer is not a failed prerequisite: the command is
        tried again every cycle (the GitLabError leaves the note or tag unhandled), the person
        is told once if it lasts, and after ``workflow.outage_retry_for`` the command is decided
        on what is known. A command from the CLI (``asked`` is None) is decided at once.
        """
        if asked is None:
            return
        key = f"waiting:{asked.cause}"
        if not facts.gitlab_unanswered:
            self.store.markers.forget(key)
            return
        now, workflow = self.clock(), self.config.workflow
        since_text = self.store.markers.get(key)
        since = datetime.fromisoformat(since_text) if since_text else now
        if since_text is None:
            self.store.markers.remember(key, now.isoformat())
        until = since + workflow.outage_retry_for
        if now >= until:
            return
        if now - since >= workflow.outage_patience:
            reply = gitlab_waiting(asked.ticket_id, deployment.id, asked.cause, until,
                                   asked.origin, self.config, self.committer.renderer)  # fmt: skip
            self.committer.reply(reply, settles=False)
        raise GitLabError(f"did not answer the re-check of {deployment.id}; trying again")

    @redone
    def schedule(
        self,
        deployment: Deployment,
        origin: Origin,
        start: datetime,
        *,
        duration: timedelta | None = None,
        force: str | None = None,
        reads: ZammadReads | None = None,
        asked: Asked | None = None,
        comment: str = "",
    ) -> Deployment:
        """Schedule (or reschedule) a deployment, re-checking calendar and prerequisites now
        (``comment``: what the customer wrote, booking through the link)."""
        facts, report = self.check(deployment, reads)
        self._wait_for_gitlab(facts, deployment, asked)
        return self.book(deployment, origin, start, report, duration=duration, force=force,
                         comment=comment)  # fmt: skip

    def book(
        self,
        deployment: Deployment,
        origin: Origin,
        start: datetime,
        report: Report,
        *,
        duration: timedelta | None = None,
        force: str | None = None,
        comment: str = "",
        admit: Callable[[Slots], None] = lambda held: None,
    ) -> Deployment:
        """Book ``start`` for the deployment as read, on its ``report`` gathered before, and the
        slots held as they stand at the commit (:class:`StaleRead` when the deployment changed
        since it was read: its report is gathered again). ``admit`` may refuse the slots held
        first (it raises: a booking page's own rules)."""

        def event_of(held: Slots) -> ScheduleRequested:
            admit(held)
            return ScheduleRequested(origin, start, duration, force, report, held, comment)

        details = {"start": start.isoformat(), "force": force}
        return self.committer.decide(deployment, event_of, details)

    @redone
    def start(
        self,
        deployment: Deployment,
        origin: Origin,
        *,
        force: str | None = None,
        reads: ZammadReads | None = None,
        asked: Asked | None = None,
    ) -> Deployment:
        """Start a scheduled deployment, re-checking the prerequisites unless forced."""
        report = self._booked_report(deployment, reads, asked)
        flight = None
        if deployment.state is State.SCHEDULED:
            flight, deployment = self._flight(deployment, "before")
        event = StartRequested(origin, report, force, flight)
        return self.committer.handle(deployment, event, {"force": force, **_summary(flight)})

    @redone
    def done(
        self, deployment: Deployment, origin: Origin, *, force: str | None = None
    ) -> Deployment:
        """Close a running deployment, its systems checked first (step 3)."""
        flight = None
        if deployment.state in RUNNING:
            flight, deployment = self._flight(deployment, "after")
        event = DoneRequested(origin, flight, force)
        return self.committer.handle(deployment, event, {"force": force, **_summary(flight)})

    def _lapse(self, order: LapseChoice) -> Given:
        """A customer's choice lapses: the slots free now (its own choice freed) are offered
        afresh with a new link."""
        deployment = self.store.deployments.get(order.deployment_id)
        if deployment is None:
            return Given(0)
        return Given(1, self._offer_again(deployment, order))

    @redone
    def _offer_again(self, deployment: Deployment, order: LapseChoice) -> Deployment:
        rules = rules_for(self.config, self.config.customer(deployment.customer))

        def event_of(held: Slots) -> ChoiceLapsed:  # the slots offered are free when it commits
            plan = propose_slots(rules, now=self.clock(), duration=deployment.duration,
                                 count=self.config.workflow.proposals,
                                 bookings=[b for b in held if b.id != deployment.id])  # fmt: skip
            return ChoiceLapsed(order.origin, plan.slots, self.requests.links)

        return self.committer.decide(deployment, event_of, {"timer": "choice-lapse"})

    def verify(self, deployment: Deployment, origin: Origin) -> Flight:
        """Run the deployment's step 3 checks now, say what they see, and hand it back (an
        empty flight: the customer has none)."""
        return self._verify(deployment, origin)[1]

    @redone
    def _verify(self, deployment: Deployment, origin: Origin) -> tuple[Deployment, Flight]:
        seen, deployment = self._flight(deployment, "asked")
        flight = seen or Flight("asked")
        event = VerifyRequested(origin, flight)
        return self.committer.handle(deployment, event, _summary(flight)), flight

    def _flight(self, deployment: Deployment, phase: Phase) -> tuple[Flight | None, Deployment]:
        """What the customer's live checks and monitoring say (None: it has none), read without
        the decision lock, and the deployment they were read for (should another decision
        change it meanwhile, the commit refuses the stale read and the order is redone)."""
        customer = self.config.customer(deployment.customer)
        if not customer.checks and customer.monitoring.alertmanager is None:
            return None, deployment
        with self.outside():
            flight = self.live.flight(customer, deployment, phase)
        return flight, deployment

    def _booked_report(
        self, deployment: Deployment, reads: ZammadReads | None, asked: Asked | None
    ) -> Report | None:
        """The prerequisites of a booked deployment checked now (None when it is not booked:
        the lifecycle then says why the order does not apply)."""
        if deployment.state is not State.SCHEDULED:
            return None
        facts, report = self.check(deployment, reads)
        self._wait_for_gitlab(facts, deployment, asked)
        return report

    @redone
    def check_booked(
        self,
        deployment: Deployment,
        origin: Origin,
        *,
        reminder: bool = False,
        reads: ZammadReads | None = None,
        asked: Asked | None = None,
    ) -> Deployment:
        """Re-check a booked deployment's prerequisites now and say what is due."""
        event = CheckRequested(origin, self._booked_report(deployment, reads, asked), reminder)
        return self.committer.handle(deployment, event, {"reminder": reminder})


#: How many firing alerts an audit entry names (all are counted).
AUDIT_ALERTS = 1000


def _summary(flight: Flight | None) -> dict[str, object]:
    """What the audit keeps of a flight: each check's outcome, the alerts firing (the first
    :data:`AUDIT_ALERTS` by name, and how many)."""
    if flight is None:
        return {}
    checks = {o.name: "passed" if o.passed else (o.problem.text("en") if o.problem else "failed")
              for o in flight.outcomes}  # fmt: skip
    firing = [alert.name for alert in (flight.firing or ())[:AUDIT_ALERTS]]
    monitoring = flight.monitoring_problem.text("en") if flight.monitoring_problem else None
    return {"step3": {"phase": flight.phase, "checks": checks, "firing": firing,
                      "firing_count": len(flight.firing or ()),
                      "monitoring": monitoring}}  # fmt: skip
