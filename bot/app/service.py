"""The service: one cycle is poll → route → apply → commit, then the outbox.

A cycle reads what people did in Zammad (``zammad_poll``), lets the domain decide what it means
(``bot.domain.routing``), gathers facts where a decision needs them (``requesting``), applies the
lifecycle and commits each transition with its effects, then carries the effects out. The shell
builds no effect itself. Outside errors never stop the daemon: a failed read is retried next
cycle, a failed effect stays in the outbox and is retried with backoff; after several failures
the operator is alerted.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.app.executors import Channels
from bot.app.gitlab_poll import GitLabPoll
from bot.app.health import HealthBook, system_of
from bot.app.leadership import Leadership
from bot.app.outbox import OutboxRunner
from bot.app.ports import GitLabPort, ZammadPort
from bot.app.requesting import Requests
from bot.app.store import Store
from bot.app.zammad_acting import Asked, ZammadActing
from bot.app.zammad_reads import ZammadReads
from bot.config.models import Config
from bot.domain.events import (
    EVENT_NAMES,
    CheckRequested,
    DelayDue,
    Event,
    Origin,
    OverdueDue,
    ScheduleRequested,
    StartRequested,
)
from bot.domain.lifecycle import PENDING, transition
from bot.domain.model import Deployment, State
from bot.domain.prerequisites.facts import Facts
from bot.domain.prerequisites.result import Report
from bot.domain.rendering import Renderer
from bot.domain.replies import gitlab_waiting, unattached
from bot.domain.routing import (
    Reply,
)
from integrations.gitlab import GitLabError
from integrations.zammad import Ticket, ZammadError

log = logging.getLogger("deploybot")

Clock = Callable[[], datetime]


@dataclass
class CycleResult:
    """What one cycle did."""

    events: int = 0
    effects_done: int = 0
    effects_failed: int = 0
    errors: list[str] = field(default_factory=list)


class Service:
    """Ties the pure core to the store and the outside systems."""

    def __init__(
        self,
        config: Config,
        store: Store,
        zammad: ZammadPort,
        gitlab: GitLabPort,
        channels: Channels,
        *,
        clock: Clock,
        renderer: Renderer | None = None,
        observer: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.zammad = zammad
        self.gitlab = gitlab
        self.channels = channels
        self.clock = clock
        self.renderer = renderer or Renderer.for_config(config)
        self.observer = observer or (lambda line: None)
        self.stopping = threading.Event()
        self.requests = Requests(config, store, gitlab, clock)
        self.leadership = Leadership(store.engine)
        self.health = HealthBook(clock)
        self.outbox = OutboxRunner(
            config,
            store,
            channels,
            self.renderer,
            clock=clock,
            stopping=self.stopping,
            observer=self.observer,
            reply=self.reply,
            health=self.health,
        )
        self.lock = threading.Lock()
        self._nudged: set[str] = set()
        self._nudge_lock = threading.Lock()
        self._markers: dict[str, str] = {}
        self.last_cycle: CycleResult | None = None
        self.last_cycle_at: datetime | None = None
        self.totals: dict[str, int] = {
            "cycles": 0,
            "events": 0,
            "effects_done": 0,
            "effects_failed": 0,
        }

    @contextlib.contextmanager
    def marking(self, markers: dict[str, str]) -> Iterator[None]:
        """Within the block, the first commit also records ``markers`` (what caused it is
        handled), in the same transaction: a crash leaves either both or neither. Markers of an
        order that committed nothing are recorded at the end; none when the order failed."""
        self._markers = dict(markers)
        try:
            yield
        except BaseException:
            self._markers = {}
            raise
        left, self._markers = self._markers, {}
        for key, value in left.items():
            self.store.remember(key, value)

    def _take_markers(self) -> dict[str, str]:
        markers, self._markers = self._markers, {}
        return markers

    def reads(self) -> ZammadReads:
        """A fresh per-cycle view of Zammad (each thing read at most once)."""
        return ZammadReads(self.zammad)

    # -- committing ---------------------------------------------------------------------------

    def handle(
        self, deployment: Deployment, event: Event, details: dict[str, Any] | None = None
    ) -> Deployment:
        """Apply an event and commit the new state with its effects (one transaction)."""
        now = self.clock()
        outcome = transition(deployment, event, now, self.config, self.renderer)
        new, effects = outcome.deployment, outcome.effects
        name = EVENT_NAMES[type(event)]
        details = dict(details or {})
        if outcome.refusal:
            details["refused"] = list(outcome.refusal)
        self.store.commit(
            new,
            effects,
            now=now,
            source=event.origin.source,
            actor=event.origin.actor,
            event=name,
            old_state=deployment.state,
            details=details,
            seen_markers=self._take_markers(),
        )
        changed = f"{deployment.state.value}->{new.state.value}"
        log.info(
            "event=%s deployment=%s state=%s source=%s actor=%s effects=%d",
            name,
            new.id,
            changed,
            event.origin.source,
            event.origin.actor,
            len(effects),
        )
        self.observer(f"{new.id}: {name} ({event.origin.source}) {changed}")
        return new

    def reply(self, reply: Reply, *, settles: bool = True) -> None:
        """Commit an answer that changes no deployment: its audit entry and its effects.

        ``settles``: the answer is what its cause asked for (so the cause is marked handled);
        an interim answer (still waiting on GitLab) leaves the cause pending.
        """
        self.store.record_reply(
            reply.scope,
            reply.effects,
            now=self.clock(),
            source=reply.origin.source,
            actor=reply.origin.actor,
            event=reply.event,
            details={"lines": list(reply.details)},
            seen_markers=self._take_markers() if settles else None,
        )
        self.observer(f"{reply.scope}: {reply.event} {'; '.join(reply.details)}".rstrip())

    # -- requests, schedules, starts ---------------------------------------------------------

    def request(
        self,
        tickets: Sequence[Ticket],
        origin: Origin,
        reads: ZammadReads,
        *,
        cause: str,
        environment: str | None = None,
    ) -> Deployment | None:
        """Open (or join, or re-check) the customer's pending deployment for tagged tickets."""
        customer = self.requests.customer_of(tickets, reads)
        deployment = self.requests.target(tickets, customer, origin)
        numbers = [t.number for t in deployment.tickets] if deployment else []
        numbers += [t.number for t in tickets if t.number not in numbers]
        if deployment is not None and deployment.tickets:
            environment = environment or deployment.environment
        facts, report = self.requests.gather(
            numbers, reads, environment=environment, deployment=deployment
        )
        if deployment is None or report.customer is None or not report.handled:
            for ticket in tickets:
                self.reply(unattached(ticket.id, cause, report, origin, self.config, self.renderer))
            return None
        return self.record_request(deployment, facts, report, origin)

    def record_request(
        self, deployment: Deployment, facts: Facts, report: Report, origin: Origin
    ) -> Deployment:
        """Apply a request to the deployment: its report, components and slot proposals."""
        event = self.requests.event(deployment, facts, report, origin)
        details = {"summary": report.summary("en"), "failed": [c.code for c in report.failed]}
        return self.handle(deployment, event, details)

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
            self.store.forget(key)
            return
        now, workflow = self.clock(), self.config.workflow
        since_text = self.store.seen_value(key)
        since = datetime.fromisoformat(since_text) if since_text else now
        if since_text is None:
            self.store.remember(key, now.isoformat())
        until = since + workflow.outage_retry_for
        if now >= until:
            return
        if now - since >= workflow.outage_patience:
            reply = gitlab_waiting(asked.ticket_id, deployment.id, asked.cause, until,
                                   asked.origin, self.config, self.renderer)  # fmt: skip
            self.reply(reply, settles=False)
        raise GitLabError(f"did not answer the re-check of {deployment.id}; trying again")

    def recheck(self, deployment: Deployment, origin: Origin) -> Deployment:
        """Gather the deployment's facts again and record the new report."""
        facts, report = self.check(deployment)
        return self.record_request(deployment, facts, report, origin)

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
    ) -> Deployment:
        """Schedule (or reschedule) a deployment, re-checking calendar and prerequisites now."""
        facts, report = self.check(deployment, reads)
        self._wait_for_gitlab(facts, deployment, asked)
        bookings = self.requests.bookings()
        event = ScheduleRequested(origin, start, duration, force, report, bookings)
        return self.handle(deployment, event, {"start": start.isoformat(), "force": force})

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
        return self.handle(deployment, StartRequested(origin, report, force), {"force": force})

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
        return self.handle(deployment, event, {"reminder": reminder})

    # -- Zammad -------------------------------------------------------------------------------

    def poll_zammad(self, reads: ZammadReads | None = None) -> int:
        """Act on what people did in Zammad since the last cycle (``zammad_acting``)."""
        return ZammadActing(self, reads or self.reads()).poll()

    # -- timers, GitLab, the outbox ------------------------------------------------------------

    def fire_timers(self) -> int:
        """Fire every timer that has come due (also those that came due while stopped).

        A timer whose outside reads fail (a reminder re-checks Zammad and GitLab) stays armed
        for the next cycle and holds up no other timer.
        """
        fired = 0
        for timer in self.store.due_timers(self.clock()):
            deployment = self.store.deployment(timer.deployment_id)
            if deployment is None:
                continue
            try:
                self._fire(timer.name, deployment)
            except (ZammadError, GitLabError) as error:
                log.warning("timer=%s deployment=%s error=%s", timer.name, deployment.id, error)
                self.health.failed(system_of(error, "zammad"), error)
                continue
            fired += 1
        return fired

    def _fire(self, name: str, deployment: Deployment) -> None:
        origin = Origin("timer", "deploybot")
        if name == "reminder":
            self.check_booked(deployment, origin, reminder=True)
        elif name == "overdue":
            self.handle(deployment, OverdueDue(origin), {"timer": name})
        else:
            self.handle(deployment, DelayDue(origin), {"timer": name})

    def poll_gitlab(self, reads: ZammadReads | None = None) -> int:
        """Announce new production releases on the tickets they fix; re-check pending requests."""
        reads = reads or self.reads()

        def request(ticket: Ticket, origin: Origin, cause: str) -> object:
            return self.request([ticket], origin, reads, cause=cause)

        poll = GitLabPoll(
            self.config,
            self.store,
            self.gitlab,
            self.renderer,
            clock=self.clock,
            reply=self.reply,
            request=request,
            recheck=self.recheck,
        )
        return poll.poll(reads)

    def nudge_gitlab(self, project: str) -> None:
        """GitLab said a project changed (a hook): its customers' pending requests are
        re-checked in the next GitLab cycle, which the caller wakes."""
        with self._nudge_lock:
            self._nudged.add(project)

    def recheck_nudged(self) -> int:
        """Re-check the pending requests of every customer whose project GitLab announced."""
        with self._nudge_lock:
            projects, self._nudged = self._nudged, set()
        customers = {
            customer.name
            for customer in self.config.customers
            for component in customer.components.values()
            if component.gitlab_project in projects
        }
        count = 0
        try:
            for deployment in self.store.deployments(states=list(PENDING)):
                if deployment.customer in customers:
                    self.recheck(deployment, Origin("webhook", "gitlab"))
                    count += 1
        except (GitLabError, ZammadError):
            self._nudged |= projects  # tried again next cycle: a hook is never lost
            raise
        return count

    def drain_outbox(self, *, limit: int | None = None) -> tuple[int, int]:
        """Carry out pending effects in order per deployment; returns (done, failed)."""
        return self.outbox.drain(limit=limit)

    def run_cycle(
        self, *, zammad: bool = True, timers: bool = True, gitlab: bool = True
    ) -> CycleResult:
        """One poll of what is asked (everything by default), then the outbox.

        Outside errors are logged in one line each and recorded in ``health``; the outbox is
        drained whatever else is down.
        """
        result = CycleResult()
        with self.lock:
            # Finish what a previous run left undone before reading anything new.
            result.effects_done, result.effects_failed = self.drain_outbox()
            reads = self.reads()
            steps: list[tuple[str, Callable[[], int]]] = []
            if zammad:
                steps.append(("zammad", lambda: self.poll_zammad(reads)))
            if timers:
                steps.append(("timers", self.fire_timers))
            if gitlab:
                steps.append(("gitlab", lambda: self.poll_gitlab(reads) + self.recheck_nudged()))
            for name, step in steps:
                result.events += self._step(name, step, result)
            done, failed = self.drain_outbox()
            result.effects_done += done
            result.effects_failed += failed
            self._count(result)
        return result

    def _step(self, name: str, step: Callable[[], int], result: CycleResult) -> int:
        try:
            events = step()
        except (ZammadError, GitLabError, OSError) as error:
            result.errors.append(f"{name}: {error}")
            self.health.failed(system_of(error, name), error)
            log.warning("poll=%s error=%s", name, error)
            return 0
        except Exception as error:  # a bug must not stop the daemon: say it, go on
            result.errors.append(f"{name}: {type(error).__name__}: {error}")
            log.exception("poll=%s unexpected error", name)
            return 0
        if name in self.health.systems:
            self.health.succeeded(name)
        return events

    def _count(self, result: CycleResult) -> None:
        self.last_cycle, self.last_cycle_at = result, self.clock()
        self.totals["cycles"] += 1
        self.totals["events"] += result.events
        self.totals["effects_done"] += result.effects_done
        self.totals["effects_failed"] += result.effects_failed
