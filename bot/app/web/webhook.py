"""The daemon's HTTP endpoint: the Zammad webhook, a health check and Prometheus metrics.

``/book/<token>`` is the customer's booking page (``booking_pages``).
``POST /webhooks/zammad`` wakes the Zammad poll at once, so a note command is acted on in
seconds instead of at the next poll; the body must carry ``X-Hub-Signature: sha1=<hmac>`` made
with the configured secret (Zammad's webhook signature), or it is refused. Nothing in the body
is trusted: the poll reads Zammad itself. ``GET /healthz`` says whether cycles run;
``GET /metrics`` serves counters for Prometheus. The endpoint is handed what it reads of the
running cycles (:class:`Running`), never the service itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from bot.app.outside import HealthBook
from bot.app.store import Leadership, Store
from bot.app.web.booking_pages import BookingPages
from bot.app.web.server import MAX_BODY, serve
from bot.app.web.views import ViewsApp, with_security_headers
from bot.config.models import Config
from bot.domain.gitlab_setup import component_projects
from bot.domain.gitlab_watch import mode_json
from bot.domain.model import State


def _body(request: Request) -> bytes | None:
    """The request's body, read no further than :data:`MAX_BODY` however it is framed; None
    when it is longer (the server caps it too: this holds under any server)."""
    if (request.content_length or 0) > MAX_BODY:
        return None
    body = request.stream.read(MAX_BODY + 1)
    return None if len(body) > MAX_BODY else body


def signature_matches(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature`` is ``sha1=`` + the HMAC-SHA1 of the body with the secret."""
    if not header:
        return False
    expected = "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected, header.strip())


class CycleRecord(Protocol):
    """What the endpoint says of the last cycle."""

    @property
    def errors(self) -> list[str]: ...


class Running(Protocol):
    """What the endpoint reads of the running cycles (the daemon's service) and tells them."""

    @property
    def config(self) -> Config: ...
    @property
    def store(self) -> Store: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    @property
    def health(self) -> HealthBook: ...
    @property
    def leadership(self) -> Leadership: ...
    @property
    def totals(self) -> dict[str, int]: ...
    @property
    def last_cycle(self) -> CycleRecord | None: ...
    @property
    def last_cycle_at(self) -> datetime | None: ...
    @property
    def last_hook_at(self) -> datetime | None: ...

    def hook_delivered(self) -> None:
        """GitLab delivered a hook with the right secret."""

    def nudge_gitlab(self, project: str) -> None:
        """GitLab said ``project`` changed: its customers' pending requests are re-checked."""


class _Counters(Collector):
    def __init__(self, running: Running, store: Store) -> None:
        self.running, self.store = running, store

    def collect(self) -> Iterator[Metric]:
        totals = self.running.totals
        yield CounterMetricFamily("deploybot_cycles", "Poll cycles run", value=totals["cycles"])
        yield CounterMetricFamily(
            "deploybot_events", "Lifecycle events applied", value=totals["events"]
        )
        effects = CounterMetricFamily(
            "deploybot_effects", "Effects carried out or failed", labels=["result"]
        )
        effects.add_metric(["done"], totals["effects_done"])
        effects.add_metric(["failed"], totals["effects_failed"])
        yield effects
        store = self.store
        yield GaugeMetricFamily(
            "deploybot_outbox_pending", "Effects waiting", value=store.outbox.pending_count()
        )
        states = GaugeMetricFamily(
            "deploybot_deployments", "Deployments by state", labels=["state"]
        )
        counts = {state: 0 for state in State} | store.reports.count_by_state()
        for state, count in counts.items():
            states.add_metric([state.value], count)
        yield states


class ControlApp:
    """The WSGI application of the endpoint."""

    def __init__(
        self,
        running: Running,
        secret: bytes | None,
        wake: Callable[[], None],
        *,
        gitlab_secret: bytes | None = None,
        wake_gitlab: Callable[[], None] | None = None,
        views_token: bytes | None = None,
        booking: BookingPages | None = None,
    ) -> None:
        self.running = running
        self.config, self.store, self.clock = running.config, running.store, running.clock
        self.health_book, self.leadership = running.health, running.leadership
        self.booking = booking
        self.views = ViewsApp(self.config, self.store, views_token, self.clock)
        self.secret = secret
        self.wake = wake
        self.gitlab_secret = gitlab_secret
        self.wake_gitlab = wake_gitlab or (lambda: None)
        self.projects = set(component_projects(self.config))
        self.registry = CollectorRegistry()
        self.registry.register(_Counters(running, self.store))
        self.routes = Map(
            [
                Rule("/webhooks/zammad", endpoint="webhook", methods=["POST"]),
                Rule("/webhooks/gitlab", endpoint="gitlab_webhook", methods=["POST"]),
                Rule("/healthz", endpoint="health", methods=["GET"]),
                Rule("/metrics", endpoint="metrics", methods=["GET"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if self.views.handles(path):
            return self.views(environ, start_response)
        if self.booking is not None and self.booking.handles(path):
            return self.booking(environ, start_response)
        request = Request(environ)
        try:
            endpoint, _ = self.routes.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(request)
        except (NotFound, MethodNotAllowed) as error:
            response = error.get_response()
        except HTTPException as error:  # pragma: no cover - werkzeug's own
            response = error.get_response()
        return with_security_headers(response)(environ, start_response)

    @staticmethod
    def _json(data: object, status: int) -> Response:
        return Response(json.dumps(data), status=status, mimetype="application/json")

    def webhook(self, request: Request) -> Response:
        if self.secret is None:
            return self._json({"error": "the webhook is off: set zammad.webhook_secret_env"}, 404)
        body = _body(request)
        if body is None:
            return self._json({"error": "body too large"}, 413)
        if not signature_matches(self.secret, body, request.headers.get("X-Hub-Signature")):
            return self._json({"error": "bad or missing X-Hub-Signature"}, 401)
        self.wake()
        return self._json({"accepted": True}, 202)

    def gitlab_webhook(self, request: Request) -> Response:
        """A release or deployment event from a project hook: the pending requests of the
        customers that use the project are re-checked at once."""
        if self.gitlab_secret is None:
            return self._json({"error": "the webhook is off: set gitlab.webhook_secret_env"}, 404)
        token = request.headers.get("X-Gitlab-Token", "").encode()
        if not hmac.compare_digest(token, self.gitlab_secret):
            return self._json({"error": "bad or missing X-Gitlab-Token"}, 401)
        self.running.hook_delivered()  # whatever it says: GitLab's hooks reach deploybot
        body = _body(request)
        if body is None:
            return self._json({"error": "body too large"}, 413)
        try:
            event = json.loads(body or b"{}")
            kind = str(event.get("object_kind", ""))
            project = str((event.get("project") or {}).get("path_with_namespace", ""))
        except (ValueError, AttributeError, RecursionError):
            return self._json({"error": "the body is not a GitLab event"}, 400)
        if kind not in ("release", "deployment") or not project:
            return self._json({"ignored": kind or "unknown event"}, 200)
        if project not in self.projects:
            # No customer deploys it: nothing to re-check, and no poll is worth waking for it.
            return self._json({"ignored": f"no customer uses {project}"}, 200)
        self.running.nudge_gitlab(project)
        self.wake_gitlab()
        return self._json({"accepted": True, "project": project}, 202)

    def health(self, request: Request) -> Response:
        at, last = self.running.last_cycle_at, self.running.last_cycle
        limit = timedelta(seconds=3 * self.config.zammad.poll_seconds)
        stale = at is None or self.clock() - at > limit
        errors = last.errors if last else []
        failing = self.health_book.failing()
        status = "starting" if at is None else "stale" if stale else "degraded" if failing else "ok"
        role = self.leadership.role
        if role == "follower":
            status = "follower"  # waiting to take over: it runs no cycle, and that is right
        data = {
            "status": status,
            "last_cycle_at": at.isoformat() if at else None,
            "last_cycle_errors": errors,
            "pending_effects": len(self.store.outbox.pending()),
            "failing": failing,
            "systems": self.health_book.as_json(),
            "role": role,
            "gitlab_watch": mode_json(
                self.config.gitlab,
                _when(self.store.markers.get("gitlab:since")),
                self.running.last_hook_at,
            ),
        }
        return self._json(data, 503 if status in ("stale", "degraded") else 200)

    def metrics(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), mimetype="text/plain; version=0.0.4")


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


__all__ = ["MAX_BODY", "ControlApp", "CycleRecord", "Running", "serve", "signature_matches"]
