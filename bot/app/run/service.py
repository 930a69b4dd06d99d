"""The service: one cycle is poll → route → apply → commit, then the outbox.

A cycle reads what people did in Zammad (``zammad_poll``), lets the domain decide what it means
(``bot.domain.routing``), gathers facts where a decision needs them (``requesting``), applies the
lifecycle and commits each transition with its effects, then carries the effects out. The shell
builds no effect itself. It reads without the decision lock; each decision takes it to re-read
the store, decide and commit (``Committer.deciding``). Outside errors never stop the daemon: a
failed read is retried next cycle, a failed effect stays in the outbox and is retried with
backoff; after several failures the operator is alerted.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.app.intake.gitlab_poll import HOOK_RECEIVED, GitLabPoll
from bot.app.intake.zammad_acting import ZammadActing
from bot.app.orders.committer import Committer
from bot.app.orders.jobs import JobsRunner, jobs_runner
from bot.app.orders.orders import Orders
from bot.app.orders.requesting import Requests
from bot.app.outbox.executors import Channels
from bot.app.outbox.runner import OutboxRunner
from bot.app.outside import (
    GitLabPort,
    HealthBook,
    LiveChecks,
    ZammadPort,
    ZammadReads,
    system_of,
)
from bot.app.store import LockBusyError, Store
from bot.config.models import Config
from bot.domain.booking_link import BookingLinks
from bot.domain.effects import timer_kind
from bot.domain.events import Origin
from bot.domain.lifecycle import PENDING
from bot.domain.rendering import Renderer
from bot.domain.routing import RecheckDeployment, route_timer
from integrations.gitlab import GitLabError
from integrations.zammad import ZammadError

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
        links: BookingLinks | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.zammad = zammad
        self.gitlab = gitlab
        self.channels = channels
        self.clock = clock
        self.renderer = renderer or Renderer.for_config(config)
        self.observer = observer or (lambda line: None)
        self.links = links
        self.stopping = threading.Event()
        #: Every decision's lock (a cycle's, a booking's), across processes (locks.py), taken
        #: per decision by the committer.
        self.lock = store.decision_lock()
        self.committer = Committer(config, store, self.renderer, clock=clock,
                                   observer=lambda line: self.observer(line),
                                   lock=self.lock)  # fmt: skip
        self.orders = Orders(
            config,
            store,
            self.committer,
            Requests(config, store, gitlab, clock, links, self.renderer),
            clock=clock,
            reads=self.reads,
            live=LiveChecks(channels.live),
            outside=self.lock.released,
        )
        self.leadership = store.leadership()
        self.health = HealthBook(clock)
        self.outbox = OutboxRunner(
            config,
            store.outbox,
            store.deployments,
            channels,
            self.renderer,
            clock=clock,
            stopping=self.stopping,
            observer=self.observer,
            reply=self.committer.reply,
            health=self.health,
        )
        self._nudged: set[str] = set()
        self._nudge_lock = threading.Lock()
        self.last_cycle: CycleResult | None = None
        self.last_cycle_at: datetime | None = None
        self.last_hook_at: datetime | None = None
        self.totals = dict.fromkeys(("cycles", "events", "effects_done", "effects_failed"), 0)

    @functools.cached_property
    def jobs_runner(self) -> JobsRunner | None:
        """Step 3 carried out through GitLab jobs (only with a jobs channel)."""
        port = self.channels.gitlab_jobs
        return None if port is None else jobs_runner(self.config, self.store, port, self.orders,
                                                     self.clock)  # fmt: skip

    def reads(self) -> ZammadReads:
        """A fresh per-cycle view of Zammad (each thing read at most once)."""
        return ZammadReads(self.zammad)

    # -- Zammad -------------------------------------------------------------------------------

    def poll_zammad(self, reads: ZammadReads | None = None) -> int:
        """Act on what people did in Zammad since the last cycle (``zammad_acting``)."""
        acting = ZammadActing(self.config, self.store, self.committer, self.orders, self.health,
                              reads or self.reads())  # fmt: skip
        return acting.poll()

    # -- timers, GitLab, the outbox ------------------------------------------------------------

    def fire_timers(self) -> int:
        """Fire every timer that has come due (also those that came due while stopped), each
        routed to its order (``routing.route_timer``).

        A timer whose outside reads fail (a reminder re-checks Zammad and GitLab) stays armed
        for the next cycle and holds up no other timer.
        """
        fired = 0
        for timer in self.store.timers.due(self.clock()):
            deployment = self.store.deployments.get(timer.deployment_id)
            if deployment is None:
                continue
            kind = timer_kind(timer.name)
            if kind is None:
                log.warning("timer=%s deployment=%s error=unknown timer", timer.name, deployment.id)
                continue
            try:
                self.orders.carry_out(route_timer(kind, deployment))
            except (ZammadError, GitLabError) as error:
                log.warning("timer=%s deployment=%s error=%s", timer.name, deployment.id, error)
                self.health.failed(system_of(error, "zammad"), error)
                continue
            fired += 1
        return fired

    def poll_gitlab(self, reads: ZammadReads | None = None) -> int:
        """Announce new production releases on the tickets they fix (of every project, or with
        hooks between full polls of the projects hooks announced); re-check pending requests."""
        poll = GitLabPoll(self.config, self.store, self.gitlab, self.committer, self.orders)
        with self._nudge_lock:
            changed = set(self._nudged)  # consumed by recheck_nudged, after the poll
        return poll.poll(reads or self.reads(), changed)

    def hook_delivered(self) -> None:
        """GitLab delivered a hook with the right secret: remembered, for ``doctor`` and
        ``/healthz`` (a delivery since the daemon started shows the hooks reach it)."""
        at = self.clock()
        self.last_hook_at = at
        self.store.markers.remember(HOOK_RECEIVED, at.isoformat())

    def nudge_gitlab(self, project: str) -> None:
        """GitLab said a project changed (a hook): its customers' pending requests are
        re-checked in the next GitLab cycle, which the caller wakes."""
        with self._nudge_lock:
            self._nudged.add(project)

    def recheck_nudged(self) -> int:
        """Re-check the pending requests of every customer whose project GitLab announced."""
        with self._nudge_lock:
            projects, self._nudged = self._nudged, set()
        if not projects:
            return 0
        customers = {
            customer.name
            for customer in self.config.customers
            for component in customer.components.values()
            if component.gitlab_project in projects
        }
        count = 0
        try:
            for deployment in self.store.deployments.list(states=list(PENDING)):
                if deployment.customer in customers:
                    order = RecheckDeployment(deployment.id, Origin("webhook", "gitlab"))
                    self.orders.carry_out(order)
                    count += 1
        except (GitLabError, ZammadError):
            self._nudged |= projects  # tried again next cycle: a hook is never lost
            raise
        return count

    def drain_outbox(self, *, limit: int | None = None) -> tuple[int, int]:
        """Carry out pending effects in order per deployment; returns (done, failed). Needs no
        decision lock: each effect is claimed before it is carried out."""
        return self.outbox.drain(limit=limit)

    def run_cycle(
        self, *, zammad: bool = True, timers: bool = True, gitlab: bool = True
    ) -> CycleResult:
        """One poll of what is asked (everything by default), then the outbox.

        The polls read Zammad, GitLab and the live checks without the decision lock; each
        decision takes it only to re-read the store, decide and commit (a booking page waits
        for no outside system, only for another decision's commit). The outbox is drained
        without it (its claims keep each effect to one carrier). Outside errors are logged in
        one line each and recorded in ``health``; the outbox is drained whatever else is down.
        """
        result = CycleResult()
        # Finish what a previous run left undone before reading anything new.
        result.effects_done, result.effects_failed = self.drain_outbox()
        try:
            self._cycle(result, zammad=zammad, timers=timers, gitlab=gitlab)
        except LockBusyError as error:  # the next cycle tries again what was not decided
            result.errors.append(f"cycle: {error}")
            log.warning("cycle cut short: %s", error)
            self.last_cycle = result  # said in /healthz; it does not count as a cycle run
            return result
        done, failed = self.drain_outbox()
        result.effects_done += done
        result.effects_failed += failed
        self._count(result)
        return result

    def _cycle(self, result: CycleResult, *, zammad: bool, timers: bool, gitlab: bool) -> None:
        reads = self.reads()
        steps: list[tuple[str, Callable[[], int]]] = []
        if zammad:
            steps.append(("zammad", lambda: self.poll_zammad(reads)))
        if timers:
            steps.append(("timers", self.fire_timers))
        if gitlab:
            steps.append(("gitlab", lambda: self.poll_gitlab(reads) + self.recheck_nudged()))
        if gitlab and self.jobs_runner is not None:
            steps.append(("gitlab", self.jobs_runner.advance_all))
        for name, step in steps:
            result.events += self._step(name, step, result)

    def _step(self, name: str, step: Callable[[], int], result: CycleResult) -> int:
        try:
            events = step()
        except LockBusyError:
            raise  # the lock was not got back: nothing more may be decided in this cycle
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
