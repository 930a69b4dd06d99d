"""A stateful Zammad 6.2 emulator over HTTP, answering in the recorded shapes.

Implements what deploybot's client uses: ticket search (condition and query, in the 6.2 dict
shape or the newer list shape), tickets (plain, ``expand``, ``all``), tags, articles,
organizations and users. Token auth as Zammad does it: ``Authorization: Token token=…``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from emulators import zammad_rest
from emulators import zammad_search as search
from emulators.server import EmulatorApp, json_response
from emulators.zammad_search import BACKENDS, SearchBackend
from emulators.zammad_state import ZammadState, sanitized

MAX_PER_PAGE = 200
#: The admin objects deploybot's setup creates (GET and POST /api/v1/<kind>, admins only).
ADMIN_KINDS = ("overviews", "macros", "webhooks", "triggers")
ROLES = [{"id": 1, "name": "Admin"}, {"id": 2, "name": "Agent"}, {"id": 3, "name": "Customer"}]


class ZammadEmulator(ZammadState, EmulatorApp):
    """In-memory Zammad: organizations, users, tickets with tags and articles."""

    name = "zammad"

    def setup(self) -> None:
        section = self.scenario.get("zammad") or {}
        self.search_shape = str(section.get("search_shape", "6.2"))
        #: ``sql``: a Zammad without Elasticsearch (the default, as Zammad runs out of the box);
        #: ``es``: with it, a lagging index of ``index_lag_seconds``.
        self.search_backend: SearchBackend = _backend(section.get("search", "sql"))
        self.index_lag = float(section.get("index_lag_seconds", 0))
        #: Whether agents may list roles (newer Zammad); 6.2 allows only ``admin.role``.
        self.roles_for_agents = bool(section.get("roles_for_agents", False))
        #: Zammad's ``tag_new`` setting: may agents create tags by using them?
        self.tag_new = bool(section.get("tag_new", True))
        self.admin_token = str(section.get("admin_token", "admin-token"))
        self.admin_objects: dict[str, dict[int, dict[str, Any]]] = {k: {} for k in ADMIN_KINDS}
        self.init_state(section)
        r = self.route
        r("/api/v1/tag_list", "tag_admin", ["GET", "POST"], self.h_tag_admin)
        r("/api/v1/tag_search", "tag_search", ["GET"], self.h_tag_search)
        r("/api/v1/roles", "roles", ["GET"], self.h_roles)
        for kind in ADMIN_KINDS:
            r(f"/api/v1/{kind}", kind, ["GET", "POST"], self._admin_handler(kind))
        zammad_rest.register(self)
        r("/api/v1/tickets/search", "ticket_search", ["GET", "POST"], self.h_ticket_search)
        r("/api/v1/tickets/<int:ticket_id>", "ticket_show", ["GET"], self.h_ticket_show)
        r("/api/v1/tags", "tags_list", ["GET"], self.h_tags_list)
        r("/api/v1/tags/add", "tags_add", ["POST"], self.h_tags_add)
        r("/api/v1/tags/remove", "tags_remove", ["DELETE"], self.h_tags_remove)
        r(
            "/api/v1/ticket_articles/by_ticket/<int:ticket_id>",
            "articles_by_ticket",
            ["GET"],
            self.h_articles_by_ticket,
        )
        r("/api/v1/ticket_articles", "article_create", ["POST"], self.h_article_create)
        r("/api/v1/ticket_articles/<int:article_id>", "article_show", ["GET"], self.h_article_show)
        r(
            "/api/v1/organizations/search",
            "organization_search",
            ["GET"],
            self.h_organization_search,
        )
        r(
            "/api/v1/organizations/<int:org_id>",
            "organization_show",
            ["GET"],
            self.h_organization_show,
        )
        r(
            "/api/v1/ticket_history/<int:ticket_id>",
            "ticket_history",
            ["GET"],
            self.h_ticket_history,
        )
        r("/api/v1/users/me", "user_me", ["GET"], self.h_user_me)
        r("/api/v1/users/<int:user_id>", "user_show", ["GET"], self.h_user_show)

    def authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        match = re.match(r"^Token token=(.+)$", header)
        token = match.group(1) if match else None
        roles = {self.token: "agent", self.admin_token: "admin"}
        if token not in roles:
            return False
        request.environ["zammad.role"] = roles[token]
        return True

    def unauthorized(self, request: Request) -> Response:
        if not request.headers.get("Authorization"):
            text = "Authentication required"
            return json_response({"error": text, "error_human": text}, 403)
        text = "Can't find User for Token"
        return json_response({"error": text, "error_human": text}, 401)

    @staticmethod
    def _is_admin(request: Request) -> bool:
        return request.environ.get("zammad.role") == "admin"

    @staticmethod
    def _forbidden() -> Response:
        return json_response({"error": "Not authorized", "error_human": "Not authorized"}, 403)

    def not_found(self, request: Request) -> Response:
        text = f"No route matches [{request.method}] {request.path}"
        return json_response({"error": text, "error_human": text}, 404)

    def error(self, status: int) -> Response:
        return json_response(
            {"error": "emulated failure", "error_human": "emulated failure"}, status
        )

    def _missing(self, kind: str, ident: int) -> Response:
        text = f"Couldn't find {kind} with 'id'={ident}"
        return json_response({"error": text, "error_human": text}, 404)

    def _unprocessable(self, text: str) -> Response:
        return json_response({"error": text, "error_human": text}, 422)

    def _expanded(self, ticket: dict[str, Any]) -> dict[str, Any]:
        out = self._with_ids(ticket)
        org = self.organizations.get(ticket.get("organization_id") or -1)
        customer = self.users.get(ticket.get("customer_id") or -1, {})
        owner = self.users.get(ticket.get("owner_id") or -1, {})
        out.update(
            group="Users",
            organization=org["name"] if org else None,
            ticket_time_accounting=[],
            state="open",
            priority="2 normal",
            owner=owner.get("login", "-"),
            customer=customer.get("login", "-"),
            created_by=customer.get("login", "-"),
            updated_by=customer.get("login", "-"),
            create_article_type="note",
            create_article_sender="Agent",
        )
        return out

    def _with_ids(self, ticket: dict[str, Any]) -> dict[str, Any]:
        out = dict(ticket)
        out["article_ids"] = [a["id"] for a in self.ticket_articles(ticket["id"])]
        out["ticket_time_accounting_ids"] = []
        return out

    def h_ticket_search(self, request: Request) -> Response:
        params: dict[str, Any] = dict(request.args)
        if request.method == "POST":
            params.update(json.loads(request.get_data() or b"{}"))
        condition = params.get("condition") or {}
        try:
            search.check_condition(condition)
        except search.ConditionError as error:
            return self._unprocessable(str(error))
        query = search.clean_query(params.get("query"))
        now = self.clock()
        hits = [
            t
            for t, ticket in self.tickets.items()
            if search.matches_condition(ticket, self.tags[t], condition)
            and (not query or self._ticket_hit(query, t))
            and search.visible(self.search_backend, query, ticket, now, self.index_lag)
        ]
        hits.sort(key=lambda t: (self.tickets[t]["updated_at"], t), reverse=True)
        page = max(1, int(params.get("page", 1)))
        per_page = max(1, min(int(params.get("per_page", 50)), MAX_PER_PAGE))
        chunk = hits[(page - 1) * per_page : page * per_page]
        expand = str(params.get("expand", "false")).lower() == "true"
        if expand or self.search_shape == "list":
            return json_response([self._expanded(self.tickets[t]) for t in chunk])
        return json_response(
            {
                "tickets": chunk,
                "tickets_count": len(chunk),
                "assets": {"Ticket": {str(t): self._with_ids(self.tickets[t]) for t in chunk}},
            }
        )

    def _ticket_hit(self, query: str, ticket_id: int) -> bool:
        return search.ticket_matches_query(
            self.search_backend,
            query,
            self.tickets[ticket_id],
            self.tags[ticket_id],
            self.ticket_articles(ticket_id),
        )

    def h_ticket_show(self, request: Request, ticket_id: int) -> Response:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return self._missing("Ticket", ticket_id)
        if request.args.get("all") == "true":
            return json_response(self._ticket_all(ticket))
        if request.args.get("expand") == "true":
            return json_response(self._expanded(ticket))
        return json_response(ticket)

    def _ticket_all(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """``?all=true`` as ``Ticket::AssetsAll`` builds it: ``Ticket#assets`` (the ticket, its
        organization, its creator, updater, owner and customer with their organizations), then
        ``Ticket::Article#assets`` of each article (``attributes_with_association_ids``: ids
        only, no ``sender``/``type``/``created_by`` names; its creator, updater and origin)."""
        ticket_id = int(ticket["id"])
        articles = self.ticket_articles(ticket_id)
        assets: dict[str, dict[str, Any]] = {"Ticket": {str(ticket_id): self._with_ids(ticket)}}
        self._organization_assets(assets, ticket.get("organization_id"))
        for key in ("created_by_id", "updated_by_id", "owner_id", "customer_id"):
            self._user_assets(assets, ticket.get(key))
        for article in articles:
            assets.setdefault("TicketArticle", {})[str(article["id"])] = article_with_ids(article)
            for key in ("created_by_id", "updated_by_id", "origin_by_id"):
                self._user_assets(assets, article.get(key))
        return {
            "ticket_id": ticket_id,
            "ticket_article_ids": [a["id"] for a in articles],
            "assets": assets,
            "links": [],
            "tags": list(self.tags[ticket_id]),
            "mentions": [],
            "time_accountings": [],
            "form_meta": {"filter": {}, "dependencies": {}},
        }

    def _user_assets(self, assets: dict[str, dict[str, Any]], user_id: Any) -> None:
        user = self.users.get(user_id) if isinstance(user_id, int) else None
        if user is None or str(user_id) in assets.get("User", {}):
            return
        assets.setdefault("User", {})[str(user_id)] = user
        self._organization_assets(assets, user.get("organization_id"))

    def _organization_assets(self, assets: dict[str, dict[str, Any]], org_id: Any) -> None:
        org = self.organizations.get(org_id) if isinstance(org_id, int) else None
        if org is not None:
            assets.setdefault("Organization", {})[str(org_id)] = org

    def _tag_target(self, request: Request) -> tuple[int, str] | Response:
        body = json.loads(request.get_data() or b"{}")
        if body.get("object") != "Ticket" or "o_id" not in body or not body.get("item"):
            return self._unprocessable("Need object, o_id and item")
        ticket_id = int(body["o_id"])
        if ticket_id not in self.tickets:
            return self._missing("Ticket", ticket_id)
        return ticket_id, str(body["item"])

    def h_tags_list(self, request: Request) -> Response:
        ticket_id = int(request.args.get("o_id", 0))
        if ticket_id not in self.tickets:
            return self._missing("Ticket", ticket_id)
        return json_response({"tags": list(self.tags[ticket_id])})

    def h_tags_add(self, request: Request) -> Response:
        target = self._tag_target(request)
        if isinstance(target, Response):
            return target
        ticket_id, tag = target
        known = tag.strip().casefold() in self.tag_items
        if not (known or self.tag_new or self._is_admin(request)):
            return self._forbidden()  # Tag.tag_allowed?: a new tag needs tag_new or admin.tag
        if self._tag(ticket_id, tag, added=True, by=self.agent_id):
            self._touch(ticket_id)
        return json_response(True, 201)

    def h_tags_remove(self, request: Request) -> Response:
        target = self._tag_target(request)
        if isinstance(target, Response):
            return target
        ticket_id, tag = target
        self.tag_item(tag)  # Tag::Item.lookup_by_name_and_create, whatever tag_new says
        self._tag(ticket_id, tag, added=False, by=self.agent_id)
        self._touch(ticket_id)  # Tag.tag_remove touches the ticket even when nothing went
        return json_response(True)

    def h_ticket_history(self, request: Request, ticket_id: int) -> Response:
        if ticket_id not in self.tickets:
            return self._missing("Ticket", ticket_id)
        entries = [e for e in self.history if e["o_id"] == ticket_id]
        users = {str(e["created_by_id"]): self.users[e["created_by_id"]] for e in entries}
        return json_response({"history": entries, "assets": {"User": users}})

    def h_articles_by_ticket(self, request: Request, ticket_id: int) -> Response:
        if ticket_id not in self.tickets:
            return self._missing("Ticket", ticket_id)
        return json_response(self.ticket_articles(ticket_id))

    def h_article_create(self, request: Request) -> Response:
        body = json.loads(request.get_data() or b"{}")
        ticket_id = body.get("ticket_id")
        if ticket_id is None or not str(body.get("body", "")).strip():
            return self._unprocessable("Need ticket_id and body")
        if int(ticket_id) not in self.tickets:
            return self._missing("Ticket", int(ticket_id))
        article = self.add_article(
            int(ticket_id),
            body=sanitized(str(body["body"]), str(body.get("content_type", "text/plain"))),
            internal=bool(body.get("internal", False)),
            type_=str(body.get("type", "note")),
            sender=str(body.get("sender", "Agent")),
            subject=body.get("subject"),
            to=body.get("to"),
            content_type=str(body.get("content_type", "text/plain")),
            author=self.users[self.agent_id]["login"],
        )
        return json_response(article, 201)

    def h_article_show(self, request: Request, article_id: int) -> Response:
        article = self.articles.get(article_id)
        return json_response(article) if article else self._missing("Ticket::Article", article_id)

    def h_organization_search(self, request: Request) -> Response:
        """``OrganizationsController#search``: ``per_page`` (or ``limit``, default 100, at
        most 500) and ``page``; SQL over ``name`` and ``note`` without Elasticsearch."""
        query = search.clean_query(request.args.get("query"))
        now = self.clock()
        hits = [
            o
            for o in sorted(self.organizations.values(), key=lambda o: (o["updated_at"], o["id"]))
            if search.record_matches_query(self.search_backend, query, o, ("name", "note"))
            and search.visible(self.search_backend, query, o, now, self.index_lag)
        ]
        per_page = min(int(request.args.get("per_page") or request.args.get("limit") or 100), 500)
        page = max(1, int(request.args.get("page") or 1))
        hits = hits[(page - 1) * per_page : page * per_page]
        if request.args.get("full") == "true":
            return json_response(
                {
                    "organization_ids": [o["id"] for o in hits],
                    "assets": {"Organization": {str(o["id"]): o for o in hits}},
                }
            )
        return json_response(hits)  # a plain list, with or without expand

    def h_organization_show(self, request: Request, org_id: int) -> Response:
        org = self.organizations.get(org_id)
        return json_response(org) if org else self._missing("Organization", org_id)

    def h_user_me(self, request: Request) -> Response:
        return json_response(self.users[self.agent_id])

    def h_user_show(self, request: Request, user_id: int) -> Response:
        user = self.users.get(user_id)
        return json_response(user) if user else self._missing("User", user_id)

    # -- admin ------------------------------------------------------------------------------

    def h_tag_admin(self, request: Request) -> Response:
        if not self._is_admin(request):
            return self._forbidden()
        if request.method == "POST":
            body = json.loads(request.get_data() or b"{}")
            if str(body.get("name") or "").strip():
                self.tag_item(str(body["name"]))
            return json_response({})
        counts = {key: 0 for key in self.tag_items}
        for tags in self.tags.values():
            for tag in tags:
                counts[tag.casefold()] = counts.get(tag.casefold(), 0) + 1
        items = sorted(self.tag_items.items(), key=lambda item: item[1]["name"])
        return json_response([item | {"count": counts.get(key, 0)} for key, item in items])

    def h_tag_search(self, request: Request) -> Response:
        term = str(request.args.get("term", "")).strip().casefold()
        limit = int(request.args.get("limit") or 10)
        hits = sorted(
            (item for key, item in self.tag_items.items() if term in key),
            key=lambda item: item["name"],
        )
        return json_response([{"id": item["id"], "value": item["name"]} for item in hits][:limit])

    def h_roles(self, request: Request) -> Response:
        # Controllers::RolesControllerPolicy: ``admin.role`` only, until newer versions.
        if not (self._is_admin(request) or self.roles_for_agents):
            return self._forbidden()
        return json_response(ROLES)

    def _admin_handler(self, kind: str) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            if not self._is_admin(request):
                return self._forbidden()
            table = self.admin_objects[kind]
            if request.method == "GET":
                return json_response(list(table.values()))
            body = json.loads(request.get_data() or b"{}")
            if not str(body.get("name") or "").strip():
                return self._unprocessable("Name can't be blank")
            record = dict(body) | {"id": len(table) + 1}
            table[record["id"]] = record
            return json_response(record, 201)

        return handler


def article_with_ids(article: dict[str, Any]) -> dict[str, Any]:
    """An article as ``attributes_with_association_ids``: the association names dropped."""
    names = ("type", "sender", "created_by", "updated_by")
    return {key: value for key, value in article.items() if key not in names}


def _backend(value: Any) -> SearchBackend:
    for backend in BACKENDS:
        if value == backend:
            return backend
    raise ValueError(f"zammad.search must be one of {', '.join(BACKENDS)}, not {value!r}")
