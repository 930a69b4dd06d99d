"""Zammad as one cycle reads it: each ticket, its articles, its history, each user and
organization read at most once per cycle, whoever asks (the poll, the fact gathering, the
audit's "who added this tag").

A new :class:`ZammadReads` is made for every cycle (and every CLI command), so nothing read in
one cycle hides a change from the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from bot.app.outside.ports import ZammadPort
from bot.domain.commands import RawCommand, find_commands
from integrations.zammad import Article, Organization, TagChange, Ticket, ZammadError, is_marked

K = TypeVar("K")
V = TypeVar("V")


def _memo(cache: dict[K, V], key: K, read: Callable[[], V]) -> V:
    if key not in cache:
        cache[key] = read()
    return cache[key]


class ZammadReads:
    """Read-through cache of one cycle's Zammad reads."""

    def __init__(self, zammad: ZammadPort) -> None:
        self.zammad = zammad
        self.web_url = zammad.web_url
        self._tickets: dict[int, Ticket] = {}
        self._articles: dict[int, list[Article]] = {}
        self._history: dict[int, list[TagChange]] = {}
        self._authors: dict[int, str] = {}
        self._organizations: dict[int, Organization] = {}
        self._commands: dict[int, dict[int, tuple[RawCommand, ...]]] = {}

    def find_tickets_with_tags(self, tags: Iterable[str]) -> list[Ticket]:
        """Every ticket carrying one of ``tags`` (never cached: this is what finds changes)."""
        return self.zammad.find_tickets_with_tags(tags)

    def ticket(self, ticket_id: int) -> Ticket:
        """A ticket with its tags (and, when Zammad sends them along, its articles and their
        authors, which then cost nothing more)."""
        if ticket_id not in self._tickets:
            ticket = self.zammad.ticket(ticket_id)
            self._tickets[ticket_id] = ticket
            if ticket.articles is not None:
                self._articles.setdefault(ticket_id, list(ticket.articles))
            for user_id, name in ticket.authors:
                self._authors.setdefault(user_id, name)
            for organization in ticket.organizations:
                self._organizations.setdefault(organization.id, organization)
        return self._tickets[ticket_id]

    def ticket_by_number(self, number: str) -> Ticket | None:
        """A ticket by its number: one already read this cycle, else Zammad's search."""
        for ticket in self._tickets.values():
            if ticket.number == number:
                return ticket
        found = self.zammad.ticket_by_number(number)
        if found is not None:
            self._tickets[found.id] = found
        return found

    def articles(self, ticket_id: int) -> list[Article]:
        """Every article of a ticket, oldest first."""
        return _memo(self._articles, ticket_id, lambda: self.zammad.articles(ticket_id))

    def commands(self, ticket_id: int) -> dict[int, tuple[RawCommand, ...]]:
        """The ``/deploy`` lines of each of a ticket's agent notes that has some, by article id,
        oldest first — found once, for the poll (which notes are orders) and the fact gathering
        (the components and rollback plan they name). deploybot's own notes are left out: they
        quote commands (help, usage), they give none."""
        return _memo(self._commands, ticket_id, lambda: _command_notes(self.articles(ticket_id)))

    def tag_history(self, ticket_id: int) -> list[TagChange]:
        """Who added or removed which tag of a ticket, oldest first."""
        return _memo(self._history, ticket_id, lambda: self.zammad.tag_history(ticket_id))

    def organization(self, organization_id: int) -> Organization:
        """An organization by id."""
        return _memo(
            self._organizations, organization_id, lambda: self.zammad.organization(organization_id)
        )

    def author(self, user_id: int | None, fallback: str | None) -> str:
        """The display name of a user (for the audit trail), or ``fallback`` if unreadable."""
        if user_id is None:
            return fallback or "agent"
        if user_id not in self._authors:
            try:
                self._authors[user_id] = self.zammad.user(user_id).display_name
            except ZammadError:
                return fallback or "agent"
        return self._authors[user_id]

    def tagged_by(self, ticket_id: int, tag: str) -> TagChange | None:
        """The latest addition of ``tag`` to the ticket, from its history."""
        added = [c for c in self.tag_history(ticket_id) if c.added and c.tag == tag]
        return added[-1] if added else None


def _command_notes(articles: Iterable[Article]) -> dict[int, tuple[RawCommand, ...]]:
    notes = (a for a in articles if a.is_agent_note and not is_marked(a.body))
    found = ((note.id, tuple(find_commands(note.body))) for note in notes)
    return {article_id: commands for article_id, commands in found if commands}
