"""Watching GitLab: new production releases are announced on the tickets they fix (and re-check
the pending deployment those tickets are in); deployments blocked because GitLab did not answer
are re-checked once it answers."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.app.orders import Committer, Orders
from bot.app.outside import GitLabPort, ZammadReads
from bot.app.store import Store
from bot.config.models import Config, Customer
from bot.domain.events import Origin
from bot.domain.gitlab_watch import full_poll_due
from bot.domain.keys import release_cause, ticket_scope
from bot.domain.lifecycle import PENDING
from bot.domain.model import State
from bot.domain.replies import route_release
from bot.domain.routing import RecheckDeployment

#: The store's markers: when GitLab last delivered a hook, when the daemon last started.
HOOK_RECEIVED = "gitlab:hook_received"
DAEMON_STARTED = "daemon:started"


class GitLabPoll:
    """One look at GitLab: its orders carried out and committed as Zammad's are."""

    def __init__(
        self,
        config: Config,
        store: Store,
        gitlab: GitLabPort,
        committer: Committer,
        orders: Orders,
    ) -> None:
        self.config = config
        self.store = store
        self.gitlab = gitlab
        self.committer = committer
        self.orders = orders

    def poll(self, reads: ZammadReads, changed: Collection[str] = ()) -> int:
        """Announce the releases published since the last full poll: of every project when a
        full poll is due (every cycle, or with hooks every ``safety_poll_seconds``), else of the
        projects whose hooks said they ``changed``; re-check what waited on GitLab.

        The window moves on only once every project was read: after an error the same window
        is read again (announcements are keyed, so none is posted twice). The projects are read
        without the decision lock; the announcements and re-checks are decided under it.
        """
        now = self.committer.clock()
        since_text = self.store.markers.get("gitlab:since")
        if since_text is None:
            self.store.markers.remember("gitlab:since", now.isoformat())
            return 0  # first run: only releases from now on are news
        since = datetime.fromisoformat(since_text)
        if not full_poll_due(self.config.gitlab, since, now):
            # Between full polls the hooks say what changed; the window stays where it is (the
            # next full poll reads these again: their announcements are keyed, posted once).
            return self._announce_since(reads, since, set(changed)) + self._recheck_blocked()
        announced = self._announce_since(reads, since)
        announced += self._recheck_blocked()
        self.store.markers.remember("gitlab:since", now.isoformat())
        return announced

    def _announce_since(
        self, reads: ZammadReads, since: datetime, only: set[str] | None = None
    ) -> int:
        if only is not None and not only:
            return 0  # no hook since: nothing to look at, whatever the customers
        watched = [
            (customer, name, component.gitlab_project)
            for customer in self.config.customers
            if customer.managed_by != "partner_exclusive"
            for name, component in customer.components.items()
            if only is None or component.gitlab_project in only
        ]
        if not watched:
            return 0
        # Read in parallel (``gitlab.concurrency``), with the decision lock given up (a booking
        # is decided meanwhile); announced under it, in the configuration's order. A release
        # read before a booking is still news after it: announcements are keyed.
        with self.orders.outside():
            news = self.gitlab.releases_since_each([project for _, _, project in watched], since)
        announced = 0
        for customer, name, project in watched:
            for release in news[project]:
                announced += self._announce(reads, customer, name, project, release.tag_name)
        return announced

    def _announce(
        self, reads: ZammadReads, customer: Customer, name: str, project: str, tag: str
    ) -> int:
        count = 0
        pending = self.store.deployments.list(customer=customer.name, states=list(PENDING))
        pending_ids = {t.id for d in pending[-1:] for t in d.tickets}
        for reference in self.gitlab.ticket_references(project, tag):
            ticket = reads.ticket_by_number(reference)
            if ticket is None:
                continue
            cause = f"{ticket_scope(ticket.id)}/{release_cause(project, tag)}"
            renderer = self.committer.renderer
            for order in route_release(ticket.id, name, project, tag, self.config, renderer,
                                       pending=ticket.id in pending_ids):  # fmt: skip
                self.orders.carry_out(order, ticket, reads, cause=cause)
            count += 1
        return count

    def _recheck_blocked(self) -> int:
        """Re-check blocked deployments whose last report lacked GitLab's answers."""
        count = 0
        for deployment in self.store.deployments.list(states=[State.BLOCKED]):
            if deployment.awaiting_gitlab:
                self.orders.carry_out(RecheckDeployment(deployment.id, Origin("gitlab", "gitlab")))
                count += 1
        return count
