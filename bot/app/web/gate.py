"""The change gate over HTTP: ``GET /gate?project=…&ref=…&environment=…`` with the token of
``server.gate_token_env`` as a bearer token. 200 with the deployment in progress, 423 with the
reason (and the next deployment) in the operator's language, 401 for a wrong or missing token,
400 without the three parameters, 404 while no gate token is configured. Served by the daemon's
endpoint and by ``deploybot serve`` (through ``ViewsApp``)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from bot.app.store import Store
from bot.config.models import Config
from bot.domain.gate import GateAnswer, decide
from bot.domain.lifecycle import RUNNING
from bot.domain.model import State
from integrations.secrets import read_secret

PATH = "/gate"


def gate_token(config: Config, environ: Mapping[str, str] | None = None) -> bytes | None:
    """The gate's token, from the variable ``server.gate_token_env`` (None: no gate)."""
    name = config.server.gate_token_env
    if not name:
        return None
    return read_secret(name, None, what="gate token", environ=environ).encode()


def answer(config: Config, store: Store, project: str, ref: str, environment: str,
           now: datetime) -> GateAnswer:  # fmt: skip
    """The gate's answer from the deployments in the store (running and booked ones)."""
    deployments = store.deployments.list(states=[*RUNNING, State.SCHEDULED])
    return decide(config, deployments, project, ref, environment, now)


class GateApp:
    """The WSGI app of ``/gate``."""

    def __init__(
        self, config: Config, store: Store, token: bytes | None, clock: Callable[[], datetime]
    ) -> None:
        self.config = config
        self.store = store
        self.token = token
        self.clock = clock

    @staticmethod
    def handles(path: str) -> bool:
        """Whether ``path`` is the gate's."""
        return path == PATH

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        """The gate's answer to one request."""
        if self.token is None:
            return _json({"error": "the gate is off (server.gate_token_env)"}, 404)
        if request.method != "GET":
            return _json({"error": "GET only"}, 405)
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), self.token):
            return _json({"error": "wrong or missing bearer token"}, 401)
        wanted = [request.args.get(name, "").strip()[:200] for name in
                  ("project", "ref", "environment")]  # fmt: skip
        if not all(wanted):
            return _json({"error": "give project, ref and environment"}, 400)
        project, ref, environment = wanted
        found = answer(self.config, self.store, project, ref, environment, self.clock())
        body: dict[str, Any] = {"project": project, "ref": ref, "environment": environment,
                                "reason": found.reason}  # fmt: skip
        if found.open:
            body |= {"deployment": found.deployment, "customer": found.customer,
                     "component": found.component}  # fmt: skip
            return _json(body, 200)
        if found.next_deployment:
            start = found.next_start.isoformat() if found.next_start else None
            body["next"] = {"deployment": found.next_deployment, "start": start}
        return _json(body, 423)


def _json(data: object, status: int) -> Response:
    text = json.dumps(data, ensure_ascii=False)
    return Response(text, status=status, mimetype="application/json")
