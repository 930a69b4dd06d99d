"""The team's views over the store: a month's change calendar, one deployment's page and a
calendar feed. Served by the daemon's endpoint and by ``deploybot serve``.

Every page and the feed want the token named by ``server.token_env``: ``Authorization: Bearer
<token>`` (the scheme in any case), or ``?token=`` for browsers and calendar clients that cannot
send headers. A page opened with ``?token=`` answers with a session cookie (``HttpOnly;
SameSite=Strict``, derived from the token, never the token itself) and a redirect to the same
address without it, so the token neither stays in the address bar nor travels in links,
``Referer`` or history. Without a configured token the views are off (404); without the right
one, 401. Every answer carries the security headers of :data:`SECURITY_HEADERS`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from bot.app.store import Store
from bot.app.web.gate import PATH, GateApp, gate_token
from bot.app.web.report_files import report_html
from bot.config.models import Config
from bot.domain.effects import describe
from bot.domain.model import Deployment, State
from bot.domain.month import STATES, month_grid, month_of, shifted, upcoming
from bot.domain.notifications import calendar_event
from bot.domain.rendering import Renderer
from bot.domain.report import build_report
from bot.domain.texts import say
from bot.domain.texts.calendar import long_date, month_names, weekday_headers
from bot.domain.waiting import choice_waiting, waiting_for_us
from integrations.calendar import feed_ics

Clock = Callable[[], datetime]

#: The states of the requests that wait for the team (the calendar's "waiting" strip).
WAITING = [State.READY, State.BLOCKED]

#: The headers of every page and answer: no sniffing, no framing, no referrer, nothing cached,
#: and a policy that allows only the page's own inline style and nothing else to load or run.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
SESSION_COOKIE = "deploybot_session"


def with_security_headers(response: Response) -> Response:
    """``response`` with :data:`SECURITY_HEADERS` (those it does not set itself)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class ViewsApp:
    """The WSGI application of the pages and the feed."""

    def __init__(self, config: Config, store: Store, token: bytes | None, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.token = token
        self.clock = clock
        self.renderer = Renderer.for_config(config)
        self.gate = GateApp(config, store, gate_token(config), clock)  # the change gate, /gate
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
        pages = path in ("/calendar", "/calendar.ics", "/report", PATH)
        return pages or path.startswith("/deployments/")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if self.gate.handles(request.path):
            return with_security_headers(self.gate.respond(request))(environ, start_response)
        try:
            endpoint, args = self.routes.bind_to_environ(environ).match()
            response = self._authorized(request, endpoint) or getattr(self, endpoint)(
                request, **args
            )
        except HTTPException as error:
            response = error.get_response()
        return with_security_headers(response)(environ, start_response)

    def _session(self) -> str:
        assert self.token is not None
        return hmac.new(self.token, b"deploybot pages session", hashlib.sha256).hexdigest()

    def _authorized(self, request: Request, endpoint: str) -> Response | None:
        """None when the request carries the token; a redirect that trades ``?token=`` for a
        session cookie on a page; else the answer that refuses it."""
        if self.token is None:
            return Response("the pages are off: set server.token_env", 404)
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme.casefold() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self.token
        ):
            return None
        cookie = request.cookies.get(SESSION_COOKIE, "")
        if cookie and hmac.compare_digest(cookie.encode(), self._session().encode()):
            return None
        given = request.args.get("token", "")
        if given and hmac.compare_digest(given.encode(), self.token):
            return None if endpoint == "feed" else self._enter(request)
        return Response("a token is needed: Authorization: Bearer <token>, or ?token=", 401,
                        headers={"WWW-Authenticate": "Bearer"})  # fmt: skip

    def _enter(self, request: Request) -> Response:
        """The same page without ``?token=``, and the session cookie that stands for it."""
        params = {k: v for k, v in request.args.items() if k != "token"}
        query = urlencode(params)
        response = Response(
            status=303, headers={"Location": request.path + (f"?{query}" if query else "")}
        )
        response.set_cookie(SESSION_COOKIE, self._session(), httponly=True, samesite="Strict",
                            secure=request.scheme == "https", path="/")  # fmt: skip
        return response

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
        """A link to another view (the session cookie carries the token)."""
        query = urlencode({k: v for k, v in params.items() if v})
        return f"{path}?{query}" if query else path

    def calendar(self, request: Request) -> Response:
        now = self.clock()
        tz = self.config.provider.tz
        try:
            first = month_of(request.args.get("month"), now.astimezone(tz).date())
        except ValueError:
            return Response("month: write it like 2026-11", 400)
        wanted = self._customer(request) or ""
        state = request.args.get("state", "")
        customers = [c for c in self.config.customers if not wanted or c.name == wanted]
        start = datetime.combine(first, datetime.min.time(), tz) - timedelta(days=7)
        end = datetime.combine(shifted(first, 1), datetime.min.time(), tz) + timedelta(days=7)
        booked = self.store.deployments.between(start, end, customer=wanted or None)
        shown = [d for d in booked if not state or d.state.value == state]
        if not state:  # slots customers chose through their link, held for deploy-accept
            ready = self.store.deployments.list(customer=wanted or None, states=[State.READY])
            shown += [d for d in ready if d.chosen and start <= d.chosen.start < end]
        soon = self.store.deployments.between(now, now + timedelta(days=14))
        pending = self.store.deployments.list(customer=wanted or None, states=WAITING)
        language = self.config.provider.language
        return self._page(
            "calendar",
            month=f"{month_names(language)[first.month - 1]} {first.year}",
            weeks=month_grid(
                self.config,
                first,
                customers,
                shown,
                now=now,
                bookings=self.store.deployments.held(),
            ),
            weekdays=weekday_headers(language),
            upcoming=upcoming(self.config, [d for d in soon if d.is_open], now),
            waiting=waiting_for_us(pending, self.config, now=now, language=language),
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
            month_value=f"{first:%Y-%m}",
            day_label=lambda day: long_date(language, day, with_year=False),
        )

    def deployment(self, request: Request, deployment_id: str) -> Response:
        found = self.store.deployments.get(deployment_id.upper())
        if found is None:
            raise NotFound(f"no deployment {deployment_id}")
        tz, language = self.config.provider.tz, self.config.provider.language
        zammad = (self.config.zammad.url or "").rstrip("/")
        return self._page(
            "deployment",
            d=found,
            start=_local(found.planned_start, tz),
            waiting=choice_waiting(found, self.config, now=self.clock(), language=language),
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
                for e in self.store.audit.trail(found.id)
            ],
            effects=[
                {
                    "what": describe(i.effect, self.config.provider.language),
                    "status": say(self.config.provider.language, f"web_outbox_{i.status}"),
                    "attempts": i.attempts,
                    "error": i.last_error or "",
                }
                for i in self.store.outbox.items(found.id)
            ],
            back=self._link(
                request, "/calendar", month=f"{(found.planned_start or self.clock()):%Y-%m}"
            ),
        )

    def _customer(self, request: Request) -> str | None:
        """The ``customer`` a view is filtered on: one of the configuration's names, or none.
        Anything else (a typo, a line break) is a 400 that lists the names."""
        wanted = request.args.get("customer", "")
        if not wanted:
            return None
        names = [c.name for c in self.config.customers]
        if wanted not in names:
            raise BadRequest(f"no customer {wanted!r}: the customers are {', '.join(names)}")
        return wanted

    def _state(self, state: str | None) -> str:
        """A state's name in the operator's language ("-" for none)."""
        return say(self.config.provider.language, f"state_{state}") if state else "-"

    def report(self, request: Request) -> Response:
        wanted = self._customer(request)
        rows = build_report(
            self.store.deployments.list(customer=wanted),
            self.store.reports.refused_starts(),
            tz=self.config.provider.tz,
        )
        html = report_html(rows, self.renderer, self.config.provider.language, wanted)
        return Response(html, mimetype="text/html")

    def feed(self, request: Request) -> Response:
        wanted = self._customer(request)
        booked = [d for d in self.store.deployments.list(customer=wanted) if d.planned_start]
        events = [calendar_event(d, self.config, self.renderer, now=_stamp(d)) for d in booked]
        name = f"deploybot — {wanted}" if wanted else "deploybot — deployments"
        return Response(feed_ics(events, name), mimetype="text/calendar")


def _local(moment: datetime | None, tz: Any) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M") if moment else "-"


def _stamp(deployment: Deployment) -> datetime:
    """A stable DTSTAMP: the moment the deployment last changed as far as the feed knows."""
    return deployment.actual_end or deployment.actual_start or deployment.requested_at
