"""The state of the Zammad emulator: organizations, users, tickets with tags, articles and
history, seeded from a scenario and changed the way people and deploybot change them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from emulators.server import shape
from integrations.timestamps import format_timestamp, parse_timestamp

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)

ARTICLE_TYPES = {"email": 1, "phone": 5, "note": 10, "web": 11}
SENDERS = {"Agent": 1, "Customer": 2, "System": 3}


def sanitized(body: str, content_type: str) -> str:
    """Like Zammad's HtmlSanitizer, drop comments and scripts from HTML article bodies."""
    if content_type != "text/html":
        return body
    return _SCRIPT.sub("", _COMMENT.sub("", body))


class ZammadState:
    """In-memory Zammad data and the changes people and deploybot make to it."""

    clock: Callable[[], datetime]

    def init_state(self, section: dict[str, Any]) -> None:
        """Empty tables, then the scenario's organizations, users and tickets."""
        self.organizations: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.tags: dict[int, list[str]] = {}
        self.articles: dict[int, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        #: The tags Zammad knows (Tag::Item), by lower-case name: a tag is one item whatever
        #: its case.
        self.tag_items: dict[str, dict[str, Any]] = {}
        self.agent_id = 3
        for name in section.get("tag_list", []):
            self.tag_item(str(name))
        self._seed(section)

    # -- seeding --------------------------------------------------------------------------

    def _seed(self, section: dict[str, Any]) -> None:
        now = format_timestamp(self.clock())
        for org in section.get("organizations", []):
            self.add_organization(str(org["name"]), org_id=org.get("id"))
        agent = self.add_user("deploybot@provider.example", "deploybot", "", role="agent")
        self.agent_id = agent["id"]
        for user in section.get("users", []):
            org_id = self._org_id(user.get("organization"))
            self.add_user(
                str(user["login"]),
                str(user.get("firstname", "")),
                str(user.get("lastname", "")),
                email=user.get("email", user["login"]),
                organization_id=org_id,
                user_id=user.get("id"),
            )
        for ticket in section.get("tickets", []):
            created = self.add_ticket(
                title=str(ticket["title"]),
                number=str(ticket["number"]),
                organization=ticket.get("organization"),
                customer=ticket.get("customer"),
                tags=ticket.get("tags", []),
                ticket_id=ticket.get("id"),
                created_at=ticket.get("created_at", now),
                tagged_by=ticket.get("tagged_by"),
            )
            for article in ticket.get("articles", []):
                self.add_article(
                    created["id"],
                    body=str(article["body"]),
                    internal=bool(article.get("internal", True)),
                    type_=str(article.get("type", "note")),
                    sender=str(article.get("sender", "Agent")),
                    author=article.get("by"),
                )

    def _org_id(self, name: Any) -> int | None:
        if name is None:
            return None
        for org_id, org in self.organizations.items():
            if org["name"] == name:
                return org_id
        return int(self.add_organization(str(name))["id"])

    def _user_id(self, login: Any) -> int | None:
        if login is None:
            return None
        for user_id, user in self.users.items():
            if user["login"] == login:
                return user_id
        return None

    @staticmethod
    def _next_id(table: dict[int, Any], wanted: Any, start: int) -> int:
        if wanted is not None:
            return int(wanted)
        return max([start - 1, *table]) + 1

    def add_organization(self, name: str, org_id: int | None = None) -> dict[str, Any]:
        """Create an organization; returns its record."""
        record = shape("zammad_organization")
        now = format_timestamp(self.clock())
        record.update(
            id=self._next_id(self.organizations, org_id, 1),
            name=name,
            created_at=now,
            updated_at=now,
        )
        self.organizations[record["id"]] = record
        return record

    def add_user(
        self,
        login: str,
        firstname: str,
        lastname: str,
        *,
        email: str | None = None,
        organization_id: int | None = None,
        user_id: int | None = None,
        role: str = "customer",
    ) -> dict[str, Any]:
        """Create a user; returns its record."""
        record = shape("zammad_user")
        now = format_timestamp(self.clock())
        record.update(
            id=self._next_id(self.users, user_id, 1),
            login=login,
            firstname=firstname,
            lastname=lastname,
            email=email or login,
            organization_id=organization_id,
            organization_ids=[],
            role_ids=[2] if role == "agent" else [3],
            created_at=now,
            updated_at=now,
        )
        self.users[record["id"]] = record
        return record

    def add_ticket(
        self,
        *,
        title: str,
        number: str,
        organization: str | None = None,
        customer: str | None = None,
        tags: list[str] | None = None,
        ticket_id: int | None = None,
        created_at: str | None = None,
        tagged_by: str | None = None,
    ) -> dict[str, Any]:
        """Create a ticket; returns its record. ``tagged_by`` (a login) added its tags."""
        record = shape("zammad_ticket")
        now = created_at or format_timestamp(self.clock())
        record.update(
            id=self._next_id(self.tickets, ticket_id, 1),
            number=number,
            title=title,
            state_id=2,
            organization_id=self._org_id(organization),
            customer_id=self._user_id(customer) or self.agent_id,
            owner_id=self.agent_id,
            created_by_id=self._user_id(tagged_by) or self.agent_id,
            updated_by_id=self._user_id(tagged_by) or self.agent_id,
            article_count=0,
            close_at=None,
            last_close_at=None,
            created_at=now,
            updated_at=now,
        )
        self.tickets[record["id"]] = record
        self.tags[record["id"]] = []
        author = self._user_id(tagged_by) or self.agent_id
        for tag in dict.fromkeys(tags or []):
            self._tag(record["id"], tag, added=True, by=author, at=now)
        return record

    def tag_item(self, name: str) -> dict[str, Any]:
        """The known tag of that name (any case), created when new."""
        key = name.strip().casefold()
        if key not in self.tag_items:
            self.tag_items[key] = {"id": len(self.tag_items) + 1, "name": name.strip()}
        return self.tag_items[key]

    def _tag(
        self, ticket_id: int, tag: str, *, added: bool, by: int, at: str | None = None
    ) -> bool:
        """Add or remove a tag and record it in the ticket's history, as Zammad does: names
        match whatever their case, and the tag is in ``value_to`` both ways."""
        tags = self.tags[ticket_id]
        held = next((t for t in tags if t.casefold() == tag.casefold()), None)
        if added == (held is not None):
            return False
        if added:
            tag = self.tag_item(tag)["name"]
            tags.append(tag)
        else:
            tag = str(held)
            tags.remove(tag)
        entry = shape("zammad_history_tag")
        entry.update(
            id=len(self.history) + 1,
            o_id=ticket_id,
            created_by_id=by,
            created_at=at or format_timestamp(self.clock()),
            type="added" if added else "removed",
            value_to=tag,
            value_from=None,
        )
        self.history.append(entry)
        return True

    def add_article(
        self,
        ticket_id: int,
        *,
        body: str,
        internal: bool = True,
        type_: str = "note",
        sender: str = "Agent",
        author: str | None = None,
        subject: str | None = None,
        to: str | None = None,
        content_type: str = "text/html",
        preferences: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Add an article to a ticket and touch the ticket's ``updated_at``; returns it.
        ``preferences`` as Zammad's email channel sets them (``{"is-auto-response": True}``
        for an out-of-office answer)."""
        record = shape("zammad_article")
        now = format_timestamp(self.clock())
        author_id = self._user_id(author) or self.agent_id
        author_user = self.users.get(author_id, {})
        record.update(
            id=self._next_id(self.articles, None, 1000),
            ticket_id=ticket_id,
            type_id=ARTICLE_TYPES.get(type_, 10),
            sender_id=SENDERS.get(sender, 1),
            type=type_,
            sender=sender,
            body=body,
            content_type=content_type,
            internal=internal,
            subject=subject,
            to=to,
            attachments=[],
            preferences=dict(preferences or {}),
            **{"from": f"{author_user.get('firstname', '')} {author_user.get('lastname', '')}"},
            created_by_id=author_id,
            updated_by_id=author_id,
            created_by=author_user.get("login"),
            updated_by=author_user.get("login"),
            created_at=now,
            updated_at=now,
        )
        record["from"] = str(record["from"]).strip()
        self.articles[record["id"]] = record
        ticket = self.tickets[ticket_id]
        ticket["article_count"] = int(ticket.get("article_count") or 0) + 1
        self._touch(ticket_id)
        return record

    def _touch(self, ticket_id: int) -> None:
        # Every change moves updated_at forward, even when the (test) clock stands still.
        previous = parse_timestamp(self.tickets[ticket_id]["updated_at"])
        moment = self.clock()
        if previous is not None and moment <= previous:
            moment = previous + timedelta(milliseconds=1)
        self.tickets[ticket_id]["updated_at"] = format_timestamp(moment)

    # -- state helpers for tests and the demo ---------------------------------------------

    def set_tags(self, ticket_id: int, tags: list[str], by: str | None = None) -> None:
        """Replace a ticket's tags, as a person (``by``, a login) editing the ticket would."""
        author = self._user_id(by) or self.agent_id
        for tag in list(self.tags[ticket_id]):
            if tag not in tags:
                self._tag(ticket_id, tag, added=False, by=author)
        for tag in dict.fromkeys(tags):
            self._tag(ticket_id, tag, added=True, by=author)
        self._touch(ticket_id)

    def ticket_articles(self, ticket_id: int) -> list[dict[str, Any]]:
        """The articles of a ticket, oldest first."""
        return [a for a in self.articles.values() if a["ticket_id"] == ticket_id]

    def dump(self) -> dict[str, Any]:
        """Every ticket with its tags and articles (the demo writes it as zammad-state.json)."""
        return {
            "tickets": [
                {
                    **{k: t[k] for k in ("id", "number", "title", "organization_id", "updated_at")},
                    "tags": self.tags[t["id"]],
                    "articles": [
                        {
                            k: a[k]
                            for k in (
                                "id",
                                "internal",
                                "type",
                                "sender",
                                "subject",
                                "body",
                                "created_at",
                            )
                        }
                        for a in self.ticket_articles(t["id"])
                    ],
                }
                for t in self.tickets.values()
            ]
        }

    # -- answers in Zammad's words ---------------------------------------------------------
