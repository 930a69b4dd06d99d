"""Zammad REST client: tickets, tags, articles, organizations and users as typed records.

Answers are parsed at this edge into small frozen records; nothing else in deploybot reads
Zammad's JSON. Errors become :class:`ZammadError` subclasses carrying Zammad's own text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Literal

import requests

from integrations import __version__
from integrations.retry import RetriesExhaustedError, RetryPolicy, send
from integrations.zammad_records import (
    MARKER,
    Article,
    Organization,
    TagChange,
    Ticket,
    User,
    ZammadAuthError,
    ZammadError,
    ZammadNotFoundError,
    ZammadPermissionError,
    ZammadTagRefusedError,
    ZammadUnavailableError,
    ZammadValidationError,
    error_from_response,
    is_marked,
    marker_html,
    marker_text,
    search_ticket_ids,
    tag_changes,
    visible_text,
)

# The records and errors are part of this adapter's interface.
__all__ = [
    "MARKER",
    "Article",
    "Organization",
    "TagChange",
    "Ticket",
    "User",
    "ZammadAuthError",
    "ZammadClient",
    "ZammadError",
    "ZammadNotFoundError",
    "ZammadPermissionError",
    "ZammadTagRefusedError",
    "ZammadUnavailableError",
    "ZammadValidationError",
    "error_from_response",
    "is_marked",
    "marker_html",
    "marker_text",
    "search_ticket_ids",
    "tag_changes",
    "visible_text",
]

MAX_PER_PAGE = 200
#: Zammad's largest page of organizations (search and list).
ORGANIZATIONS_PER_PAGE = 500
USER_AGENT = f"deploybot/{__version__} (+zammad client)"


class ZammadClient:
    """Talks to one Zammad instance with an API token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        retry: RetryPolicy | None = None,
        per_page: int = MAX_PER_PAGE,
        session: requests.Session | None = None,
    ) -> None:
        self.web_url = url.rstrip("/")
        self.base = self.web_url + "/api/v1"
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.per_page = max(1, min(per_page, MAX_PER_PAGE))
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Token token={token}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            }
        )

    def __repr__(self) -> str:  # never show the token
        return f"ZammadClient({self.base!r})"

    # -- transport ------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = send(
                self.session,
                method,
                self.base + path,
                service="Zammad",
                policy=self.retry,
                timeout=self.timeout,
                **kwargs,
            )
        except RetriesExhaustedError as exc:
            raise ZammadUnavailableError(0, str(exc)) from exc
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        if response.status_code >= 400:
            raise error_from_response(response.status_code, body, response.reason)
        return body

    # -- tickets --------------------------------------------------------------------------

    def find_tickets_with_tags(self, tags: Iterable[str]) -> list[Ticket]:
        """Every ticket carrying at least one of ``tags``, across all result pages.

        A condition search reads the database, so it sees a tag at once and works the same
        with and without Elasticsearch (a query such as ``tags:deploy`` needs the index and
        would match nothing without it).
        """
        wanted = [tag for tag in tags if tag]
        if not wanted:
            return []
        return self._search_pages(
            {"ticket.tags": {"operator": "contains one", "value": ",".join(wanted)}}
        )

    def _condition_page(self, condition: dict[str, Any], number: int, per_page: int) -> Any:
        payload = {"condition": condition, "page": number, "per_page": per_page, "expand": False}
        return self._request("POST", "/tickets/search", json=payload)

    def _search_pages(self, condition: dict[str, Any]) -> list[Ticket]:
        found: dict[int, Ticket] = {}
        number = 1
        while True:
            ids, objects = search_ticket_ids(self._condition_page(condition, number, self.per_page))
            for ticket_id in ids:
                if ticket_id not in found:
                    data = objects.get(ticket_id)
                    found[ticket_id] = Ticket.from_json(data) if data else self.ticket(ticket_id)
            if len(ids) < self.per_page:
                return list(found.values())
            number += 1

    def ticket(self, ticket_id: int) -> Ticket:
        """A ticket with its tags and article ids, in one call (``?all=true``)."""
        body = self._request("GET", f"/tickets/{ticket_id}", params={"all": "true"})
        if "ticket_id" in body:  # the "all" shape
            return _ticket_of_all(body)
        return Ticket.from_json(body, tags=self.tags(ticket_id))

    def ticket_by_number(self, number: str) -> Ticket | None:
        """The ticket with this number (``7412280``; a prefix like ``ES-`` is ignored).

        Found by a ``ticket.number`` condition, which reads the database: a ticket created a
        moment ago, or one with no article yet, is found with or without Elasticsearch.
        """
        digits = number.strip().rsplit("-", 1)[-1].removeprefix("Ticket#").removeprefix("#")
        condition = {"ticket.number": {"operator": "is", "value": digits}}
        ids, objects = search_ticket_ids(self._condition_page(condition, 1, 10))
        for ticket_id in ids:
            data = objects.get(ticket_id)
            if data is None or str(data.get("number")) == digits:
                found = self.ticket(ticket_id)
                if found.number == digits:
                    return found
        return None

    def tag_history(self, ticket_id: int) -> list[TagChange]:
        """Who added or removed which tag of a ticket, and when, oldest first."""
        return tag_changes(self._request("GET", f"/ticket_history/{ticket_id}"))

    # -- tags -----------------------------------------------------------------------------

    def tags(self, ticket_id: int) -> list[str]:
        """The tags of a ticket."""
        body = self._request("GET", "/tags", params={"object": "Ticket", "o_id": ticket_id})
        return [str(tag) for tag in body.get("tags", [])]

    def add_tag(self, ticket_id: int, tag: str) -> None:
        """Add a tag to a ticket (adding one it already has is harmless). A tag Zammad does
        not know yet is refused unless ``tag_new`` is on or the token is an admin's."""
        payload = {"item": tag, "object": "Ticket", "o_id": ticket_id}
        try:
            self._request("POST", "/tags/add", json=payload)
        except ZammadPermissionError as error:
            raise ZammadTagRefusedError(tag, error.status, error.error) from None

    def remove_tag(self, ticket_id: int, tag: str) -> None:
        """Remove a tag from a ticket (removing one it lacks is harmless)."""
        payload = {"item": tag, "object": "Ticket", "o_id": ticket_id}
        self._request("DELETE", "/tags/remove", json=payload)

    # -- articles -------------------------------------------------------------------------

    def articles(self, ticket_id: int) -> list[Article]:
        """Every article of a ticket, oldest first."""
        body = self._request("GET", f"/ticket_articles/by_ticket/{ticket_id}")
        return [Article.from_json(item) for item in body]

    def post_note(
        self,
        ticket_id: int,
        html: str,
        *,
        key: str | None = None,
        subject: str | None = None,
        look: bool = True,
    ) -> Article:
        """An internal note (agents only), HTML; with ``key``, posted at most once per ticket.

        The key is written in the note as a small "deploybot ref …" line (plain text, which
        Zammad's HTML sanitizer keeps); a note whose key is already on the ticket is not posted
        again and the existing article is returned. ``look=False``: the caller knows it was
        never posted (its first try), so the ticket's articles are not read first.
        """
        if key is not None:
            existing = self.find_marked_article(ticket_id, key) if look else None
            if existing is not None:
                return existing
            html = f"{html}\n{marker_html(key)}"
        return self._create_article(ticket_id, html, internal=True, type_="note", subject=subject)

    def post_public_comment(
        self, ticket_id: int, html: str, *, key: str | None = None, look: bool = True
    ) -> Article:
        """A customer-visible note, HTML, posted at most once per ticket.

        The customer sees it, so it carries no marker: a comment with the same text already on
        the ticket is the one deploybot posted before (``key`` only says it wants this;
        ``look=False``: never posted before, nothing to look for).
        """
        if key is not None and look:
            wanted = visible_text(html)
            for article in self.articles(ticket_id):
                if not article.internal and visible_text(article.body) == wanted:
                    return article
        return self._create_article(ticket_id, html, internal=False, type_="note")

    def find_marked_article(self, ticket_id: int, key: str) -> Article | None:
        """The article of this ticket that carries deploybot's marker for ``key``, if any."""
        marker = marker_text(key)
        return next((a for a in self.articles(ticket_id) if marker in a.body), None)

    def post_public_article(
        self,
        ticket_id: int,
        html: str,
        *,
        type_: Literal["note", "email"] = "note",
        to: str | None = None,
        subject: str | None = None,
    ) -> Article:
        """A customer-visible article: a public note, or an email sent by Zammad to ``to``."""
        return self._create_article(
            ticket_id, html, internal=False, type_=type_, subject=subject, to=to
        )

    def _create_article(
        self,
        ticket_id: int,
        html: str,
        *,
        internal: bool,
        type_: str,
        subject: str | None = None,
        to: str | None = None,
    ) -> Article:
        payload: dict[str, Any] = {
            "ticket_id": ticket_id,
            "body": html,
            "content_type": "text/html",
            "type": type_,
            "internal": internal,
            "sender": "Agent",
        }
        if subject:
            payload["subject"] = subject
        if to:
            payload["to"] = to
        return Article.from_json(self._request("POST", "/ticket_articles", json=payload))

    # -- organizations and users ----------------------------------------------------------

    def organization(self, organization_id: int) -> Organization:
        """An organization by id."""
        return Organization.from_json(self._request("GET", f"/organizations/{organization_id}"))

    def organization_by_name(self, name: str) -> Organization | None:
        """The organization with exactly this name (case-insensitive), if any: searched for,
        else (a lagging search index) read from the list of organizations."""
        found = self.search_organization(name)
        return found if found is not None else self.list_organization(name)

    def search_organization(self, name: str) -> Organization | None:
        """The organization with exactly this name, as Zammad's search finds it.

        The term sent is the name's longest word: plain text, which Zammad without
        Elasticsearch matches with ``LIKE`` and Elasticsearch as a word, where the whole name
        could hold characters of the index's query language. The hits are compared exactly.
        """
        term = max(re.findall(r"\w+", name), key=len, default="")
        if not term:
            return None
        return self._named_organization(name, "/organizations/search", {"query": term})

    def list_organization(self, name: str) -> Organization | None:
        """The organization with exactly this name, read from the whole list (the database,
        never the search index), page by page."""
        return self._named_organization(name, "/organizations", {})

    def _named_organization(
        self, name: str, path: str, params: dict[str, str]
    ) -> Organization | None:
        """The organization named ``name`` among the pages of a listing or a search, read no
        further than the page that holds it."""
        page = 1
        while True:
            paged = {**params, "per_page": ORGANIZATIONS_PER_PAGE, "page": page}
            ids, objects = _search_objects(self._request("GET", path, params=paged) or [],
                                           "Organization")  # fmt: skip
            match = _named(name, [objects[i] for i in ids if i in objects])
            if match is not None or len(ids) < ORGANIZATIONS_PER_PAGE:
                return match
            page += 1

    def any_ticket(self) -> Ticket | None:
        """One ticket the token can read (the first listed), if there is any."""
        listed = self._request("GET", "/tickets", params={"per_page": 1, "page": 1}) or []
        return Ticket.from_json(listed[0]) if listed else None

    def user(self, user_id: int) -> User:
        """A user by id."""
        return User.from_json(self._request("GET", f"/users/{user_id}"))

    def me(self) -> User:
        """The user the token belongs to (checks that the token is valid)."""
        return User.from_json(self._request("GET", "/users/me"))

    def known_tag(self, name: str) -> bool:
        """Whether Zammad knows the tag (any case), as agents may look it up."""
        hits = self._request("GET", "/tag_search", params={"term": name, "limit": 50}) or []
        return any(str(hit.get("value", "")).casefold() == name.casefold() for hit in hits)


def _ticket_of_all(body: dict[str, Any]) -> Ticket:
    """A ``?all=true`` answer: the ticket, its tags, and — carried in its assets — its
    articles and their authors (Ticket::AssetsAll), so that one request is enough."""
    assets = body.get("assets") or {}
    data = assets["Ticket"][str(body["ticket_id"])]
    ids = [int(i) for i in body.get("ticket_article_ids") or ()]
    carried = assets.get("TicketArticle") or {}
    articles = None
    if all(str(i) in carried for i in ids):
        articles = tuple(Article.from_json(carried[str(i)]) for i in ids)
    users = assets.get("User") or {}
    authors = tuple((int(k), User.from_json(v).display_name) for k, v in users.items())
    organizations = tuple(
        Organization.from_json(item) for item in (assets.get("Organization") or {}).values()
    )
    ticket = Ticket.from_json(data, tags=body.get("tags") or (), article_ids=ids)
    return replace(ticket, articles=articles, authors=authors, organizations=organizations)


def _named(name: str, objects: Iterable[dict[str, Any]]) -> Organization | None:
    wanted = name.casefold()
    for data in objects:
        if str(data.get("name", "")).casefold() == wanted:
            return Organization.from_json(data)
    return None


def _search_objects(body: Any, asset: str) -> tuple[list[int], dict[int, dict[str, Any]]]:
    """Ids and objects of a search answer in any of Zammad's shapes: a plain list, or (with
    ``full=true``) ``{<kind>_ids, assets}``."""
    if isinstance(body, list):
        return [int(o["id"]) for o in body], {int(o["id"]): o for o in body}
    assets = (body.get("assets") or {}).get(asset) or {}
    kind = "organization" if asset == "Organization" else "user"
    ids = body.get(f"{kind}_ids") or body.get(f"{kind}s") or []
    return [int(i) for i in ids], {int(k): v for k, v in assets.items()}
