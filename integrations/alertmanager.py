"""Prometheus Alertmanager (API v2): the alerts firing now that match a customer's matchers.

``GET /api/v2/alerts?active=true&silenced=false&inhibited=false&filter=…`` answers a list of
gettable alerts (``fingerprint``, ``labels``, ``status.state``); silenced and inhibited alerts are
not the customer's problem of the moment and are left out by the query itself.

The answer is read within the configured timeout (a whole-answer deadline), at most
:data:`MAX_BYTES` of it, and checked against the API v2 shape before anything is believed:
anything else — another type, an object, nesting deeper than JSON's parser allows — is
:class:`AlertmanagerUnreadableError`, never an exception of another kind.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from integrations.errors import OutsideError
from integrations.retry import RetriesExhaustedError, RetryPolicy, send

#: The largest answer read (about 50,000 alerts as Alertmanager writes them).
MAX_BYTES = 16 * 1024 * 1024


class AlertmanagerError(OutsideError):
    """Alertmanager could not be read; the message says why in plain words."""


class AlertmanagerUnreadableError(AlertmanagerError):
    """Alertmanager answered, but not a list of alerts as its API v2 writes them."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Alert:
    """One firing alert: its fingerprint (stable while it fires) and its name."""

    fingerprint: str
    name: str


@dataclass
class AlertmanagerClient:
    """Reads the firing alerts of one Alertmanager."""

    url: str
    timeout: float = 10.0
    bearer: str | None = None
    policy: RetryPolicy | None = None

    def firing(self, matchers: list[str]) -> list[Alert]:
        """The active, unsilenced, uninhibited alerts matching every matcher; an answer that
        is not API v2's list of alerts raises :class:`AlertmanagerUnreadableError`."""
        session = requests.Session()
        if self.bearer:
            session.headers["Authorization"] = f"Bearer {self.bearer}"
        params: list[tuple[str, str]] = [
            ("active", "true"), ("silenced", "false"), ("inhibited", "false"),
            *(("filter", matcher) for matcher in matchers),
        ]  # fmt: skip
        try:
            response = send(
                session, "GET", f"{self.url.rstrip('/')}/api/v2/alerts", params=params,
                timeout=self.timeout, max_bytes=MAX_BYTES, service="Alertmanager",
                policy=self.policy or RetryPolicy(max_attempts=2, base_delay=0.2),
            )  # fmt: skip
        except RetriesExhaustedError as error:
            if error.final:
                raise AlertmanagerUnreadableError(error.last) from None
            raise AlertmanagerError(str(error)) from None
        except OutsideError as error:
            raise AlertmanagerError(str(error)) from None
        finally:
            session.close()
        if response.status_code != 200:
            raise AlertmanagerError(f"HTTP {response.status_code} {response.reason}")
        return alerts_of(response.content)


def alerts_of(body: bytes) -> list[Alert]:
    """The active alerts of an API v2 answer (``GET /api/v2/alerts``: a list of gettable
    alerts, each with ``labels`` (strings), ``status.state`` and ``startsAt``)."""
    try:
        items = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise AlertmanagerUnreadableError("not JSON, or nested too deep") from None
    if not isinstance(items, list):
        raise AlertmanagerUnreadableError(f"a JSON {_kind(items)} instead of a list of alerts")
    alerts: list[Alert] = []
    for number, item in enumerate(items, 1):
        problem = _shape_problem(item)
        if problem:
            raise AlertmanagerUnreadableError(f"alert {number}: {problem}")
        if item["status"]["state"] == "active":
            labels: dict[str, str] = item["labels"]
            fingerprint = item.get("fingerprint")
            key = fingerprint if isinstance(fingerprint, str) and fingerprint else _key(labels)
            alerts.append(Alert(key, labels.get("alertname", "?")))
    return alerts


def _shape_problem(item: Any) -> str:
    """What keeps ``item`` from being a gettable alert ("" when nothing does)."""
    if not isinstance(item, dict):
        return f"a JSON {_kind(item)} instead of an object"
    labels = item.get("labels")
    if not isinstance(labels, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in labels.items()
    ):
        return "labels is not an object of strings"
    status = item.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("state"), str):
        return "status.state is missing"
    if not isinstance(item.get("startsAt"), str):
        return "startsAt is missing"
    return ""


def _key(labels: Mapping[str, str]) -> str:
    """An alert's identity when the answer gives no fingerprint: its labels."""
    return json.dumps(sorted(labels.items()))


def _kind(value: object) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
