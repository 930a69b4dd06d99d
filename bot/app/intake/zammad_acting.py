"""Acting on Zammad: the tickets people changed since the last cycle go through routing, and
each order is carried out (``orders``) and committed (``committer``) — once, even across a crash.

Each order is committed with the markers of what caused it (``Orders.caused_by``); a note, reply
or tag that fails unexpectedly is answered once and counts as handled; an outside system that
does not answer leaves the ticket to be read again next cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from bot.app.intake.zammad_poll import ChangedTicket, ZammadPoll, acted_value
from bot.app.orders import Committer, Orders
from bot.app.outside import HealthBook, ZammadReads, system_of
from bot.app.store import LockBusyError, Store
from bot.config.models import Config
from bot.domain.events import Origin
from bot.domain.keys import note_cause, tag_cause, ticket_scope
from bot.domain.replies import not_processed
from bot.domain.reply_answer import ReplySeen, answer_reply
from bot.domain.routing import (
    NoteSeen,
    RequestOrder,
    Routed,
    ScheduleOrder,
    StartOrder,
    TagAdded,
    Transition,
    route_assertions,
    route_note,
    route_requests,
    route_tags,
)
from integrations.gitlab import GitLabError
from integrations.zammad import Ticket, ZammadError

log = logging.getLogger("deploybot")


@dataclass(frozen=True)
class Acted:
    """What acting on a note, a reply or tags did: how many events it applied, and the
    deployment a note's command touched (it may have just ended it)."""

    count: int
    touched: str | None = None


@dataclass(frozen=True)
class TagActedOn:
    """One addition of a tag to a ticket, answered by an order, and the cause a failure of that
    order is answered under on the ticket."""

    ticket_id: int
    added: TagAdded
    cause: str

    @property
    def marker(self) -> tuple[str, str]:
        """The marker that says deploybot acted on this addition, with which addition it was."""
        return ZammadPoll.tag_marker(self.ticket_id, self.added.tag), acted_value(self.added)


@dataclass(frozen=True)
class Caused:
    """What caused orders: the cause their audit entries name, the ticket it came from, the tag
    additions they answer (none for a note or a reply) and — a note's command — its marker."""

    ticket_id: int
    cause: str
    tags: tuple[TagActedOn, ...] = ()
    note_marker: str | None = None

    @classmethod
    def tagged(cls, ticket_id: int, added: Sequence[TagAdded]) -> Caused:
        """The cause of orders answering tag additions on one ticket: the first addition."""
        tags = tuple(TagActedOn(ticket_id, tag, tag_cause(tag.tag, tag.at)) for tag in added)
        return cls(ticket_id, tags[0].cause, tags)

    @property
    def markers(self) -> dict[str, str]:
        """What is recorded once the orders are carried out: each tag addition acted on, the
        note's command done."""
        markers = dict(tag.marker for tag in self.tags)
        if self.note_marker is not None:
            markers[self.note_marker] = "done"
        return markers


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
            tags = tuple(
                TagActedOn(ticket_id, added, order.cause)
                for ticket_id, added in zip(order.ticket_ids, order.added, strict=True)
            )
            caused = Caused(order.ticket_ids[0], order.cause, tags)
            try:
                self._carry_out([order], caused, reads.ticket(order.ticket_ids[0]), reads)
            except (GitLabError, ZammadError) as error:
                log.warning("tickets=%s error=%s", order.ticket_ids, error)
                self.health.failed(system_of(error, "gitlab"), error)
                failed.update(order.ticket_ids)
            except LockBusyError:  # nothing decided: the poll stops, the tags are read again
                raise
            except Exception as error:
                self._unexpected(caused, error, reads)
        return failed

    def _act(self, item: ChangedTicket, reads: ZammadReads, poll: ZammadPoll) -> int:
        """Carry out the ticket's new commands, answer its customer's replies, re-check on its
        new prerequisite tags, then carry out its new trigger tags (each guarded by
        :meth:`_guarded`)."""
        ticket = item.ticket
        count, touched = 0, None
        for note in item.notes:
            noted = self._guarded(Caused(ticket.id, note_cause(note.article_id)), reads,
                                  partial(self._act_on_note, item, note, reads))  # fmt: skip
            count, touched = count + noted.count, noted.touched or touched
            poll.note_done(note.article_id)
        for reply in item.replies:
            answering = partial(self._answer, item, reply)
            self._guarded(Caused(ticket.id, f"reply-{reply.article_id}"), reads, answering)
        count += self._act_on_assertions(item, reads)
        for routed, caused in self._tag_orders(item, touched):
            tagged = partial(self._carry_out, [routed], caused, ticket, reads)
            count += self._guarded(caused, reads, tagged).count
        return count

    def _guarded(self, caused: Caused, reads: ZammadReads, act: Callable[[], Acted]) -> Acted:
        """Act on one note, reply or tag: an unexpected error is answered once on the ticket and
        what caused it counts as handled, so it never stops a cycle again. An outside system
        that does not answer (or the decision lock held elsewhere) is not unexpected: the
        ticket is read again next cycle."""
        try:
            return act()
        except (ZammadError, GitLabError, LockBusyError):
            raise
        except Exception as error:
            self._unexpected(caused, error, reads)
            self.store.markers.remember_many(caused.markers)
            return Acted(0)

    def _carry_out(
        self, routed: Sequence[Routed], caused: Caused, ticket: Ticket, reads: ZammadReads
    ) -> Acted:
        """Carry out the orders of one cause: its markers are recorded with the first commit,
        or at the end when none commits (never when an order fails)."""
        orders = self.orders.caused_by(caused.markers)
        count = sum(orders.carry_out(order, ticket, reads, cause=caused.cause) for order in routed)
        orders.settle()
        return Acted(count)

    def _tag_orders(self, item: ChangedTicket, touched: str | None) -> list[tuple[Routed, Caused]]:
        """The ticket's new trigger tags as orders, each with the tags it answers: one order per
        tag, or one reply for them all (``touched``: the deployment a note's command just
        ended, when the ticket has no open one left)."""
        deployment = self.store.deployments.open_with_ticket(item.ticket.id)
        if deployment is None and touched is not None:
            deployment = self.store.deployments.get(touched)
        added = item.trigger_tags(self.config)
        routed = route_tags(item.seen, added, deployment, self.config, self.committer.renderer)
        ticket_id = item.ticket.id
        if len(routed) == len(added):
            pairs = zip(routed, added, strict=True)
            return [(order, Caused.tagged(ticket_id, [tag])) for order, tag in pairs]
        return [(order, Caused.tagged(ticket_id, added)) for order in routed]

    def _answer(self, item: ChangedTicket, reply: ReplySeen) -> Acted:
        """Tell the team what a customer's reply to the proposals asks for (never book it)."""
        deployment = self.store.deployments.open_with_ticket(item.ticket.id)
        answer = answer_reply(item.ticket.id, reply, deployment, self.config,
                              self.committer.renderer, now=self.committer.clock(),
                              bookings=self.orders.requests.bookings())  # fmt: skip
        if answer is not None:
            self.committer.reply(answer)
        return Acted(0)

    def _act_on_assertions(self, item: ChangedTicket, reads: ZammadReads) -> int:
        """Re-check the ticket's pending request when a person added a prerequisite tag."""
        config = self.config
        added = item.assertion_tags(config)
        if not added:
            return 0
        deployment = self.store.deployments.open_with_ticket(item.ticket.id)
        requested = item.tagged(config.zammad.tags.request) is not None
        routed = route_assertions(item.seen, added, deployment, config, requested=requested)
        return self._carry_out(routed, Caused.tagged(item.ticket.id, added), item.ticket,
                               reads).count  # fmt: skip

    def _act_on_note(self, item: ChangedTicket, note: NoteSeen, reads: ZammadReads) -> Acted:
        """Carry out a note's commands, each once even across a crash (its marker is committed
        with it)."""
        count, touched = 0, None
        deployment = self.store.deployments.open_with_ticket(item.ticket.id)
        routed_note = route_note(item.seen, note, deployment, self.config, self.committer.renderer)
        for index, routed in enumerate(routed_note):
            marker = f"article:{note.article_id}:{index}"
            if self.store.markers.get(marker) is not None:
                continue  # carried out before a crash: never twice
            caused = Caused(item.ticket.id, note_cause(note.article_id), note_marker=marker)
            count += self._carry_out([routed], caused, item.ticket, reads).count
            if isinstance(routed, ScheduleOrder | StartOrder | Transition):
                touched = routed.deployment_id
        return Acted(count, touched)

    def _unexpected(self, caused: Caused, error: Exception, reads: ZammadReads) -> None:
        """Answer once for what failed in a way nobody foresaw: on each ticket whose tag the
        orders answered, else on the ticket of the note or reply."""
        for tag in caused.tags:
            self._not_processed(reads.ticket(tag.ticket_id), tag.cause, error, tag=tag.added.tag)
        if not caused.tags:
            self._not_processed(reads.ticket(caused.ticket_id), caused.cause, error)

    def _not_processed(
        self, ticket: Ticket, cause: str, error: Exception, *, tag: str | None = None
    ) -> None:
        """Tell the ticket that its note or tag was not processed, and why."""
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
