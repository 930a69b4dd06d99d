"""Requests: tickets tagged for deployment become (or join) the customer's pending deployment,
with its facts gathered once and its prerequisites checked once.

The order matters for cost: the customer is known from the tagged tickets alone (their
organization), so the deployment to join is found before any GitLab question is asked, and the
facts of the whole request — its earlier tickets and every component — are gathered in one pass
that reuses what this cycle already read from Zammad.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.app.orders.gather import DeploymentRequest, FactGatherer
from bot.app.outside import GitLabPort, ZammadReads
from bot.app.store import Store
from bot.config.models import Config
from bot.domain.booking_link import BookingLinks
from bot.domain.calendar.rules import Booking
from bot.domain.events import Origin, Requested
from bot.domain.lifecycle import PENDING, new_deployment
from bot.domain.model import Deployment
from bot.domain.prerequisites.checks import check_prerequisites, match_customer
from bot.domain.prerequisites.facts import CustomerMatch, Facts
from bot.domain.prerequisites.result import Report
from bot.domain.rendering import Renderer
from bot.domain.replies import unattached
from bot.domain.request_plan import plan_request, requested
from bot.domain.routing import MailedRequest, Reply
from integrations.zammad import Ticket


@dataclass(frozen=True)
class Opened:
    """A request ready to decide: the deployment it opens, joins or re-checks (as read), the
    facts gathered for it and the prerequisite report they give, who asked. Its event
    (:meth:`Requests.event`) is planned when it is decided, on the slots held then."""

    deployment: Deployment
    facts: Facts
    report: Report
    origin: Origin


class Requests:
    """Opens, joins and re-checks pending deployments."""

    def __init__(
        self,
        config: Config,
        store: Store,
        gitlab: GitLabPort,
        clock: Callable[[], datetime],
        links: BookingLinks | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.gitlab = gitlab
        self.clock = clock
        self.links = links
        self.renderer = renderer or Renderer.for_config(config)
        self._last: FactGatherer | None = None

    def open(
        self,
        tickets: Sequence[Ticket],
        origin: Origin,
        reads: ZammadReads,
        *,
        cause: str,
        environment: str | None = None,
    ) -> Opened | list[Reply]:
        """The request of tickets tagged for deployment, in one call: the deployment it opens,
        joins or re-checks with its event, or — no handled customer — the replies that say why
        (each ticket's request tag comes off). The customer is matched once, from the tagged
        tickets, and travels in the facts."""
        matched = self.match(tickets, reads)
        deployment = self.target(tickets, matched, origin)
        numbers = [t.number for t in deployment.tickets] if deployment else []
        numbers += [t.number for t in tickets if t.number not in numbers]
        if deployment is not None and deployment.tickets:
            environment = environment or deployment.environment
        facts, report = self.gather(
            numbers, reads, environment=environment, deployment=deployment, matched=matched
        )
        if deployment is None or report.customer is None or not report.handled:
            return [unattached(ticket.id, cause, report, origin, self.config, self.renderer)
                    for ticket in tickets]  # fmt: skip
        return self.opened(deployment, facts, report, origin)

    def open_mailed(self, order: MailedRequest, reads: ZammadReads) -> Opened:
        """A deployment requested by email (no ticket): opened with what the order says, its
        components checked as given."""
        customer = self.config.customer(order.customer)
        now = self.clock()
        deployment = replace(
            new_deployment(
                self.store.deployments.next_id(customer.name, now.year),
                customer.name,
                order.environment or customer.default_environment.name,
                now,
                requested_by=order.requested_by,
            ),
            email_requesters=order.requesters,
            email_thread=order.thread,
            description=order.description,
            asserted_tags=order.asserted_tags,
            rollback_plan=order.rollback_plan,
            components=order.components,
        )
        facts, report = self.gather(
            [], reads, environment=deployment.environment, deployment=deployment,
            keep_components=True,
        )  # fmt: skip
        return self.opened(deployment, facts, report, order.origin)

    def opened(
        self, deployment: Deployment, facts: Facts, report: Report, origin: Origin
    ) -> Opened:
        """The request of ``deployment``, ready to decide."""
        return Opened(deployment, facts, report, origin)

    def bookings(self) -> tuple[Booking, ...]:
        """Every slot held (booked, or chosen by a customer and waiting for the team), for
        conflicts and proposals."""
        return self.store.deployments.held()

    def _gatherer(self, reads: ZammadReads) -> FactGatherer:
        """The gatherer of ``reads`` (one per cycle's view of Zammad): a request's tickets are
        read into facts once, for its customer and for its report."""
        if self._last is None or self._last.zammad is not reads:
            self._last = FactGatherer(self.config, reads, self.gitlab)
        return self._last

    def deployed_versions(self, customer: str) -> dict[str, str]:
        """What deploybot last deployed of each component for the customer (rollback targets)."""
        return self.store.reports.deployed_versions(customer)

    def match(self, tickets: Sequence[Ticket], reads: ZammadReads) -> CustomerMatch:
        """The customer the tagged tickets belong to, from their organizations: the one match
        of a request (its facts carry it from then on)."""
        gatherer = self._gatherer(reads)
        return match_customer([gatherer.ticket_facts(t)[0] for t in tickets], self.config)

    def target(
        self, tickets: Sequence[Ticket], matched: CustomerMatch, origin: Origin
    ) -> Deployment | None:
        """The deployment the tickets go into: the open one of any of them, else the
        customer's pending one, else a new one (None when there is no handled customer)."""
        customer = matched.customer
        for ticket in tickets:
            existing = self.store.deployments.open_with_ticket(ticket.id)
            if existing is not None and (customer is None or existing.customer == customer.name):
                return existing
        if customer is None or customer.managed_by == "partner_exclusive":
            return None
        pending = self.store.deployments.list(customer=customer.name, states=list(PENDING))
        if pending:
            return pending[-1]
        now = self.clock()
        return new_deployment(
            self.store.deployments.next_id(customer.name, now.year),
            customer.name,
            customer.default_environment.name,
            now,
            requested_by=origin.actor,
        )

    def gather(
        self,
        numbers: Sequence[str],
        reads: ZammadReads,
        *,
        environment: str | None = None,
        deployment: Deployment | None = None,
        keep_components: bool = False,
        matched: CustomerMatch | None = None,
    ) -> tuple[Facts, Report]:
        """The facts and report of a request, gathered once.

        ``keep_components``: re-check the deployment's components as they are (a schedule or a
        start); otherwise they come again from the notes or the GitLab releases (a request).
        """
        kept = deployment.components if deployment is not None and keep_components else ()
        request = DeploymentRequest(
            tuple(numbers),
            environment,
            tuple((c.name, c.version) for c in kept) or None,
            customer=deployment.customer if deployment else None,
            asserted_tags=deployment.asserted_tags if deployment else (),
            rollback_plan=(deployment.rollback_plan or None) if deployment else None,
            matched=matched,
        )
        deployed = self.deployed_versions(deployment.customer) if deployment else {}
        facts = self._gatherer(reads).gather(request, deployed_versions=deployed)
        return facts, check_prerequisites(facts, self.config)

    def event(
        self,
        deployment: Deployment,
        facts: Facts,
        report: Report,
        origin: Origin,
        bookings: Sequence[Booking] | None = None,
    ) -> Requested:
        """The request as an event, planned by the domain from its facts and the slots held
        (``bookings``, as the decision read them; read now by default)."""
        held = self.bookings() if bookings is None else tuple(bookings)
        plan = plan_request(facts, report, deployment, self.config, now=self.clock(), bookings=held)
        return requested(plan, facts, report, deployment, origin, self.links)
