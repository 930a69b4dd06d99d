"""The customer's booking page, ``/book/<token>``: served by the daemon's endpoint and by
``deploybot serve``, rendered on the server in the customer's language, usable without
JavaScript.

``GET`` shows the request and the calendar of the next weeks (allowed days offer their slots as
radio buttons, refused days are greyed with their reason); ``POST`` carries the choice out
through :class:`~bot.app.web.booking_desk.BookingDesk`. A form carries a CSRF token bound to a
cookie the page set (``SameSite=Strict``) and to the link; the POSTs of one link (and those
without a valid link, per client address) are rate limited; a tampered, expired, spent or
superseded link answers a page saying so and how to reach support — never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from bot.app.store import LockBusyError
from bot.app.web.booking_desk import BookingDesk, BookingParts, Opened, Outcome
from bot.app.web.views import SECURITY_HEADERS, with_security_headers
from bot.domain.booking_link import BookingLinks, LinkClaim
from bot.domain.booking_offer import (
    OfferDay,
    allowed_hours,
    chosen_start,
    proposal_numbers,
    zone_words,
)
from bot.domain.calendar.rules import SlotRules
from bot.domain.languages import LANGUAGES
from bot.domain.model import RUNNING, Deployment, State
from bot.domain.plain import plain
from bot.domain.rendering import deployment_context, moment_words
from bot.domain.support_line import support_sentence
from bot.domain.texts import say
from bot.domain.texts.calendar import day_and_month, long_date, weekday_headers
from bot.domain.texts.grammar import al, de, del_, el

log = logging.getLogger("deploybot")

CSRF_COOKIE = "deploybot_booking"
#: How many choices one link may post in :data:`RATE_WINDOW_SECONDS`.
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 600.0
#: How many links (and, apart, addresses) the limits remember at most.
RATE_KEYS = 10_000
#: The longest comment kept.
COMMENT_LIMIT = 1000
#: When a customer whose choice found the decision lock busy is told to try again.
LOCKED_RETRY_AFTER_SECONDS = 10


class RateLimit:
    """At most ``limit`` events per key in a sliding window (in this process), remembering at
    most ``keys`` keys: past that, the one unused longest is forgotten (so no stream of new
    keys grows it)."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float], *, keys: int = RATE_KEYS
    ) -> None:
        self.limit, self.window, self.clock, self.keys = limit, window, clock, keys
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def allow(self, key: str) -> bool:
        """Count one event for ``key``; False when it is one too many."""
        now = self.clock()
        with self._lock:
            seen = self._seen.pop(key, None) or deque()
            while seen and now - seen[0] > self.window:
                seen.popleft()
            allowed = len(seen) < self.limit
            if allowed:
                seen.append(now)
            self._seen[key] = seen
            self._forget(now)
            return allowed

    def _forget(self, now: float) -> None:
        """Drop the keys unused longest: past the size, or with nothing left in the window."""
        while len(self._seen) > self.keys:
            self._seen.popitem(last=False)
        while self._seen:
            oldest = next(iter(self._seen.values()))
            if oldest and now - oldest[-1] <= self.window:
                break
            self._seen.popitem(last=False)


def booking_app(
    parts: BookingParts, links: BookingLinks | None, *, after: Callable[[], None]
) -> BookingPages | None:
    """The customers' booking pages deciding with ``parts`` (None when no ``links`` are made);
    ``after`` follows each booking: the daemon wakes its cycle, ``deploybot serve`` drains the
    outbox."""
    if links is None:
        return None
    return BookingPages(BookingDesk(parts, links, after=after))


class BookingPages:
    """The WSGI application of ``/book/<token>``."""

    def __init__(
        self, desk: BookingDesk, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.desk = desk
        #: Posts counted per link (its deployment and proposal round, however it is written).
        self.limits = RateLimit(RATE_LIMIT, RATE_WINDOW_SECONDS, monotonic)
        #: Posts with no valid link, counted per client address: kept apart, so that a flood of
        #: them never makes the limits forget a link.
        self.strangers = RateLimit(RATE_LIMIT, RATE_WINDOW_SECONDS, monotonic)
        self.routes = Map([Rule("/book/<token>", endpoint="book", methods=["GET", "POST"])])

    @staticmethod
    def handles(path: str) -> bool:
        """Whether ``path`` is a booking page."""
        return path.startswith("/book/")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            _, args = self.routes.bind_to_environ(environ).match()
            response = self.book(request, args["token"])
        except HTTPException as error:
            response = error.get_response()
        except Exception:  # a bug must not show a customer a traceback: say it, log it
            log.exception("booking page %s failed", request.path[:20])
            response = self._message(None, "book_busy", status=500, request=request)
        return with_security_headers(response)(environ, start_response)

    def before(self, app: Any) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
        """A WSGI application that serves the booking pages, and everything else with ``app``."""

        def dispatch(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            if self.handles(str(environ.get("PATH_INFO", ""))):
                return self(environ, start_response)
            result: Iterable[bytes] = app(environ, start_response)
            return result

        return dispatch

    # -- the page ----------------------------------------------------------------------------

    def book(self, request: Request, token: str) -> Response:
        opened = self.desk.open(token)
        if request.method == "POST" and not self._counted(request, opened.claim):
            return self._message(opened.deployment, "book_too_many", status=429)
        if opened.standing != "open" or opened.deployment is None:
            return self._closed(opened, request)
        if request.method == "GET":
            return self._form(request, token, opened.deployment)
        if not self._csrf_ok(request, token):
            return self._message(opened.deployment, "book_form_expired", status=403)
        rules = self.desk.rules(opened.deployment)
        form = request.form
        start = chosen_start(form.get("slot", ""), form.get("other_day", ""),
                             form.get("other_time", ""), rules)  # fmt: skip
        if start is None:
            error = ("book_unreadable", ())
            return self._form(request, token, opened.deployment, error=error, status=400)
        misfit = self.desk.misfit(opened.deployment, start)
        if misfit is not None:
            status = 400 if misfit.kind == "grid" else 409
            return self._form(request, token, opened.deployment,
                              error=(misfit.key, misfit.reasons), status=status)  # fmt: skip
        comment = plain(form.get("comment", ""))[:COMMENT_LIMIT].strip()
        try:
            outcome = self.desk.choose(token, start, comment)
        except LockBusyError:  # another decision is taking long: nothing done, try again soon
            response = self._message(opened.deployment, "book_locked", status=503)
            response.headers["Retry-After"] = str(LOCKED_RETRY_AFTER_SECONDS)
            return response
        return self._outcome(request, token, outcome, start)

    def _counted(self, request: Request, claim: LinkClaim | None) -> bool:
        """Count a post before anything of its body is read: against its link's deployment
        and round, or, with no valid link, against the client's address; False past the
        limit."""
        if claim is not None:
            return self.limits.allow(f"{claim.deployment_id} round {claim.round}")
        return self.strangers.allow(request.remote_addr or "")

    def _outcome(self, request: Request, token: str, outcome: Outcome, start: datetime) -> Response:
        deployment = outcome.opened.deployment
        assert deployment is not None
        match outcome.kind:
            case "booked" | "chosen":
                return self._done(deployment, outcome.kind, start)
            case "refused":
                error = ("book_refused", outcome.reasons)
                return self._form(request, token, deployment, error=error, chosen=start,
                                  status=409)  # fmt: skip
            case "held":
                return self._message(deployment, "book_held", status=409)
            case "busy":
                return self._message(deployment, "book_busy", status=503)
            case _:
                return self._closed(outcome.opened, request)

    def _language(self, deployment: Deployment | None, request: Request | None = None) -> str:
        """The customer's language; without a customer (a tampered link), the first of the
        browser's ``Accept-Language`` that deploybot writes, else the provider's."""
        if deployment is not None:
            return self.desk.customer(deployment).language
        provider = self.desk.config.provider.language
        if request is None:
            return provider
        return request.accept_languages.best_match(LANGUAGES, default=provider) or provider

    def _words(self, language: str, moment: datetime | None) -> dict[str, str]:
        """A moment as the sentences need it (``slot``, and Catalan's ``slot_el``/``slot_al``)."""
        words = moment_words(moment, self.desk.config, language) if moment else ""
        return {"slot": words, "slot_el": el(words), "slot_al": al(words), "slot_del": del_(words)}

    def _render(
        self,
        name: str,
        language: str,
        status: int,
        *,
        deployment: Deployment | None = None,
        **context: Any,
    ) -> Response:
        provider = self.desk.config.provider
        context = (
            {"customer": ""}
            | context
            | {
                "language": language,
                "t": lambda key, **values: say(language, key, **values),
                "support": self._support(deployment, language),
                "provider": provider.name,
                "logo_url": provider.logo_url,
            }
        )
        html = self.desk.renderer.render([f"web/{name}.html"], context)
        response = Response(html, status=status, mimetype="text/html")
        if provider.logo_url:  # the one image the page loads from elsewhere
            logo = urlsplit(provider.logo_url)
            policy = SECURITY_HEADERS["Content-Security-Policy"]
            response.headers["Content-Security-Policy"] = policy.replace(
                "img-src data:", f"img-src data: {logo.scheme}://{logo.netloc}"
            )
        return response

    def _support(self, deployment: Deployment | None, language: str) -> str:
        """How the customer reaches support, as the e-mails say it, led by a reply to the
        request: to its ticket, or to our e-mail when it came by e-mail; without a request (a
        tampered link) and no way the provider gives, a mail to deploybot's sender."""
        config = self.desk.config
        provider, first = config.provider, []
        if deployment is not None:
            by_email = deployment.first_ticket_id is None
            first.append(say(language, "book_reply_email" if by_email else "book_reply_ticket"))
        elif not (provider.support_team or provider.support_phone or provider.support_portal):
            first.append(say(language, "support_write", address=config.smtp.sender))
        return support_sentence(provider, language, html=True, first=first)

    def _closed(self, opened: Opened, request: Request) -> Response:
        deployment = opened.deployment if opened.standing != "tampered" else None
        language = self._language(deployment, request)
        lines = [say(language, f"book_{opened.standing}")]
        if opened.standing == "spent" and deployment is not None:
            lines.extend(self._spent_lines(deployment, language))
        status = 404 if opened.standing == "tampered" else 410
        title = "book_tampered_title" if opened.standing == "tampered" else "book_closed_title"
        customer = "" if deployment is None else deployment.customer
        return self._render("book_message", language, status, title=say(language, title),
                            lines=lines, customer=customer, deployment=deployment)  # fmt: skip

    def _spent_lines(self, deployment: Deployment, language: str) -> list[str]:
        """Where a spent link's deployment stands now; a rolled-back one says a new date
        will be proposed."""
        key, moment = _spent(deployment)
        if moment is None:
            return []
        if key == "book_spent_rolled_back":
            day = long_date(language, moment.astimezone(self.desk.config.provider.tz)
                            .date(), with_year=False)  # fmt: skip
            return [say(language, key, day=day, day_del=del_(day))]
        return [say(language, key, **self._words(language, moment))]

    def _message(
        self,
        deployment: Deployment | None,
        key: str,
        *,
        status: int,
        request: Request | None = None,
    ) -> Response:
        language = self._language(deployment, request)
        title, lines = say(language, f"{key}_title"), [say(language, key)]
        customer = "" if deployment is None else deployment.customer
        return self._render("book_message", language, status, title=title, lines=lines,
                            customer=customer, deployment=deployment)  # fmt: skip

    def _done(self, deployment: Deployment, kind: str, start: datetime) -> Response:
        language = self._language(deployment)
        key = "book_done" if kind == "booked" else "book_chosen"
        return self._render("book_message", language, 200, title=say(language, f"{key}_title"),
                            lines=[say(language, key, **self._words(language, start))],
                            outcome=kind, customer=deployment.customer,
                            deployment=deployment)  # fmt: skip

    def _form(
        self,
        request: Request,
        token: str,
        deployment: Deployment,
        *,
        error: tuple[str, tuple[str, ...]] | None = None,
        chosen: datetime | None = None,
        status: int = 200,
    ) -> Response:
        desk, config = self.desk, self.desk.config
        customer = desk.customer(deployment)
        language = customer.language
        now = desk.clock()
        days = desk.offer(deployment)
        nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        problem = ""
        if error is not None:
            key, reasons = error
            problem = say(
                language, key, reasons="; ".join(reasons), **self._words(language, chosen)
            )
        claim = desk.links.read(token)
        until = (
            long_date(language, claim.expires.astimezone(config.provider.tz).date())
            if claim
            else ""
        )
        context = deployment_context(deployment, config, language=language, now=now) | {
            **_offer_context(days, desk.rules(deployment), deployment, now),
            "csrf": self._csrf(token, nonce),
            "mode": customer.booking.self_service,
            "problem": problem,
            "valid_until": say(language, "book_valid_until", day=until, day_al=al(until)),
            "customer_de": de(customer.name),
        }
        del context["language"]
        response = self._render("book", language, status, title=say(language, "book_title"),
                                deployment=deployment, **context)  # fmt: skip
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="Strict",
                            secure=request.scheme == "https", path="/book/")  # fmt: skip
        return response

    # -- CSRF --------------------------------------------------------------------------------

    def _csrf(self, token: str, nonce: str) -> str:
        message = f"csrf\0{token}\0{nonce}".encode()
        return hmac.new(self.desk.links.secret, message, hashlib.sha256).hexdigest()

    def _csrf_ok(self, request: Request, token: str) -> bool:
        nonce = request.cookies.get(CSRF_COOKIE, "")
        given = request.form.get("csrf", "")
        return bool(nonce) and hmac.compare_digest(
            given.encode(), self._csrf(token, nonce).encode()
        )


def _offer_context(
    days: tuple[OfferDay, ...], rules: SlotRules, deployment: Deployment, now: datetime
) -> dict[str, Any]:
    """What the page says of the offer: the days with their labels, each slot's time and
    proposal number, the time zone and the allowed hours, in the rules' language."""
    language, tz = rules.language, rules.tz
    starts = [slot.start for day in days for slot in day.slots] or [now]
    return {
        "days": days,
        "weekdays": weekday_headers(language),
        "allowed_days": [
            (d.day.isoformat(), long_date(language, d.day)) for d in days if d.allowed
        ],
        "proposed": proposal_numbers(deployment.proposals),
        "zone": zone_words(tz, starts, language),
        "window": allowed_hours(rules),
        "time_of": lambda moment: moment.astimezone(tz).strftime("%H:%M"),
        "day_label": lambda day: long_date(language, day, with_year=False),
        "day_month": lambda day: day_and_month(language, day),
    }


def _spent(deployment: Deployment) -> tuple[str, datetime | None]:
    """What a spent link tells of its deployment now: the choice waiting for the team, the
    booking, the deployment running, when it took place, or that it was rolled back."""
    if deployment.chosen is not None:
        return "book_spent_chosen", deployment.chosen.start
    if deployment.state in RUNNING:
        return "book_spent_running", deployment.actual_start
    if deployment.state is State.ROLLED_BACK:
        return "book_spent_rolled_back", deployment.actual_start or deployment.planned_start
    if deployment.state is State.COMPLETED:
        return "book_spent_done", deployment.actual_start or deployment.planned_start
    return "book_spent_booked", deployment.planned_start
