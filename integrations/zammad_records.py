"""Zammad's answers parsed into small frozen records, its errors as typed exceptions, and the
marker that makes deploybot's own notes recognisable. Nothing else in deploybot reads Zammad's
JSON."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.errors import OutsideError
from integrations.timestamps import parse_timestamp

# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Ticket:
    """A Zammad ticket, with its tags and article ids when the answer carried them."""

    id: int
    number: str
    title: str
    organization_id: int | None
    customer_id: int | None
    state_id: int | None
    created_at: datetime | None
    updated_at: datetime | None
    tags: tuple[str, ...] = ()
    article_ids: tuple[int, ...] = ()
    #: The articles, when the answer carried them (``?all=true``); None: read them apart.
    articles: tuple[Article, ...] | None = None
    #: The display names of the users the answer carried (the articles' authors), by id.
    authors: tuple[tuple[int, str], ...] = ()
    #: The organizations the answer carried (the ticket's), so that none is read apart.
    organizations: tuple[Organization, ...] = ()

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], tags: Iterable[str] = (), article_ids: Iterable[int] = ()
    ) -> Ticket:
        """Parse a ticket object (plain or expanded)."""
        ids = tuple(article_ids) or tuple(data.get("article_ids") or ())
        return cls(
            id=int(data["id"]),
            number=str(data["number"]),
            title=str(data.get("title") or ""),
            organization_id=data.get("organization_id"),
            customer_id=data.get("customer_id"),
            state_id=data.get("state_id"),
            created_at=parse_timestamp(data.get("created_at")),
            updated_at=parse_timestamp(data.get("updated_at")),
            tags=tuple(tags),
            article_ids=ids,
        )


#: Zammad's seeded article senders and types by id (``db/seeds/ticket_article_senders.rb``,
#: ``…/ticket_article_types.rb``): an ``?all=true`` answer carries only the ids
#: (``attributes_with_association_ids``), the article routes carry the names too.
ARTICLE_SENDERS = {1: "Agent", 2: "Customer", 3: "System"}
ARTICLE_TYPES = {1: "email", 2: "sms", 3: "chat", 4: "fax", 5: "phone", 10: "note", 11: "web"}


def _int(value: Any) -> int:
    return value if isinstance(value, int) else -1


@dataclass(frozen=True)
class Article:
    """A ticket article: an internal note, a public note, an email…"""

    id: int
    ticket_id: int
    body: str
    content_type: str
    internal: bool
    type: str | None
    sender: str | None
    subject: str | None
    created_by_id: int | None
    created_by: str | None
    created_at: datetime | None
    #: Zammad took the email for an automatic answer (out of office, a mailing list, a
    #: bounce): ``preferences["is-auto-response"]``, set from headers such as
    #: ``Auto-Submitted`` or ``X-Auto-Response-Suppress``.
    auto_response: bool = False

    @property
    def is_customer_reply(self) -> bool:
        """Whether the customer wrote this public article (an email or a web reply) — a
        person, not their mail server answering while they are away."""
        return not self.internal and self.sender == "Customer" and not self.auto_response

    @property
    def is_agent_note(self) -> bool:
        """Whether an agent wrote this internal note (where a person writes commands)."""
        return self.internal and self.sender == "Agent"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Article:
        """Parse an article object."""
        return cls(
            id=int(data["id"]),
            ticket_id=int(data["ticket_id"]),
            body=str(data.get("body") or ""),
            content_type=str(data.get("content_type") or "text/plain"),
            internal=bool(data.get("internal")),
            type=data.get("type") or ARTICLE_TYPES.get(_int(data.get("type_id"))),
            sender=data.get("sender") or ARTICLE_SENDERS.get(_int(data.get("sender_id"))),
            subject=data.get("subject"),
            created_by_id=data.get("created_by_id"),
            created_by=data.get("created_by"),
            created_at=parse_timestamp(data.get("created_at")),
            auto_response=_flag(data.get("preferences"), "is-auto-response"),
        )


@dataclass(frozen=True)
class Organization:
    """A Zammad organization: deploybot maps it to a configured customer."""

    id: int
    name: str
    active: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Organization:
        """Parse an organization object."""
        return cls(id=int(data["id"]), name=str(data["name"]), active=bool(data.get("active")))


@dataclass(frozen=True)
class User:
    """A Zammad user (agent or customer)."""

    id: int
    login: str
    firstname: str
    lastname: str
    email: str | None
    organization_id: int | None

    @property
    def display_name(self) -> str:
        """First and last name, else the login."""
        return f"{self.firstname} {self.lastname}".strip() or self.login

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> User:
        """Parse a user object."""
        return cls(
            id=int(data["id"]),
            login=str(data.get("login") or ""),
            firstname=str(data.get("firstname") or ""),
            lastname=str(data.get("lastname") or ""),
            email=data.get("email") or None,
            organization_id=data.get("organization_id"),
        )


def search_ticket_ids(body: Any) -> tuple[list[int], dict[int, dict[str, Any]]]:
    """Ticket ids of a search answer in any shape Zammad uses, and the ticket objects it carried.

    Zammad 6.2 answers ``{"tickets": [ids], "tickets_count": n, "assets": {"Ticket": {...}}}``,
    newer versions and ``expand=true`` a plain list of tickets, some a ``record_ids`` list.
    """
    if isinstance(body, list):
        objects = {int(t["id"]): t for t in body if isinstance(t, dict)}
        ids = [int(t["id"]) if isinstance(t, dict) else int(t) for t in body]
        return ids, objects
    if isinstance(body, dict):
        raw_ids: list[Any] = list(body.get("tickets") or body.get("record_ids") or [])
        assets = (body.get("assets") or {}).get("Ticket") or {}
        objects = {int(key): value for key, value in assets.items()}
        ids = [int(t["id"]) if isinstance(t, dict) else int(t) for t in raw_ids]
        for t in raw_ids:
            if isinstance(t, dict):
                objects[int(t["id"])] = t
        return ids, objects
    raise ZammadError(0, "unexpected search answer", f"unexpected search answer: {body!r:.200}")


# ---------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class TagChange:
    """A tag added to or removed from a ticket, by whom (display name) and when."""

    tag: str
    added: bool
    by: str | None
    at: datetime | None


def tag_changes(body: Mapping[str, Any]) -> list[TagChange]:
    """The tag additions and removals of a ``/ticket_history/{id}`` answer, oldest first."""
    users = (body.get("assets") or {}).get("User") or {}
    changes = []
    for entry in body.get("history") or []:
        if entry.get("attribute") != "tag" or entry.get("type") not in ("added", "removed"):
            continue
        author = users.get(str(entry.get("created_by_id"))) or {}
        added = entry["type"] == "added"
        changes.append(
            TagChange(
                # Zammad keeps the tag in value_to both ways (older emulations used value_from).
                tag=str(entry.get("value_to") or entry.get("value_from")),
                added=added,
                by=User.from_json(author).display_name if author else None,
                at=parse_timestamp(entry.get("created_at")),
            )
        )
    return changes


#: What starts the visible line that marks a note as deploybot's effect.
MARKER = "deploybot ref "
_KEY = re.compile(r"^[A-Za-z0-9._:/#-]{1,200}$")


def marker_text(key: str) -> str:
    """The text that marks an article as deploybot's effect ``key``."""
    if not _KEY.match(key):
        raise ValueError(f"an article key is letters, digits and . _ : / # - only: {key!r}")
    return f"{MARKER}{key}"


_TAGS = re.compile(r"<[^>]+>")


def visible_text(body: str) -> str:
    """What a person reads of an HTML body: no tags, entities decoded, spaces collapsed (so a
    comment is recognised whatever markup Zammad's sanitizer adjusted)."""
    return " ".join(html.unescape(_TAGS.sub(" ", body)).split())


def is_marked(body: str) -> bool:
    """Whether an article carries deploybot's marker (it is one of deploybot's own notes)."""
    return MARKER in body


def marker_html(key: str) -> str:
    """The marker as a discreet last paragraph of a note."""
    return f'<p style="color:#8a8a8a;font-size:11px">{marker_text(key)}</p>'


class ZammadError(OutsideError):
    """Zammad refused a request; ``error_human`` is Zammad's sentence for people."""

    def __init__(self, status: int, error: str, error_human: str | None = None) -> None:
        self.status = status
        self.error = error
        self.error_human = error_human or error
        super().__init__(f"Zammad answered {status}: {self.error_human}" if status else error)


class ZammadAuthError(ZammadError):
    """401: the token is missing, wrong or expired."""


class ZammadPermissionError(ZammadError):
    """403: the token's user may not do this."""


class ZammadTagRefusedError(ZammadPermissionError):
    """403 on adding a tag: it does not exist yet and this token may not create tags."""

    def __init__(self, tag: str, status: int, error: str) -> None:
        super().__init__(
            status,
            error,
            f"Zammad refused to add the tag '{tag}' ({error}): the tag does not exist yet and "
            "this token may not create tags — run `deploybot setup zammad --apply` with an "
            "admin token, or have an admin create it (Admin › Tags)",
        )
        self.tag = tag


class ZammadNotFoundError(ZammadError):
    """404: no such ticket, article, organization or user (or route)."""

    permanent = True


class ZammadValidationError(ZammadError):
    """422: Zammad rejected the data sent."""

    permanent = True


class ZammadUnavailableError(ZammadError):
    """Zammad did not answer usefully after every retry."""


_ERRORS: dict[int, type[ZammadError]] = {
    401: ZammadAuthError,
    403: ZammadPermissionError,
    404: ZammadNotFoundError,
    422: ZammadValidationError,
}


def error_from_response(status: int, body: Any, reason: str = "") -> ZammadError:
    """The typed error for a non-2xx answer, keeping Zammad's ``error``/``error_human``."""
    error, human = reason or f"HTTP {status}", None
    if isinstance(body, dict):
        error = str(body.get("error") or error)
        human = body.get("error_human")
    return _ERRORS.get(status, ZammadError)(status, error, human)


def _flag(preferences: object, name: str) -> bool:
    """Whether an object's ``preferences`` hold ``name`` as true (absent, or not an object:
    false)."""
    return isinstance(preferences, Mapping) and preferences.get(name) is True
