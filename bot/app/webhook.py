"""The daemon's HTTP endpoint: the Zammad webhook, a health check and Prometheus metrics.

``POST /webhooks/zammad`` wakes the Zammad poll at once, so a note command is acted on in
seconds instead of at the next poll; the body must carry ``X-Hub-Signature: sha1=<hmac>`` made
with the configured secret (Zammad's webhook signature), or it is refused. Nothing in the body
is trusted: the poll reads Zammad itself. ``GET /healthz`` says whether cycles run;
``GET /metrics`` serves counters for Prometheus.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from bot.app.service import Service
from bot.app.views import ViewsApp
from bot.domain.model import State

#: The largest webhook body accepted (Zammad sends a ticket and an article).
MAX_BODY = 1_000_000


def signature_matches(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature`` is ``sha1=`` + the HMAC-SHA1 of the body with the secret."""
    if not header:
        return False
    expected = "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected, header.strip())


class _ServiceCollector(Collector):
    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        totals = self.service.totals
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
        store = self.service.store
        yield GaugeMetricFamily(
            "deploybot_outbox_pending", "Effects waiting", value=store.pending_count()
        )
        states = GaugeMetricFamily(
            "deploybot_deployments", "Deployments by state", labels=["state"]
        )
        counts = {state: 0 for state in State} | store.count_by_state()
        for state, count in counts.items():
            states.add_metric([state.value], count)
        yield states


class ControlApp:
    """The WSGI application of the endpoint."""

    def __init__(
        self,
        service: Service,
        secret: bytes | None,
        wake: Callable[[], None],
        *,
        gitlab_secret: bytes | None = None,
        wake_gitlab: Callable[[], None] | None = None,
        views_token: bytes | None = None,
    ) -> None:
        self.service = service
        self.views = ViewsApp(service.config, service.store, views_token, service.clock)
        self.secret = secret
        self.wake = wake
        self.gitlab_secret = gitlab_secret
        self.wake_gitlab = wake_gitlab or (lambda: None)
        self.registry = CollectorRegistry()
        self.registry.register(_ServiceCollector(service))
        self.routes = Map(
            [
                Rule("/webhooks/zammad", endpoint="webhook", methods=["POST"]),
                Rule("/webhooks/gitlab", endpoint="gitlab_webhook", methods=["POST"]),
                Rule("/healthz", endpoint="health", methods=["GET"]),
                Rule("/metrics", endpoint="metrics", methods=["GET"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.views.handles(str(environ.get("PATH_INFO", ""))):
            return self.views(environ, start_response)
        request = Request(environ)
        try:
            endpoint, _ = self.routes.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(request)
        except (NotFound, MethodNotAllowed) as error:
            response = error.get_response()
        except HTTPException as error:  # pragma: no cover - werkzeug's own
            response = error.get_response()
        return response(environ, start_response)  # type: ignore[no-any-return]

    @staticmethod
    def _json(data: object, status: int) -> Response:
        return Response(json.dumps(data), status=status, mimetype="application/json")

    def webhook(self, request: Request) -> Response:
        if self.secret is None:
            return self._json({"error": "the webhook is off: set zammad.webhook_secret_env"}, 404)
        if (request.content_length or 0) > MAX_BODY:
            return self._json({"error": "body too large"}, 413)
        body = request.get_data(cache=False)
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
        if (request.content_length or 0) > MAX_BODY:
            return self._json({"error": "body too large"}, 413)
        try:
            event = json.loads(request.get_data(cache=False) or b"{}")
            kind = str(event.get("object_kind", ""))
            project = str((event.get("project") or {}).get("path_with_namespace", ""))
        except (ValueError, AttributeError):
            return self._json({"error": "the body is not a GitLab event"}, 400)
        if kind not in ("release", "deployment") or not project:
            return self._json({"ignored": kind or "unknown event"}, 200)
        self.service.nudge_gitlab(project)
        self.wake_gitlab()
        return self._json({"accepted": True, "project": project}, 202)

    def health(self, request: Request) -> Response:
        service = self.service
        at = service.last_cycle_at
        limit = timedelta(seconds=3 * service.config.zammad.poll_seconds)
        stale = at is None or service.clock() - at > limit
        errors = service.last_cycle.errors if service.last_cycle else []
        failing = service.health.failing()
        status = "starting" if at is None else "stale" if stale else "degraded" if failing else "ok"
        role = service.leadership.role
        if role == "follower":
            status = "follower"  # waiting to take over: it runs no cycle, and that is right
        data = {
            "status": status,
            "last_cycle_at": at.isoformat() if at else None,
            "last_cycle_errors": errors,
            "pending_effects": len(service.store.pending()),
            "failing": failing,
            "systems": service.health.as_json(),
            "role": role,
        }
        return self._json(data, 503 if status in ("stale", "degraded") else 200)

    def metrics(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), mimetype="text/plain; version=0.0.4")


#: How long a client may take to send its request before the connection is dropped.
READ_TIMEOUT_SECONDS = 10.0
#: How many requests are served at once, and how many more may wait for a worker.
WORKERS = 8
BACKLOG = 64


class _Quiet(WSGIRequestHandler):
    timeout = READ_TIMEOUT_SECONDS  # a socket timeout: a slow client cannot hold a worker

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


class BoundedServer(BaseWSGIServer):
    """A WSGI server with a fixed pool of workers: slow or many connections cost no thread
    each; past the backlog, new connections are closed at once."""

    def __init__(self, *args: Any, workers: int = WORKERS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deploybot-http")
        self.slots = threading.BoundedSemaphore(workers + BACKLOG)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        self.pool.submit(self._serve, request, client_address)

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self.slots.release()

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)


def serve(
    app: ControlApp | ViewsApp,
    host: str,
    port: int,
    *,
    read_timeout: float = READ_TIMEOUT_SECONDS,
) -> BaseWSGIServer:
    """Serve the endpoint in a background thread; returns the server (``shutdown()`` stops it)."""
    handler = type("_Handler", (_Quiet,), {"timeout": read_timeout})
    server = BoundedServer(host, port, app, handler=handler)
    threading.Thread(target=server.serve_forever, name="deploybot-http", daemon=True).start()
    return server
