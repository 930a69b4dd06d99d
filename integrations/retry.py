"""HTTP requests that retry with exponential backoff and jitter, honouring ``Retry-After``."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """How often and how patiently to retry; ``sleep`` and ``rng`` are injectable for tests."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential delay before retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)


class RetriesExhaustedError(RuntimeError):
    """The service kept failing; ``last`` says how the final attempt failed."""

    def __init__(self, service: str, attempts: int, last: str) -> None:
        super().__init__(f"{service} did not answer after {attempts} attempt(s): {last}")
        self.service = service
        self.attempts = attempts
        self.last = last


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    reference = now or datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def plain_reason(error: requests.RequestException) -> str:
    """A transport error in the words a person reads (not Python's exception text)."""
    if isinstance(error, requests.ConnectTimeout | requests.ReadTimeout | requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        text = str(error).lower()
        if "refused" in text:
            return "connection refused"
        if "name or service not known" in text or "nodename nor servname" in text:
            return "unknown host"
        return "connection failed"
    return "the request failed"


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    service: str,
    policy: RetryPolicy,
    **kwargs: Any,
) -> requests.Response:
    """Send a request; retry connection errors, timeouts, 429 and 5xx; return any other answer."""
    last = ""
    for attempt in range(1, policy.max_attempts + 1):
        wait: float | None = None
        try:
            response = session.request(method, url, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            last = plain_reason(exc)
        else:
            if response.status_code not in RETRY_STATUSES:
                return response
            last = f"HTTP {response.status_code} {response.reason}"
            wait = retry_after_seconds(response.headers.get("Retry-After"))
        if attempt == policy.max_attempts:
            break
        delay = policy.backoff(attempt) if wait is None else min(wait, policy.max_delay * 4)
        policy.sleep(delay)
    raise RetriesExhaustedError(service, policy.max_attempts, last)
