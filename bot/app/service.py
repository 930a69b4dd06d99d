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
from bot.app.outbox import OutboxRunner
from bot.app.ports import GitLabPort, ZammadPort
from bot.app.requesting import Requests
from bot.app.store import Store
from bot.app.zammad_poll import ChangedTicket, ZammadPoll, acted_value
from bot.app.zammad_reads import ZammadReads
from bot.config.models import Config
from bot.domain.events import (
    EVENT_NAMES,
    DelayDue,
    Event,
    Origin,
    ScheduleRequested,
    StartRequested,
)
from bot.domain.keys import note_cause, tag_cause, ticket_scope
from bot.domain.lifecycle import apply
from bot.domain.model import Deployment, State
from bot.domain.prerequisites.checks import Report
from bot.domain.prerequisites.facts import Facts
from bot.domain.rendering import Renderer
from bot.domain.replies import not_processed, unattached
from bot.domain.routing import (
    NoteSeen,
    Recheck,
    Reply,
    Routed,
    ScheduleOrder,
    StartOrder,
    Transition,
    route_note,
    route_tags,
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
        self.outbox = OutboxRunner(
            config,
            store,
            channels,
            self.renderer,
            clock=clock,
            stopping=self.stopping,
            observer=self.observer,
            reply=self.reply,
        )
        self.lock = threading.Lock()
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
    def _marking(self, markers: dict[str, str]) -> Iterator[None]:
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
        new, effects = apply(deployment, event, now, self.config, self.renderer)
        name = EVENT_NAMES[type(event)]
        self.store.commit(
            new,
            effects,
            now=now,
            source=event.origin.source,
            actor=event.origin.actor,
            event=name,
            old_state=deployment.state,
            details=details or {},
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

    def reply(self, reply: Reply) -> None:
        """Commit an answer that changes no deployment: its audit entry and its effects."""
        self.store.record_reply(
            reply.scope,
            reply.effects,
            now=self.clock(),
            source=reply.origin.source,
            actor=reply.origin.actor,
            event=reply.event,
            details={"lines": list(reply.details)},
            seen_markers=self._take_markers(),
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
    ) -> Deployment:
        """Schedule (or reschedule) a deployment, re-checking calendar and prerequisites now."""
        _, report = self.check(deployment, reads)
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
    ) -> Deployment:
        """Start a scheduled deployment, re-checking the prerequisites unless forced."""
        report = self.check(deployment, reads)[1] if deployment.state is State.SCHEDULED else None
        return self.handle(deployment, StartRequested(origin, report, force), {"force": force})

    # -- Zammad -------------------------------------------------------------------------------

    def poll_zammad(self, reads: ZammadReads | None = None) -> int:
        """Act on what people did in Zammad since the last cycle.

        Tickets newly tagged for deployment in the same cycle are requested together, one
        request per customer, so that a deployment starts with all its tickets.
        """
        reads = reads or self.reads()
        poll = ZammadPoll(self.config, self.store, reads)
        changed = poll.changed()
        request_tag = self.config.zammad.tags.request
        tagged = [c for c in changed if c.tagged(request_tag)]
        failed = self._request_tagged(tagged, reads)
        count = len(tagged) - len(failed)
        for item in changed:
            if item.ticket.id in failed:
                continue  # read again next cycle, with its new notes
            try:
                count += self._act(item, reads, poll)
            except (ZammadError, GitLabError) as error:
                log.warning("ticket=%s error=%s", item.ticket.number, error)
                continue
            poll.handled(item)
        return count

    def _request_tagged(self, tagged: list[ChangedTicket], reads: ZammadReads) -> set[int]:
        """Request the tagged tickets, grouped by Zammad organization (one group per customer).

        Returns the ids of the tickets whose request could not be made (an outside system did
        not answer); they are read again next cycle.
        """
        groups: dict[int | None, list[ChangedTicket]] = {}
        for item in tagged:
            groups.setdefault(item.ticket.organization_id, []).append(item)
        failed: set[int] = set()
        request_tag = self.config.zammad.tags.request
        for group in groups.values():
            added = group[0].tagged(request_tag)
            assert added is not None
            origin = Origin("tag", added.by, group[0].ticket.id)
            markers = {
                ZammadPoll.tag_marker(i.ticket.id, request_tag): acted_value(added) for i in group
            }
            try:
                with self._marking(markers):
                    self.request(
                        [item.ticket for item in group],
                        origin,
                        reads,
                        cause=tag_cause(request_tag, added.at),
                    )
            except (GitLabError, ZammadError) as error:
                log.warning("tickets=%s error=%s", [i.ticket.number for i in group], error)
                failed.update(item.ticket.id for item in group)
            except Exception as error:
                for item in group:
                    cause = tag_cause(request_tag, added.at)
                    self._unexpected(item, cause, error, tag=request_tag)
        return failed

    def _act(self, item: ChangedTicket, reads: ZammadReads, poll: ZammadPoll) -> int:
        """Carry out the ticket's new commands, then its new trigger tags.

        An unexpected error in one note or tag is answered once on the ticket and recorded;
        the item counts as handled, so it never stops a cycle again. Outside systems that do
        not answer are not unexpected: the ticket is read again next cycle.
        """
        count = 0
        touched: str | None = None
        for note in item.notes:
            try:
                applied, touched = self._act_on_note(item, note, reads, touched)
                count += applied
            except (ZammadError, GitLabError):
                raise
            except Exception as error:
                self._unexpected(item, note_cause(note.article_id), error)
            poll.note_done(note.article_id)
        deployment = self.store.open_deployment_of_ticket(item.ticket.id)
        if deployment is None and touched is not None:
            deployment = self.store.deployment(touched)  # a command just ended it
        added = item.trigger_tags(self.config)
        routed_tags = route_tags(item.seen, added, deployment, self.config, self.renderer)
        # One order per tag, each remembered as soon as it is carried out; or one reply for all.
        per_tag = len(routed_tags) == len(added)
        for index, routed in enumerate(routed_tags):
            tags = added[index : index + 1] if per_tag else added
            markers = {poll.tag_marker(item.ticket.id, t.tag): acted_value(t) for t in tags}
            try:
                with self._marking(markers):
                    count += self.run(routed, item.ticket, reads, cause="")
            except (ZammadError, GitLabError):
                raise
            except Exception as error:
                for tag in tags:
                    self._unexpected(item, tag_cause(tag.tag, tag.at), error, tag=tag.tag)
                for tag in tags:
                    poll.acted_on(item.ticket.id, tag)
        return count

    def _act_on_note(
        self, item: ChangedTicket, note: NoteSeen, reads: ZammadReads, touched: str | None
    ) -> tuple[int, str | None]:
        count = 0
        deployment = self.store.open_deployment_of_ticket(item.ticket.id)
        routed_note = route_note(item.seen, note, deployment, self.config, self.renderer)
        for index, routed in enumerate(routed_note):
            marker = f"article:{note.article_id}:{index}"
            if self.store.seen_value(marker) is not None:
                continue  # carried out before a crash: never twice
            with self._marking({marker: "done"}):
                count += self.run(routed, item.ticket, reads, cause=note_cause(note.article_id))
            if isinstance(routed, ScheduleOrder | StartOrder | Transition):
                touched = routed.deployment_id
        return count, touched

    def _unexpected(
        self, item: ChangedTicket, cause: str, error: Exception, *, tag: str | None = None
    ) -> None:
        """Answer once for a note or tag that failed in a way nobody foresaw."""
        log.exception("ticket=%s cause=%s unexpected error", item.ticket.number, cause)
        deployment = self.store.open_deployment_of_ticket(item.ticket.id)
        scope = deployment.id if deployment else ticket_scope(item.ticket.id)
        text = f"{type(error).__name__}: {error}"
        origin = Origin("tag" if tag else "note", "deploybot", item.ticket.id)
        self.reply(
            not_processed(
                item.ticket.id, scope, cause, text, origin, self.config, self.renderer, tag=tag
            )
        )

    def run(self, routed: Routed, ticket: Ticket, reads: ZammadReads, *, cause: str) -> int:
        """Carry out one routed order; returns how many lifecycle events it applied."""
        if isinstance(routed, Reply):
            self.reply(routed)
            return 0
        if isinstance(routed, Recheck):
            self.request(
                [ticket], routed.origin, reads, cause=cause, environment=routed.environment
            )
            return 1
        deployment = self.store.deployment(routed.deployment_id)
        if deployment is None:
            return 0
        if isinstance(routed, ScheduleOrder):
            self.schedule(
                deployment,
                routed.origin,
                routed.start,
                duration=routed.duration,
                force=routed.force,
                reads=reads,
            )
        elif isinstance(routed, StartOrder):
            self.start(deployment, routed.origin, force=routed.force, reads=reads)
        else:
            self.handle(deployment, routed.event)
        return 1

    # -- timers, GitLab, the outbox ------------------------------------------------------------

    def fire_timers(self) -> int:
        """Fire every timer that has come due (also those that came due while stopped)."""
        fired = 0
        for timer in self.store.due_timers(self.clock()):
            deployment = self.store.deployment(timer.deployment_id)
            if deployment is None:
                continue
            self.handle(deployment, DelayDue(Origin("timer", "deploybot")), {"timer": timer.name})
            fired += 1
        return fired

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

    def drain_outbox(self, *, limit: int | None = None) -> tuple[int, int]:
        """Carry out pending effects in order per deployment; returns (done, failed)."""
        return self.outbox.drain(limit=limit)

    def run_cycle(self, *, gitlab: bool = True) -> CycleResult:
        """One poll of everything, then the outbox; outside errors are logged, not raised."""
        result = CycleResult()
        with self.lock:
            # Finish what a previous run left undone before reading anything new.
            result.effects_done, result.effects_failed = self.drain_outbox()
            reads = self.reads()
            steps: list[tuple[str, Callable[[], int]]] = [
                ("zammad", lambda: self.poll_zammad(reads)),
                ("timers", self.fire_timers),
            ]
            if gitlab:
                steps.append(("gitlab", lambda: self.poll_gitlab(reads)))
            for name, step in steps:
                try:
                    result.events += step()
                except (ZammadError, GitLabError, OSError) as error:
                    result.errors.append(f"{name}: {error}")
                    log.warning("poll=%s error=%s", name, error)
                except Exception as error:  # a bug must not stop the daemon: say it, go on
                    result.errors.append(f"{name}: {type(error).__name__}: {error}")
                    log.exception("poll=%s unexpected error", name)
            done, failed = self.drain_outbox()
            result.effects_done += done
            result.effects_failed += failed
            self._count(result)
        return result

    def _count(self, result: CycleResult) -> None:
        self.last_cycle, self.last_cycle_at = result, self.clock()
        self.totals["cycles"] += 1
        self.totals["events"] += result.events
        self.totals["effects_done"] += result.effects_done
        self.totals["effects_failed"] += result.effects_failed
