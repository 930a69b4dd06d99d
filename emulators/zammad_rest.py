"""The Zammad emulator's plain REST routes beyond what deploybot itself calls, for the objects
it already holds: lists of users, organizations and tickets, user search, groups, and creating
and updating tickets — what third-party clients (zammad_py, zammadoo) call."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulators import zammad_search
from emulators.server import json_response
from integrations.timestamps import format_timestamp

if TYPE_CHECKING:
    from emulators.zammad import ZammadEmulator

#: The user's string columns a search without Elasticsearch looks in.
USER_COLUMNS = ("login", "firstname", "lastname", "email", "phone", "mobile", "note")
GROUPS = [{"id": 1, "name": "Users", "active": True}]
#: Editable ticket attributes (what a PUT may change).
_TICKET_FIELDS = ("title", "state_id", "priority_id", "owner_id", "customer_id", "group_id")


def _page(request: Request, items: list[Any], *, default: int = 500, most: int = 500) -> list[Any]:
    """One page, as ``paginate_with``: ``model_index_render`` lists 500 by default (users,
    organizations), ``TicketsController#index`` at most 100."""
    page = max(1, int(request.args.get("page", 1)))
    per_page = max(1, min(int(request.args.get("per_page", default)), most))
    return items[(page - 1) * per_page : page * per_page]


def register(app: ZammadEmulator) -> None:
    """Add the routes to ``app``."""
    r = app.route
    r("/api/v1/users", "users_list", ["GET"], lambda q: _users(app, q))
    r("/api/v1/users/search", "users_search", ["GET"], lambda q: _users(app, q, search=True))
    r("/api/v1/organizations", "organizations_list", ["GET"], lambda q: _organizations(app, q))
    r("/api/v1/groups", "groups_list", ["GET"], lambda q: json_response(GROUPS))
    r("/api/v1/tickets", "tickets", ["GET", "POST"], lambda q: _tickets(app, q))
    r("/api/v1/tickets/<int:ticket_id>", "ticket_update", ["PUT"],
      lambda q, ticket_id: _update_ticket(app, q, ticket_id))  # fmt: skip


def _users(app: ZammadEmulator, request: Request, *, search: bool = False) -> Response:
    users = sorted(app.users.values(), key=lambda u: u["id"])
    if search:  # UsersController#search → User.search (app/models/user/search.rb)
        query = zammad_search.clean_query(request.args.get("query"))
        now = app.clock()
        users = [
            u
            for u in users
            if zammad_search.record_matches_query(app.search_backend, query, u, USER_COLUMNS)
            and zammad_search.visible(app.search_backend, query, u, now, app.index_lag)
        ]
    return json_response(_page(request, users))


def _organizations(app: ZammadEmulator, request: Request) -> Response:
    organizations = sorted(app.organizations.values(), key=lambda o: o["id"])
    return json_response(_page(request, organizations))


def _tickets(app: ZammadEmulator, request: Request) -> Response:
    if request.method == "GET":
        tickets = [app.tickets[t] for t in sorted(app.tickets)]
        expand = request.args.get("expand") == "true"
        shown = _page(request, tickets, default=100, most=100)
        return json_response([app._expanded(t) if expand else app._with_ids(t) for t in shown])
    body = json.loads(request.get_data() or b"{}")
    if not str(body.get("title") or "").strip():
        return app._unprocessable("Title can't be blank")
    customer = app.users.get(int(body.get("customer_id") or app.agent_id))
    number = str(max((int(t["number"]) for t in app.tickets.values()), default=7400000) + 1)
    org = app.organizations.get((customer or {}).get("organization_id") or -1)
    ticket = app.add_ticket(
        title=str(body["title"]),
        number=number,
        organization=org["name"] if org else None,
        customer=(customer or {}).get("login"),
        tags=[t.strip() for t in str(body.get("tags") or "").split(",") if t.strip()],
    )
    article = body.get("article")
    if isinstance(article, dict) and article.get("body"):
        app.add_article(
            ticket["id"],
            body=str(article["body"]),
            internal=bool(article.get("internal", False)),
            type_=str(article.get("type", "note")),
            subject=article.get("subject"),
            author=app.users[app.agent_id]["login"],
        )
    return json_response(app._with_ids(app.tickets[ticket["id"]]), 201)


def _update_ticket(app: ZammadEmulator, request: Request, ticket_id: int) -> Response:
    ticket = app.tickets.get(ticket_id)
    if ticket is None:
        return app._missing("Ticket", ticket_id)
    body = json.loads(request.get_data() or b"{}")
    changes = {key: body[key] for key in _TICKET_FIELDS if key in body}
    if "title" in changes and not str(changes["title"]).strip():
        return app._unprocessable("Title can't be blank")
    ticket.update(changes)
    ticket["updated_at"] = format_timestamp(app.clock())
    return json_response(app._with_ids(ticket))
