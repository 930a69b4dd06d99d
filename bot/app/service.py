"""The service: one poll cycle (Zammad, GitLab, timers, outbox) and the daemon around it.

A cycle reads what people did in Zammad (tags and ``/deploy`` notes), turns it into lifecycle
events, commits each transition with its effects, then carries the effects out. Outside errors
never stop the daemon: a failed read is retried next cycle, a failed effect stays in the outbox
and is retried with backoff; after several failures the operator is alerted.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.app.executors import Channels
from bot.app.gather import DeploymentRequest, FactGatherer
from bot.app.outbox import OutboxRunner
from bot.app.store import Store
from bot.config.models import Config, Customer
from bot.domain.calendar.rules import Booking, Slot, propose_slots, rules_for
from bot.domain.commands import Command, CommandError, find_commands, help_text, parse_command
from bot.domain.effects import PostNote, SetTags
from bot.domain.lifecycle import (
    EVENT_NAMES,
    PENDING,
    RUNNING,
    CancelRequested,
    DelayDue,
    DelayRequested,
    DetailsChanged,
    DoneRequested,
    Event,
    Origin,
    Requested,
    RollbackRequested,
    ScheduleRequested,
    StartRequested,
    apply,
    new_deployment,
)
from bot.domain.model import ComponentVersion, Deployment, State, TicketRef
from bot.domain.prerequisites.checks import Facts, Report, check_prerequisites, rollback_target
from bot.domain.rendering import Renderer
from integrations.gitlab import GitLabClient, GitLabError
from integrations.zammad import Article, Ticket, ZammadClient, ZammadError

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
        zammad: ZammadClient,
        gitlab: GitLabClient,
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
        self.outbox = OutboxRunner(
            config,
            store,
            channels,
            self.renderer,
            clock=clock,
            stopping=self.stopping,
            observer=self.observer,
        )
        self.lock = threading.Lock()
        self.last_cycle: CycleResult | None = None
        self.last_cycle_at: datetime | None = None
        self.totals: dict[str, int] = {
            "cycles": 0,
            "events": 0,
            "effects_done": 0,
            "effects_failed": 0,
        }

    # -- events -----------------------------------------------------------------------------

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

    def _bookings(self) -> tuple[Booking, ...]:
        active = self.store.deployments(states=[State.SCHEDULED, *RUNNING])
        return tuple(
            Booking(d.id, d.customer, d.planned_start, d.planned_start + d.duration)
            for d in active
            if d.planned_start is not None
        )

    def _gather(
        self,
        request: DeploymentRequest,
        customer: str | None = None,
        gatherer: FactGatherer | None = None,
    ) -> Facts:
        deployed = self._deployed_versions(customer) if customer else {}
        gatherer = gatherer or FactGatherer(self.config, self.zammad, self.gitlab)
        return gatherer.gather(request, deployed_versions=deployed)

    def _deployed_versions(self, customer: str) -> dict[str, str]:
        versions: dict[str, str] = {}
        for done in self.store.deployments(customer=customer, states=[State.COMPLETED]):
            for component in done.components:
                versions[component.name] = component.version
        return versions

    def check(self, deployment: Deployment) -> tuple[Facts, Report]:
        """The facts and prerequisite report of a deployment, gathered now."""
        request = DeploymentRequest(
            tuple(t.number for t in deployment.tickets),
            deployment.environment,
            tuple((c.name, c.version) for c in deployment.components) or None,
            customer=deployment.customer,
            asserted_tags=deployment.asserted_tags,
            rollback_plan=deployment.rollback_plan or None,
        )
        facts = self._gather(request, deployment.customer)
        return facts, check_prerequisites(facts, self.config)

    def request(
        self, tickets: Sequence[Ticket], origin: Origin, *, environment: str | None = None
    ) -> Deployment | None:
        """Open (or join, or re-check) the customer's pending deployment for tagged tickets."""
        existing = None
        for ticket in tickets:
            existing = existing or self.store.open_deployment_of_ticket(ticket.id)
        numbers = [t.number for t in existing.tickets] if existing else []
        numbers += [t.number for t in tickets if t.number not in numbers]
        env = environment or (existing.environment if existing else None)
        # One gatherer for the request: a second gather (joining a pending deployment) reuses
        # the component versions and organizations it already looked up.
        gatherer = FactGatherer(self.config, self.zammad, self.gitlab)
        facts = self._gather(DeploymentRequest(tuple(numbers), env), gatherer=gatherer)
        report = check_prerequisites(facts, self.config)
        if report.customer is None or not report.handled:
            for ticket in tickets:
                self._answer_unattached(ticket, report)
            return None
        customer = self.config.customer(report.customer)
        # Rollback targets come from what deploybot deployed last for this customer.
        facts = replace(facts, deployed_versions=self._deployed_versions(customer.name))
        report = check_prerequisites(facts, self.config)
        if existing is None or existing.customer != customer.name:
            existing = self._pending_of(customer) or new_deployment(
                self.store.next_deployment_id(customer.name, self.clock().year),
                customer.name,
                report.environment or customer.default_environment.name,
                self.clock(),
                requested_by=origin.actor,
            )
            missing = [n for n in numbers if n not in {t.number for t in existing.tickets}]
            if existing.tickets and missing:
                numbers = [*[t.number for t in existing.tickets], *missing]
                request = DeploymentRequest(tuple(numbers), env)
                facts = self._gather(request, customer.name, gatherer)
                report = check_prerequisites(facts, self.config)
        return self.record_request(existing, facts, report, customer, origin)

    def _answer_unattached(self, ticket: Ticket, report: Report) -> None:
        """No deployment to attach the ticket to: answer on it and consume the tag."""
        number = self.store.next_number(f"ticket-{ticket.id}/request")
        key_base = f"ticket-{ticket.id}/request/{number}"
        note = self.renderer.prerequisites_note(report, self.config)
        tags = self.config.zammad.tags
        self.store.enqueue(
            f"ticket-{ticket.id}",
            [
                PostNote(f"{key_base}/0", ticket.id, note),
                SetTags(f"{key_base}/1", ticket.id, remove=(tags.request,)),
            ],
            self.clock(),
        )
        self.observer(f"ticket {ticket.number}: {report.summary(self.config.provider.language)}")

    def _pending_of(self, customer: Customer) -> Deployment | None:
        pending = self.store.deployments(customer=customer.name, states=list(PENDING))
        return pending[-1] if pending else None

    def record_request(
        self,
        deployment: Deployment,
        facts: Facts,
        report: Report,
        customer: Customer,
        origin: Origin,
    ) -> Deployment:
        """Apply the request to the deployment: its report, components and slot proposals."""
        components = tuple(
            ComponentVersion(c.component, c.tag or c.version, rollback_target(c, facts))
            for c in facts.components
        )
        tickets = tuple(TicketRef(t.number, t.title, t.id) for t in facts.tickets)
        proposals: tuple[Slot, ...] = ()
        if report.ready:
            duration = deployment.duration if deployment.planned_start else None
            plan = propose_slots(
                rules_for(self.config, customer),
                now=self.clock(),
                duration=duration or customer.default_duration,
                count=self.config.workflow.proposals,
                bookings=self._bookings(),
            )
            proposals = plan.slots
        event = Requested(
            origin,
            report,
            tickets,
            components,
            report.environment or deployment.environment,
            proposals,
        )
        unanswered = bool(facts.component_problems) or any(c.errors for c in facts.components)
        details = {
            "summary": report.summary("en"),
            "failed": [c.code for c in report.failed],
            "gitlab_unanswered": unanswered,
        }
        return self.handle(deployment, event, details)

    def schedule(
        self,
        deployment: Deployment,
        origin: Origin,
        start: datetime,
        *,
        duration: Any = None,
        force: str | None = None,
    ) -> Deployment:
        """Schedule (or reschedule) a deployment, re-checking calendar and prerequisites now."""
        _, report = self.check(deployment)
        event = ScheduleRequested(origin, start, duration, force, report, self._bookings())
        return self.handle(deployment, event, {"start": start.isoformat(), "force": force})

    def start(
        self, deployment: Deployment, origin: Origin, *, force: str | None = None
    ) -> Deployment:
        """Start a scheduled deployment, re-checking the prerequisites unless forced."""
        report = self.check(deployment)[1] if deployment.state is State.SCHEDULED else None
        return self.handle(deployment, StartRequested(origin, report, force), {"force": force})

    # -- Zammad -------------------------------------------------------------------------------

    def _watched_tags(self) -> list[str]:
        tags = self.config.zammad.tags
        return [*tags.triggers, *tags.statuses]

    def poll_zammad(self) -> int:
        """Read the tickets in the workflow whose ``updated_at`` moved and act on them.

        Tickets newly tagged for deployment in the same cycle are requested together, one
        request per customer, so that a deployment starts with all its tickets.
        """
        changed: list[tuple[Ticket, str, list[Article], list[str]]] = []
        found = sorted(self.zammad.find_tickets_with_tags(self._watched_tags()), key=lambda t: t.id)
        for summary in found:
            marker = f"ticket:{summary.id}:updated_at"
            stamp = summary.updated_at.isoformat() if summary.updated_at else ""
            known = self.store.seen_value(marker)
            if known == stamp and stamp:
                continue
            try:
                ticket = self.zammad.ticket(summary.id)
                articles = self._fresh_articles(ticket, first_sight=known is None)
            except ZammadError as error:
                log.warning("ticket=%s error=%s", summary.number, error)
                continue  # read again next cycle: the marker is not updated
            changed.append((ticket, stamp, articles, self._fresh_tags(ticket)))
        request = self.config.zammad.tags.request
        tagged = [ticket for ticket, _, _, fresh in changed if request in fresh]
        failed = self._request_tagged(tagged)
        count = len(tagged) - len(failed)
        for ticket in tagged:
            if ticket.id not in failed:
                self._acted_on(ticket, request)
        for ticket, stamp, articles, fresh in changed:
            if ticket.id in failed:
                continue  # read again next cycle, with its new notes
            try:
                for article in articles:
                    count += self._process_article(ticket, article)
                    self.store.remember(f"article:{article.id}", "done")
                count += self._process_trigger_tags(ticket, fresh)
            except (ZammadError, GitLabError) as error:
                log.warning("ticket=%s error=%s", ticket.number, error)
                continue
            self.store.remember(f"ticket:{ticket.id}:updated_at", stamp)
        return count

    def _fresh_articles(self, ticket: Ticket, *, first_sight: bool) -> list[Article]:
        articles = self.zammad.articles(ticket.id)
        fresh = [a for a in articles if self.store.seen_value(f"article:{a.id}") is None]
        if first_sight:
            # Commands written before deploybot watched the ticket are history, not orders.
            for article in fresh:
                self.store.remember(f"article:{article.id}", "history")
            return []
        return fresh

    def _request_tagged(self, tickets: list[Ticket]) -> set[int]:
        """Request the tagged tickets, grouped by Zammad organization (one group per customer).

        Returns the ids of the tickets whose request could not be made (an outside system did
        not answer); they are read again next cycle.
        """
        groups: dict[int | None, list[Ticket]] = {}
        for ticket in tickets:
            groups.setdefault(ticket.organization_id, []).append(ticket)
        failed: set[int] = set()
        for group in groups.values():
            request = self.config.zammad.tags.request
            origin = Origin("tag", self._tagged_by(group[0], request), group[0].id)
            try:
                self.request(group, origin)
            except (GitLabError, ZammadError) as error:
                log.warning("tickets=%s error=%s", [t.number for t in group], error)
                failed.update(ticket.id for ticket in group)
        return failed

    def _is_command_note(self, article: Article) -> bool:
        return (
            article.internal
            and (article.sender or "Agent") == "Agent"
            and "deploybot ref " not in article.body
        )

    def _process_article(self, ticket: Ticket, article: Article) -> int:
        if not self._is_command_note(article):
            return 0
        count = 0
        origin = Origin("note", self._author(article), ticket.id)
        for raw in find_commands(article.body):
            try:
                command = parse_command(raw, self.config.provider.tz)
            except CommandError as error:
                self._reply_error(ticket, article, raw.line, str(error), error.usage)
                continue
            count += self._run_command(ticket, article, command, origin)
        return count

    def _reply_error(
        self, ticket: Ticket, article: Article, line: str, problem: str, usage: str
    ) -> None:
        html = self.renderer.note(
            "command_error", self.config, command=line, problem=problem, usage=usage
        )
        key = f"article-{article.id}/error/{_digest(line)}"
        self.store.enqueue(f"ticket-{ticket.id}", [PostNote(key, ticket.id, html)], self.clock())
        self.observer(f"ticket {ticket.number}: command refused: {line} ({problem})")

    def _run_command(
        self, ticket: Ticket, article: Article, command: Command, origin: Origin
    ) -> int:
        deployment = self.store.open_deployment_of_ticket(ticket.id)
        if command.name == "help":
            html = self.renderer.note("status", self.config, event="help", details=help_text())
            self.store.enqueue(
                f"ticket-{ticket.id}",
                [PostNote(f"article-{article.id}/help", ticket.id, html)],
                self.clock(),
            )
            return 0
        if deployment is None:
            self._reply_error(
                ticket,
                article,
                command.line,
                "this ticket has no open deployment: tag it 'deploy' first",
                "/deploy help",
            )
            return 0
        if command.name in ("components", "env", "rollback-plan"):
            if command.name == "rollback-plan":
                deployment = self.handle(
                    deployment, DetailsChanged(origin, rollback_plan=command.text)
                )
            if deployment.state in PENDING:
                env = command.text if command.name == "env" else None
                self.request([ticket], origin, environment=env)
            return 1
        if command.name == "restart":
            self.handle(deployment, DetailsChanged(origin, restarts=command.text))
        elif command.name == "schedule" and command.start is not None:
            self.schedule(
                deployment, origin, command.start, duration=command.duration, force=command.force
            )
        elif command.name == "delay":
            self.handle(deployment, DelayRequested(origin, command.duration))
        elif command.name == "rollback":
            self.handle(deployment, RollbackRequested(origin, command.text))
        elif command.name == "cancel":
            self.handle(deployment, CancelRequested(origin, command.text))
        return 1

    def _fresh_tags(self, ticket: Ticket) -> list[str]:
        """Trigger tags added since deploybot last acted on them.

        A tag deploybot acted on is remembered until it is gone from the ticket, so a tag whose
        removal is still waiting in the outbox (Zammad down, say) is not acted on twice, and a
        person adding it again later is a new order.
        """
        present = set(ticket.tags)
        fresh = []
        for tag in self.config.zammad.tags.triggers:
            key = f"tag:{ticket.id}:{tag}"
            acted = self.store.seen_value(key) is not None
            if tag in present and not acted:
                fresh.append(tag)
            elif tag not in present and acted:
                self.store.forget(key)
        return fresh

    def _author(self, article: Article) -> str:
        """The display name of who wrote a note (for the audit trail)."""
        if article.created_by_id is not None:
            try:
                return self.zammad.user(article.created_by_id).display_name
            except ZammadError:
                pass
        return article.created_by or "agent"

    def _tagged_by(self, ticket: Ticket, tag: str) -> str:
        """Who added the tag, from the ticket's history (for the audit trail)."""
        try:
            changes = self.zammad.tag_history(ticket.id)
        except ZammadError:
            return "zammad"
        authors = [c.by for c in changes if c.added and c.tag == tag and c.by]
        return authors[-1] if authors else "zammad"

    def _acted_on(self, ticket: Ticket, tag: str) -> None:
        self.store.remember(f"tag:{ticket.id}:{tag}", self.clock().isoformat())

    def _process_trigger_tags(self, ticket: Ticket, fresh: list[str]) -> int:
        tags = self.config.zammad.tags
        fresh = [tag for tag in fresh if tag != tags.request]
        if not fresh:
            return 0
        deployment = self.store.open_deployment_of_ticket(ticket.id)
        if deployment is None:
            self._reply_error(
                ticket,
                _pseudo_article(ticket),
                ", ".join(fresh),
                "this ticket has no open deployment: tag it 'deploy' first",
                "deploy",
            )
            number = self.store.next_number(f"ticket-{ticket.id}/stray")
            cleanup = SetTags(f"ticket-{ticket.id}/stray/{number}", ticket.id, remove=tuple(fresh))
            self.store.enqueue(f"ticket-{ticket.id}", [cleanup], self.clock())
            for tag in fresh:
                self._acted_on(ticket, tag)
            return 0
        count = 0
        for tag in fresh:
            origin = Origin("tag", self._tagged_by(ticket, tag), ticket.id)
            deployment = self._on_tag(ticket, deployment, tag, origin)
            self._acted_on(ticket, tag)
            count += 1
        return count

    def _on_tag(
        self, ticket: Ticket, deployment: Deployment, tag: str, origin: Origin
    ) -> Deployment:
        tags = self.config.zammad.tags
        if tag.startswith(tags.slot_prefix):
            number = int(tag.removeprefix(tags.slot_prefix))
            if 1 <= number <= len(deployment.proposals):
                return self.schedule(deployment, origin, deployment.proposals[number - 1])
            self._reply_error(
                ticket,
                _pseudo_article(ticket),
                tag,
                f"there is no proposal {number} for {deployment.id}",
                "/deploy schedule 2026-12-01 09:30",
            )
            cleanup = SetTags(
                f"{deployment.id}/{tag}/{deployment.revision}", ticket.id, remove=(tag,)
            )
            self.store.enqueue(deployment.id, [cleanup], self.clock())
            return deployment
        if tag == tags.start:
            return self.start(deployment, origin)
        if tag == tags.delay:
            return self.handle(deployment, DelayRequested(origin))
        already = {tags.rollback: State.ROLLED_BACK, tags.cancel: State.CANCELLED}.get(tag)
        if already is not None and deployment.state is already:
            # The matching note command was just carried out: the tag only needs consuming.
            cleanup = SetTags(
                f"{deployment.id}/{tag}/{deployment.revision}", ticket.id, remove=(tag,)
            )
            self.store.enqueue(deployment.id, [cleanup], self.clock())
            return deployment
        if tag == tags.rollback:
            return self.handle(deployment, RollbackRequested(origin))
        if tag == tags.done:
            return self.handle(deployment, DoneRequested(origin))
        return self.handle(deployment, CancelRequested(origin))

    # -- timers and GitLab ----------------------------------------------------------------------

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

    def poll_gitlab(self) -> int:
        """Announce new production releases on the tickets they fix; re-check pending requests."""
        now = self.clock()
        since_text = self.store.seen_value("gitlab:since")
        if since_text is None:
            self.store.remember("gitlab:since", now.isoformat())
            return 0  # first run: only releases from now on are news
        since = datetime.fromisoformat(since_text)
        announced = 0
        for customer in self.config.customers:
            if customer.managed_by == "partner_exclusive":
                continue
            for name, component in customer.components.items():
                for release in self.gitlab.releases_since([component.gitlab_project], since):
                    announced += self._announce(
                        customer, name, component.gitlab_project, release.tag_name
                    )
        announced += self._recheck_after_gitlab_outage()
        # Only once every project was read: after an error the same window is read again
        # (announcements are keyed, so none is posted twice).
        self.store.remember("gitlab:since", now.isoformat())
        return announced

    def _recheck_after_gitlab_outage(self) -> int:
        """Re-check blocked deployments whose last report lacked GitLab's answers."""
        count = 0
        for deployment in self.store.deployments(states=[State.BLOCKED]):
            trail = self.store.audit_trail(deployment.id)
            if not trail or not trail[-1].details.get("gitlab_unanswered"):
                continue
            facts, report = self.check(deployment)
            customer = self.config.customer(deployment.customer)
            self.record_request(deployment, facts, report, customer, Origin("gitlab", "gitlab"))
            count += 1
        return count

    def _announce(self, customer: Customer, name: str, project: str, tag: str) -> int:
        count = 0
        for reference in self.gitlab.ticket_references(project, tag):
            ticket = self.zammad.ticket_by_number(reference)
            if ticket is None:
                continue
            html = self.renderer.note(
                "status", self.config, event="released", message=f"{name} {tag}"
            )
            key = f"release/{project.replace('/', ':')}/{tag}/{ticket.id}"
            self.store.enqueue(
                f"ticket-{ticket.id}", [PostNote(key, ticket.id, html)], self.clock()
            )
            count += 1
            pending = self._pending_of(customer)
            if pending is not None and ticket.id in {t.id for t in pending.tickets}:
                self.request([ticket], Origin("gitlab", "gitlab", ticket.id))
        return count

    # -- the outbox -----------------------------------------------------------------------------

    def drain_outbox(self, *, limit: int | None = None) -> tuple[int, int]:
        """Carry out pending effects in order per deployment; returns (done, failed)."""
        return self.outbox.drain(limit=limit)

    # -- the cycle --------------------------------------------------------------------------------

    def run_cycle(self, *, gitlab: bool = True) -> CycleResult:
        """One poll of everything, then the outbox; outside errors are logged, not raised."""
        result = CycleResult()
        with self.lock:
            # Finish what a previous run left undone before reading anything new.
            result.effects_done, result.effects_failed = self.drain_outbox()
            for name, step in (
                ("zammad", self.poll_zammad),
                ("timers", self.fire_timers),
                ("gitlab", self.poll_gitlab if gitlab else lambda: 0),
            ):
                try:
                    result.events += step()
                except (ZammadError, GitLabError, OSError) as error:
                    result.errors.append(f"{name}: {error}")
                    log.warning("poll=%s error=%s", name, error)
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


def _digest(text: str) -> str:
    """A short stable digest (Python's ``hash`` changes from one process to the next)."""
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _pseudo_article(ticket: Ticket) -> Article:
    """Stands for "the ticket's tags" where an answer is keyed by an article."""
    return Article(
        id=-ticket.id,
        ticket_id=ticket.id,
        body="",
        content_type="text/html",
        internal=True,
        type="note",
        sender="Agent",
        subject=None,
        created_by_id=None,
        created_by=None,
        created_at=ticket.updated_at,
    )
