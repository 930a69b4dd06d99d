"""Prometheus Alertmanager (API v2): the alerts firing now that match a customer's matchers.

``GET /api/v2/alerts?active=true&silenced=false&inhibited=false&filter=…`` answers a list of
gettable alerts (``fingerprint``, ``labels``, ``status.state``); silenced and inhibited alerts are
not the customer's problem of the moment and are left out by the query itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from integrations.errors import OutsideError
from integrations.retry import RetryPolicy, send


class AlertmanagerError(OutsideError):
    """Alertmanager could not be read; the message says why in plain words."""


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
        """The active, unsilenced, uninhibited alerts matching every matcher."""
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
                timeout=self.timeout, service="Alertmanager",
                policy=self.policy or RetryPolicy(max_attempts=2, base_delay=0.2),
            )  # fmt: skip
        except OutsideError as error:
            raise AlertmanagerError(str(error)) from None
        finally:
            session.close()
        if response.status_code != 200:
            raise AlertmanagerError(f"HTTP {response.status_code} {response.reason}")
        try:
            items = response.json()
        except ValueError:
            raise AlertmanagerError("the answer is not JSON") from None
        return [
            Alert(
                str(item.get("fingerprint", "")), str(item.get("labels", {}).get("alertname", "?"))
            )
            for item in items
            if isinstance(item, dict) and item.get("status", {}).get("state", "active") == "active"
        ]
