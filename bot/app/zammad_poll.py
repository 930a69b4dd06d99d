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

from bot.app.store import Store
from bot.app.zammad_reads import ZammadReads
from bot.config.models import Config
from bot.domain.routing import NoteSeen, TagAdded, TicketSeen
from integrations.zammad import Article, Ticket, ZammadError, is_marked

log = logging.getLogger("deploybot")


@dataclass(frozen=True)
class ChangedTicket:
    """A ticket that changed since the last cycle, and what in it is new."""

    ticket: Ticket
    stamp: str
    notes: tuple[NoteSeen, ...]
    added: tuple[TagAdded, ...]
    fresh_article_ids: tuple[int, ...]

    @property
    def seen(self) -> TicketSeen:
        """The ticket as routing needs it."""
        return TicketSeen(self.ticket.id, self.ticket.number)

    def trigger_tags(self, config: Config) -> list[TagAdded]:
        """The new trigger tags other than the request tag (which ``request`` handles)."""
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

        A ticket Zammad fails to answer for is skipped (and read again next cycle).
        """
        found = self.reads.find_tickets_with_tags(self._watched_tags())
        changed = []
        for summary in sorted(found, key=lambda t: t.id):
            stamp = summary.updated_at.isoformat() if summary.updated_at else ""
            known = self.store.seen_value(f"ticket:{summary.id}:updated_at")
            if known == stamp and stamp:
                continue
            try:
                changed.append(self._read(summary.id, stamp, first_sight=known is None))
            except ZammadError as error:
                log.warning("ticket=%s error=%s", summary.number, error)
        return changed

    def _read(self, ticket_id: int, stamp: str, *, first_sight: bool) -> ChangedTicket:
        ticket = self.reads.ticket(ticket_id)
        articles = self.reads.articles(ticket_id)
        fresh = [a for a in articles if self.store.seen_value(f"article:{a.id}") is None]
        if first_sight:
            # Commands written before deploybot watched the ticket are history, not orders.
            for article in fresh:
                self.store.remember(f"article:{article.id}", "history")
            fresh = []
        notes = tuple(
            NoteSeen(a.id, self.reads.author(a.created_by_id, a.created_by), a.body)
            for a in fresh
            if _is_command_note(a)
        )
        return ChangedTicket(
            ticket, stamp, notes, self._fresh_tags(ticket), tuple(a.id for a in fresh)
        )

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
            acted = self.store.seen_value(key)
            if tag not in present:
                if acted is not None:
                    self.store.forget(key)
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
        self.store.remember(f"article:{article_id}", "done")

    @staticmethod
    def tag_marker(ticket_id: int, tag: str) -> str:
        """The marker that says deploybot acted on the tag (until it is gone from the ticket)."""
        return f"tag:{ticket_id}:{tag}"

    def acted_on(self, ticket_id: int, added: TagAdded) -> None:
        """Remember which addition of the tag deploybot acted on (until it is gone)."""
        self.store.remember(self.tag_marker(ticket_id, added.tag), acted_value(added))

    def handled(self, changed: ChangedTicket) -> None:
        """Remember the ticket as read: its notes done, its tags acted on, its stamp."""
        for article_id in changed.fresh_article_ids:
            self.store.remember(f"article:{article_id}", "done")
        for added in changed.added:
            self.acted_on(changed.ticket.id, added)
        self.store.remember(f"ticket:{changed.ticket.id}:updated_at", changed.stamp)


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


def _is_command_note(article: Article) -> bool:
    """An internal note written by an agent, not one of deploybot's own."""
    return (
        article.internal and (article.sender or "Agent") == "Agent" and not is_marked(article.body)
    )
