"""The team's views over the store: a month's change calendar, one deployment's page and a
calendar feed. Served by the daemon's endpoint and by ``deploybot serve``.

Every page and the feed want the token named by ``server.token_env``: ``Authorization: Bearer
<token>``, or ``?token=`` for calendar clients that cannot send headers. Without a configured
token the views are off (404); without the right one, 401.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from bot.app.report_files import report_html
from bot.app.store import Store
from bot.config.models import Config
from bot.domain.effects import describe
from bot.domain.model import Deployment
from bot.domain.month import STATES, month_grid, month_of, shifted, upcoming
from bot.domain.notifications import calendar_event
from bot.domain.rendering import Renderer
from bot.domain.report import build_report
from bot.domain.texts import say
from bot.domain.texts.calendar import month_names, weekday_names
from integrations.calendar import feed_ics

Clock = Callable[[], datetime]


class ViewsApp:
    """The WSGI application of the pages and the feed."""

    def __init__(self, config: Config, store: Store, token: bytes | None, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.token = token
        self.clock = clock
        self.renderer = Renderer.for_config(config)
        self.routes = Map(
            [
                Rule("/calendar", endpoint="calendar", methods=["GET"]),
                Rule("/calendar.ics", endpoint="feed", methods=["GET"]),
                Rule("/deployments/<deployment_id>", endpoint="deployment", methods=["GET"]),
                Rule("/report", endpoint="report", methods=["GET"]),
            ]
        )

    def handles(self, path: str) -> bool:
        """Whether ``path`` is one of the views."""
        return path in ("/calendar", "/calendar.ics", "/report") or path.startswith("/deployments/")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, args = self.routes.bind_to_environ(environ).match()
            response = self._authorized(request) or getattr(self, endpoint)(request, **args)
        except HTTPException as error:
            response = error.get_response()
        return response(environ, start_response)

    def _authorized(self, request: Request) -> Response | None:
        """None when the request carries the token; else the answer that refuses it."""
        if self.token is None:
            return Response("the pages are off: set server.token_env", 404)
        header = request.headers.get("Authorization", "")
        given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        given = given or request.args.get("token", "")
        if hmac.compare_digest(given.encode(), self.token):
            return None
        return Response("a token is needed: Authorization: Bearer <token>, or ?token=", 401,
                        headers={"WWW-Authenticate": "Bearer"})  # fmt: skip

    def _page(self, name: str, **context: Any) -> Response:
        language = self.config.provider.language
        context |= {
            "language": language,
            "w": lambda key: say(language, f"web_{key}"),
            "st": lambda state: say(language, f"state_{state}"),
        }
        html = self.renderer.render([f"web/{name}.html"], context)
        return Response(html, mimetype="text/html")

    def _link(self, request: Request, path: str, **params: str) -> str:
        """A link that keeps the ``?token=`` a person came with (a browser cannot send it)."""
        if request.args.get("token"):
            params["token"] = request.args["token"]
        query = urlencode({k: v for k, v in params.items() if v})
        return f"{path}?{query}" if query else path

    def calendar(self, request: Request) -> Response:
        now = self.clock()
        tz = self.config.provider.tz
        try:
            first = month_of(request.args.get("month"), now.astimezone(tz).date())
        except ValueError:
            return Response("month: write it like 2026-11", 400)
        wanted = request.args.get("customer", "")
        state = request.args.get("state", "")
        customers = [c for c in self.config.customers if not wanted or c.name == wanted]
        start = datetime.combine(first, datetime.min.time(), tz) - timedelta(days=7)
        end = datetime.combine(shifted(first, 1), datetime.min.time(), tz) + timedelta(days=7)
        booked = self.store.deployments_between(start, end, customer=wanted or None)
        shown = [d for d in booked if not state or d.state.value == state]
        soon = self.store.deployments_between(now, now + timedelta(days=14))
        language = self.config.provider.language
        return self._page(
            "calendar",
            month=f"{month_names(language)[first.month - 1]} {first.year}",
            weeks=month_grid(self.config, first, customers, shown, now=now),
            weekdays=weekday_names(language),
            upcoming=upcoming(self.config, [d for d in soon if d.is_open], now),
            customers=[c.name for c in self.config.customers],
            states=STATES,
            customer=wanted,
            state=state,
            previous=self._link(
                request,
                "/calendar",
                month=f"{shifted(first, -1):%Y-%m}",
                customer=wanted,
                state=state,
            ),
            following=self._link(
                request,
                "/calendar",
                month=f"{shifted(first, 1):%Y-%m}",
                customer=wanted,
                state=state,
            ),
            link=lambda path, **params: self._link(request, path, **params),
            token=request.args.get("token", ""),
            month_value=f"{first:%Y-%m}",
        )

    def deployment(self, request: Request, deployment_id: str) -> Response:
        found = self.store.deployment(deployment_id.upper())
        if found is None:
            raise NotFound(f"no deployment {deployment_id}")
        tz = self.config.provider.tz
        zammad = (self.config.zammad.url or "").rstrip("/")
        return self._page(
            "deployment",
            d=found,
            start=_local(found.planned_start, tz),
            tickets=[
                {
                    "label": self.config.zammad.ticket_label(t.number),
                    "title": t.title,
                    "url": f"{zammad}/#ticket/zoom/{t.id}" if zammad and t.id else "",
                }
                for t in found.tickets
            ],
            timeline=[
                {
                    "at": _local(e.at, tz),
                    "event": e.event,
                    "who": f"{e.source}/{e.actor}",
                    "change": f"{self._state(e.old_state)} → {self._state(e.new_state)}",
                }
                for e in self.store.audit_trail(found.id)
            ],
            effects=[
                {
                    "what": describe(i.effect, self.config.provider.language),
                    "status": say(self.config.provider.language, f"web_outbox_{i.status}"),
                    "attempts": i.attempts,
                    "error": i.last_error or "",
                }
                for i in self.store.outbox_items(found.id)
            ],
            back=self._link(
                request, "/calendar", month=f"{(found.planned_start or self.clock()):%Y-%m}"
            ),
        )

    def _state(self, state: str | None) -> str:
        """A state's name in the operator's language ("-" for none)."""
        return say(self.config.provider.language, f"state_{state}") if state else "-"

    def report(self, request: Request) -> Response:
        wanted = request.args.get("customer") or None
        rows = build_report(self.store.deployments(customer=wanted), self.store.refused_starts(),
                            tz=self.config.provider.tz)  # fmt: skip
        html = report_html(rows, self.renderer, self.config.provider.language, wanted)
        return Response(html, mimetype="text/html")

    def feed(self, request: Request) -> Response:
        wanted = request.args.get("customer") or None
        booked = [d for d in self.store.deployments(customer=wanted) if d.planned_start]
        events = [calendar_event(d, self.config, self.renderer, now=_stamp(d)) for d in booked]
        name = f"deploybot — {wanted}" if wanted else "deploybot — deployments"
        return Response(feed_ics(events, name), mimetype="text/calendar")


def _local(moment: datetime | None, tz: Any) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M") if moment else "-"


def _stamp(deployment: Deployment) -> datetime:
    """A stable DTSTAMP: the moment the deployment last changed as far as the feed knows."""
    return deployment.actual_end or deployment.actual_start or deployment.requested_at
