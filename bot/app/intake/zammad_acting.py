"""Acting on Zammad: the tickets people changed since the last cycle go through routing, and
each order is carried out (``orders``) and committed (``committer``) — once, even across a crash.

Each order is committed with the markers of what caused it (``Committer.marking``); a note or tag
that fails unexpectedly is answered once and counts as handled; an outside system that does not
answer leaves the ticket to be read again next cycle.
"""

from __future__ import annotations

import logging

from bot.app.intake.zammad_poll import ChangedTicket, ZammadPoll, acted_value
from bot.app.orders.committer import Committer
from bot.app.orders.orders import Orders
from bot.app.outside.health import HealthBook, system_of
from bot.app.outside.zammad_reads import ZammadReads
from bot.app.store.database import Store
from bot.app.store.locks import LockBusyError
from bot.config.models import Config
from bot.domain.events import Origin
from bot.domain.keys import note_cause, tag_cause, ticket_scope
from bot.domain.replies import not_processed
from bot.domain.reply_answer import ReplySeen, answer_reply
from bot.domain.routing import (
    NoteSeen,
    RequestOrder,
    ScheduleOrder,
    StartOrder,
    Transition,
    route_assertions,
    route_note,
    route_requests,
    route_tags,
)
from integrations.gitlab import GitLabError
from integrations.zammad import Ticket, ZammadError

log = logging.getLogger("deploybot")


class ZammadActing:
    """One cycle's poll of Zammad: routed, carried out, committed."""

    def __init__(
        self,
        config: Config,
        store: Store,
        committer: Committer,
        orders: Orders,
        health: HealthBook,
        reads: ZammadReads,
    ) -> None:
        self.config = config
        self.store = store
        self.committer = committer
        self.orders = orders
        self.health = health
        self.reads = reads

    def poll(self) -> int:
        """Act on what people did in Zammad since the last cycle: the tickets newly tagged
        for deployment first (routed together, one request per customer), then each ticket's
        new notes and tags."""
        reads = self.reads
        poll = ZammadPoll(self.config, self.store, reads)
        changed = poll.changed()
        request_tag = self.config.zammad.tags.request
        tagged = [(c, c.tagged(request_tag)) for c in changed]
        failed = self._request(
            route_requests([(c.seen, added) for c, added in tagged if added is not None]), reads
        )
        count = sum(1 for _, added in tagged if added is not None) - len(failed)
        for item in changed:
            if item.ticket.id in failed:
                continue  # read again next cycle, with its new notes
            try:
                count += self._act(item, reads, poll)
            except (ZammadError, GitLabError) as error:
                log.warning("ticket=%s error=%s", item.ticket.number, error)
                self.health.failed(system_of(error, "zammad"), error)
                continue
            poll.handled(item)
        return count

    def _request(self, orders: list[RequestOrder], reads: ZammadReads) -> set[int]:
        """Carry out the request orders; returns the ids of the tickets whose request could not
        be made (an outside system did not answer): they are read again next cycle."""
        failed: set[int] = set()
        for order in orders:
            markers = {
                ZammadPoll.tag_marker(ticket_id, added.tag): acted_value(added)
                for ticket_id, added in zip(order.ticket_ids, order.added, strict=True)
            }
            try:
                with self.committer.marking(markers):
                    self.orders.carry_out(order, reads.ticket(order.ticket_ids[0]), reads,
                                          cause=order.cause)  # fmt: skip
            except (GitLabError, ZammadError) as error:
                log.warning("tickets=%s error=%s", order.ticket_ids, error)
                self.health.failed(system_of(error, "gitlab"), error)
                failed.update(order.ticket_ids)
            except Exception as error:
                for ticket_id, added in zip(order.ticket_ids, order.added, strict=True):
                    self._unexpected(reads.ticket(ticket_id), order.cause, error, tag=added.tag)
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
            except (ZammadError, GitLabError, LockBusyError):  # the note is read again
                raise
            except Exception as error:
                self._unexpected(item.ticket, note_cause(note.article_id), error)
            poll.note_done(note.article_id)
        for reply in item.replies:
            try:
                self._answer(item, reply)
            except (ZammadError, GitLabError):
                raise
            except Exception as error:
                self._unexpected(item.ticket, f"reply-{reply.article_id}", error)
        count += self._act_on_assertions(item, reads)
        deployment = self.store.deployments.open_with_ticket(item.ticket.id)
        if deployment is None and touched is not None:
            deployment = self.store.deployments.get(touched)  # a command just ended it
        added = item.trigger_tags(self.config)
        routed_tags = route_tags(item.seen, added, deployment, self.config, self.committer.renderer)
        # One order per tag, each remembered as soon as it is carried out; or one reply for all.
        per_tag = len(routed_tags) == len(added)
        for index, routed in enumerate(routed_tags):
            tags = added[index : index + 1] if per_tag else added
            markers = {poll.tag_marker(item.ticket.id, t.tag): acted_value(t) for t in tags}
            try:
                with self.committer.marking(markers):
                    cause = tag_cause(tags[0].tag, tags[0].at)
                    count += self.orders.carry_out(routed, item.ticket, reads, cause=cause)
            except (ZammadError, GitLabError, LockBusyError):
                raise
            except Exception as error:
                for tag in tags:
                    self._unexpected(item.ticket, tag_cause(tag.tag, tag.at), error, tag=tag.tag)
                for tag in tags:
                    poll.acted_on(item.ticket.id, tag)
        return count

    def _answer(self, item: ChangedTicket, reply: ReplySeen) -> None:
        """Tell the team what a customer's reply to the proposals asks for (never book it)."""
        deployment = self.store.deployments.open_with_ticket(item.ticket.id)
        answer = answer_reply(item.ticket.id, reply, deployment, self.config,
                              self.committer.renderer, now=self.committer.clock(),
                              bookings=self.orders.requests.bookings())  # fmt: skip
        if answer is not None:
            self.committer.reply(answer)

    def _act_on_assertions(self, item: ChangedTicket, reads: ZammadReads) -> int:
        """Re-check the ticket's pending request when a person added a prerequisite tag."""
        config = self.config
        added = item.assertion_tags(config)
        if not added:
            return 0
        deployment = self.store.deployments.open_with_ticket(item.ticket.id)
        requested = item.tagged(config.zammad.tags.request) is not None
        routed = route_assertions(item.seen, added, deployment, config, requested=requested)
        markers = {ZammadPoll.tag_marker(item.ticket.id, t.tag): acted_value(t) for t in added}
        count = 0
        with self.committer.marking(markers):
            for order in routed:
                cause = tag_cause(added[0].tag, added[0].at)
                count += self.orders.carry_out(order, item.ticket, reads, cause=cause)
        return count

    def _act_on_note(
        self, item: ChangedTicket, note: NoteSeen, reads: ZammadReads, touched: str | None
    ) -> tuple[int, str | None]:
        count = 0
        deployment = self.store.deployments.open_with_ticket(item.ticket.id)
        routed_note = route_note(item.seen, note, deployment, self.config, self.committer.renderer)
        for index, routed in enumerate(routed_note):
            marker = f"article:{note.article_id}:{index}"
            if self.store.markers.get(marker) is not None:
                continue  # carried out before a crash: never twice
            with self.committer.marking({marker: "done"}):
                cause = note_cause(note.article_id)
                count += self.orders.carry_out(routed, item.ticket, reads, cause=cause)
            if isinstance(routed, ScheduleOrder | StartOrder | Transition):
                touched = routed.deployment_id
        return count, touched

    def _unexpected(
        self, ticket: Ticket, cause: str, error: Exception, *, tag: str | None = None
    ) -> None:
        """Answer once for a note or tag that failed in a way nobody foresaw."""
        ticket_id = ticket.id
        log.exception("ticket=%s cause=%s unexpected error", ticket.number, cause)
        deployment = self.store.deployments.open_with_ticket(ticket_id)
        scope = deployment.id if deployment else ticket_scope(ticket_id)
        text = f"{type(error).__name__}: {error}"
        origin = Origin("tag" if tag else "note", "deploybot", ticket_id)
        renderer = self.committer.renderer
        answer = not_processed(ticket_id, scope, cause, text, origin, self.config, renderer,
                               tag=tag)  # fmt: skip
        self.committer.reply(answer)
