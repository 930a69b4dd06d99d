"""The machinery every emulator shares: a threaded loopback HTTP server, fault injection,
a request log and per-endpoint counters."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

SHAPES: dict[str, Any] = json.loads((Path(__file__).parent / "shapes.json").read_text("utf-8"))


def shape(name: str) -> dict[str, Any]:
    """A fresh copy of a recorded answer, the template every emulated record starts from."""
    copy: dict[str, Any] = json.loads(json.dumps(SHAPES[name]))
    return copy


@dataclass
class Faults:
    """What goes wrong, on purpose. ``script`` answers the next requests first (FIFO), e.g.
    ``[429, 502, 502]``, ``"drop"``, or ``"lost:503"`` (the request is carried out, then its
    answer is replaced by a 503: the answer lost on the way back); the rates then apply at
    random, from ``seed``."""

    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    latency: float = 0.0
    drop_rate: float = 0.0
    stall_rate: float = 0.0
    stall_seconds: float = 0.3
    seed: int = 0
    script: deque[int | str] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it."""

    method: str
    path: str
    query: str
    endpoint: str
    status: int


Handler = Callable[..., Response]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer with the content type Zammad and GitLab use."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


class EmulatorApp:
    """A WSGI app: routes, token check, faults, log. Subclasses add routes and state.

    ``scenario`` seeds the state (its ``token`` is the accepted API token, ``demo-token`` by
    default); ``clock`` stamps created and updated records.
    """

    name = "emulator"

    def __init__(
        self,
        scenario: dict[str, Any] | None = None,
        *,
        faults: Faults | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.scenario: dict[str, Any] = scenario or {}
        self.token = str(self.scenario.get("token", "demo-token"))
        # The scenario may slow every answer of this system (``gitlab: {latency: 0.06}``): a
        # server across a network, for measuring; the faults given here replace it.
        section = self.scenario.get(self.name)
        latency = float(section.get("latency", 0)) if isinstance(section, dict) else 0.0
        self.faults = faults or Faults(latency=latency)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.log: list[LoggedRequest] = []
        self.counters: Counter[str] = Counter()
        self.url_map = Map(strict_slashes=False)
        self.handlers: dict[str, Handler] = {}
        self.setup()

    def setup(self) -> None:
        """Seed the state from ``self.scenario`` and register the routes (in subclasses)."""

    def route(self, path: str, endpoint: str, methods: list[str], handler: Handler) -> None:
        """Register ``handler`` for ``methods`` on ``path`` (werkzeug rule syntax)."""
        self.url_map.add(Rule(path, endpoint=endpoint, methods=methods))
        self.handlers[endpoint] = handler

    def resolve(self, environ: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The endpoint and its arguments for a request; ``not_found`` when nothing matches."""
        adapter = self.url_map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException:
            return "not_found", {}
        return str(endpoint), dict(args)

    # Subclasses answer these in their system's own words.
    def authorized(self, request: Request) -> bool:
        raise NotImplementedError

    def unauthorized(self, request: Request) -> Response:
        raise NotImplementedError

    def not_found(self, request: Request) -> Response:
        raise NotImplementedError

    def error(self, status: int) -> Response:
        """A server-side error answer (5xx or 429)."""
        return json_response({"error": "emulated failure"}, status)

    def faults_for(self, request: Request) -> Faults:
        """The faults that apply to this request (one set for the whole system by default)."""
        return self.faults

    def _fault(self, request: Request) -> Response | None:
        faults = self.faults_for(request)
        if faults.latency:
            time.sleep(faults.latency)
        planned: int | str | None = None
        with self.lock:
            stall = faults.stall_rate and faults.rng.random() < faults.stall_rate
            if faults.script:
                planned = faults.script.popleft()
            elif faults.drop_rate and faults.rng.random() < faults.drop_rate:
                planned = "drop"
            elif faults.rate_limit_rate and faults.rng.random() < faults.rate_limit_rate:
                planned = 429
            elif faults.error_rate and faults.rng.random() < faults.error_rate:
                planned = faults.rng.choice([500, 502, 503])
        if stall:
            time.sleep(faults.stall_seconds)  # slow, then answers (or fails) as planned
        if planned is None:
            return None
        if isinstance(planned, str) and planned.startswith("lost:"):
            request.environ["emulator.lost"] = int(planned.removeprefix("lost:"))
            return None
        if planned == "drop":
            sock = request.environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                sock.shutdown(socket.SHUT_RDWR)
            return Response(b"", status=500)
        response = self.error(int(planned))
        if planned == 429:
            response.headers["Retry-After"] = str(faults.retry_after)
        return response

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        endpoint = "?"
        response: Response
        endpoint, args = self.resolve(environ)
        fault = self._fault(request)
        if fault is not None:
            response = fault
        elif not self.authorized(request):
            response = self.unauthorized(request)
        elif endpoint == "not_found":
            response = self.not_found(request)
        else:
            with self.lock:
                response = self.handlers[str(endpoint)](request, **args)
            if "emulator.lost" in request.environ:  # done, but the answer never arrives
                response = self.error(int(request.environ["emulator.lost"]))
        with self.lock:
            self.counters[str(endpoint)] += 1
            self.log.append(
                LoggedRequest(
                    request.method,
                    request.path,
                    request.query_string.decode(),
                    str(endpoint),
                    response.status_code,
                )
            )
        return response(environ, start_response)


class _QuietHandler(WSGIRequestHandler):
    """The emulators keep their own request log; werkzeug's stderr lines are noise."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class RunningEmulator:
    """An emulator served on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, app: EmulatorApp, port: int = 0) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler
        )
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{app.name}-emulator",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:40123``."""
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> RunningEmulator:
        """Start serving; returns self."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RunningEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
