"""Reading what people did in Zammad since the last cycle: tickets whose ``updated_at`` moved,
their new command notes and the trigger tags added since deploybot last acted on them.

Only reading and remembering happen here; what a tag or a note means is decided by
``bot.domain.routing``. A ticket is remembered as read (its stamp, its notes) only once what it
asked for was committed, so a cycle that fails half-way reads it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.app.outside import ZammadReads
from bot.app.store import Store
from bot.config.models import Config
from bot.domain.reply_answer import ReplySeen
from bot.domain.routing import NoteSeen, TagAdded, TicketSeen
from integrations.zammad import Ticket, ZammadError

log = logging.getLogger("deploybot")

#: Up to this many tickets seen for the first time in a cycle are read rather than searched.
READ_FIRST_SIGHT = 2


@dataclass(frozen=True)
class ChangedTicket:
    """A ticket that changed since the last cycle, and what in it is new."""

    ticket: Ticket
    stamp: str
    notes: tuple[NoteSeen, ...]
    added: tuple[TagAdded, ...]
    fresh_article_ids: tuple[int, ...]
    #: The customer's new public articles (answers to the proposals, perhaps).
    replies: tuple[ReplySeen, ...] = ()

    @property
    def seen(self) -> TicketSeen:
        """The ticket as routing needs it."""
        return TicketSeen(self.ticket.id, self.ticket.number, self.ticket.organization_id)

    def trigger_tags(self, config: Config) -> list[TagAdded]:
        """The new trigger tags other than the request tag (routed with the other tickets
        tagged for deployment in the cycle, ``routing.route_requests``)."""
        tags = config.zammad.tags
        return [added for added in self.added if added.tag not in (tags.request, *tags.assertions)]

    def assertion_tags(self, config: Config) -> list[TagAdded]:
        """The prerequisite tags (``customer-validated`` …) a person added since last read."""
        return [added for added in self.added if added.tag in config.zammad.tags.assertions]

    def tagged(self, tag: str) -> TagAdded | None:
        """The addition of ``tag``, if it is among the new ones."""
        return next((added for added in self.added if added.tag == tag), None)


class ZammadPoll:
    """Finds the changed tickets of one cycle and remembers them once handled."""

    def __init__(self, config: Config, store: Store, reads: ZammadReads) -> None:
        self.config = config
        self.store = store
        self.reads = reads

    def _watched_tags(self) -> list[str]:
        tags = self.config.zammad.tags
        return [*tags.triggers, *tags.statuses]

    def changed(self) -> list[ChangedTicket]:
        """Every watched ticket whose ``updated_at`` moved, oldest id first, read once each.

        What deploybot remembers of the found tickets is read in one query. A ticket seen for
        the first time is acted on only when it carries a trigger or prerequisite tag (a few
        are read, more are searched: ``_asking``); the others have nothing to act on: their
        notes are history. A ticket Zammad fails to answer for is read again next cycle.
        """
        found = sorted(self.reads.find_tickets_with_tags(self._watched_tags()), key=lambda t: t.id)
        known = self.store.markers.get_many([_stamp_key(t.id) for t in found])
        stamped = [(t, _stamp(t)) for t in found]
        moved = [
            (t, stamp) for t, stamp in stamped if known.get(_stamp_key(t.id)) != stamp or not stamp
        ]
        first = [t.id for t, _ in moved if _stamp_key(t.id) not in known]
        asking = self._asking(first)
        changed = []
        for summary, stamp in moved:
            first_sight = _stamp_key(summary.id) not in known
            if first_sight and asking is not None and summary.id not in asking:
                self._as_history(summary, stamp)
                continue
            try:
                changed.append(self._read(summary.id, stamp, first_sight=first_sight))
            except ZammadError as error:
                log.warning("ticket=%s error=%s", summary.number, error)
        return changed

    def _asking(self, ids: list[int]) -> set[int] | None:
        """Which of the tickets seen for the first time carry a trigger or prerequisite tag
        (one search); None when they are read anyway.

        Up to :data:`READ_FIRST_SIGHT` of them are read instead: each read tells its tags, a
        ticket that asks for something is read in any case, so the search would cost more
        than it saves (at most one request more, when none of them asks)."""
        if len(ids) <= READ_FIRST_SIGHT:
            return None
        tags = self.config.zammad.tags
        wanted = set(ids)
        hits = self.reads.find_tickets_with_tags([*tags.triggers, *tags.assertions])
        return {t.id for t in hits if t.id in wanted}

    def _as_history(self, summary: Ticket, stamp: str) -> None:
        """A ticket first seen without an order: its notes are history, its stamp is known."""
        markers = {f"article:{article_id}": "history" for article_id in summary.article_ids}
        markers[_stamp_key(summary.id)] = stamp
        self.store.markers.remember_many(markers)

    def _read(self, ticket_id: int, stamp: str, *, first_sight: bool) -> ChangedTicket:
        ticket = self.reads.ticket(ticket_id)
        articles = self.reads.articles(ticket_id)
        seen = self.store.markers.get_many([f"article:{a.id}" for a in articles])
        fresh = [a for a in articles if f"article:{a.id}" not in seen]
        if first_sight:
            # Commands written before deploybot watched the ticket are history, not orders; a
            # ticket read rather than searched (``_asking``) that carries no trigger tag then
            # yields nothing at all (and its tag history is not read).
            self.store.markers.remember_many({f"article:{a.id}": "history" for a in fresh})
            fresh = []
        commands = self.reads.commands(ticket_id)
        notes = tuple(
            NoteSeen(a.id, self.reads.author(a.created_by_id, a.created_by), a.body)
            for a in fresh
            if a.id in commands  # only then is its author looked up
        )
        replies = tuple(
            ReplySeen(
                a.id, self.reads.author(a.created_by_id, a.created_by), a.body, a.content_type
            )
            for a in fresh
            if a.is_customer_reply
        )
        fresh_ids = tuple(a.id for a in fresh)
        return ChangedTicket(ticket, stamp, notes, self._fresh_tags(ticket), fresh_ids, replies)

    def _fresh_tags(self, ticket: Ticket) -> tuple[TagAdded, ...]:
        """Trigger and prerequisite tags added since deploybot last acted on them, with who
        added them and when.

        Freshness comes from the ticket's tag history: deploybot remembers which addition it
        acted on, so a tag whose removal is still waiting in the outbox (Zammad down, say) is
        not acted on twice, and a person adding it again — even before deploybot saw it gone —
        is a new order.
        """
        present = set(ticket.tags)
        fresh = []
        tags = self.config.zammad.tags
        for tag in [*tags.triggers, *tags.assertions]:
            key = self.tag_marker(ticket.id, tag)
            acted = self.store.markers.get(key)
            if tag not in present:
                if acted is not None:
                    self.store.markers.forget(key)
                continue
            addition = self._addition(ticket, tag)
            if acted is None or _later(addition.at, acted):
                fresh.append(addition)
        return tuple(fresh)

    def _addition(self, ticket: Ticket, tag: str) -> TagAdded:
        try:
            change = self.reads.tagged_by(ticket.id, tag)
        except ZammadError:
            change = None
        if change is None:
            return TagAdded(tag, "zammad", ticket.updated_at)
        return TagAdded(tag, change.by or "zammad", change.at or ticket.updated_at)

    def note_done(self, article_id: int) -> None:
        """Remember that a note's commands were carried out."""
        self.store.markers.remember(f"article:{article_id}", "done")

    @staticmethod
    def tag_marker(ticket_id: int, tag: str) -> str:
        """The marker that says deploybot acted on the tag (until it is gone from the ticket)."""
        return f"tag:{ticket_id}:{tag}"

    def acted_on(self, ticket_id: int, added: TagAdded) -> None:
        """Remember which addition of the tag deploybot acted on (until it is gone)."""
        self.store.markers.remember(self.tag_marker(ticket_id, added.tag), acted_value(added))

    def handled(self, changed: ChangedTicket) -> None:
        """Remember the ticket as read: its notes done, its tags acted on, its stamp (one
        transaction)."""
        ticket_id = changed.ticket.id
        markers = {f"article:{article_id}": "done" for article_id in changed.fresh_article_ids}
        markers |= {self.tag_marker(ticket_id, a.tag): acted_value(a) for a in changed.added}
        markers[_stamp_key(ticket_id)] = changed.stamp
        self.store.markers.remember_many(markers)


def _stamp_key(ticket_id: int) -> str:
    return f"ticket:{ticket_id}:updated_at"


def _stamp(ticket: Ticket) -> str:
    return ticket.updated_at.isoformat() if ticket.updated_at else ""


def acted_value(added: TagAdded) -> str:
    """What the acted-on marker of a tag holds: when the addition it acted on happened."""
    return added.at.isoformat() if added.at else ""


def _later(at: datetime | None, acted: str) -> bool:
    """Whether an addition at ``at`` came after the one deploybot acted on."""
    if at is None or not acted:
        return False
    try:
        return at > datetime.fromisoformat(acted)
    except (ValueError, TypeError):
        return False
