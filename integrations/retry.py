"""The one retry policy of every adapter: exponential backoff with jitter, a bounded number of
attempts, and ``Retry-After`` read one way (seconds or an HTTP date, capped). ``send`` applies it
to HTTP requests (Zammad, GitLab's checks); ``integrations.google_api`` to Google's client.

Each attempt is one :func:`integrations.bounded.fetch`: its ``timeout`` (a number, or connect
and read) is the whole attempt's deadline, and its answer is capped in size."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests

from integrations.bounded import MAX_BYTES, TooLargeError, fetch
from integrations.errors import OutsideError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: An attempt's deadline when the caller gives no ``timeout``.
DEFAULT_SECONDS = 30.0
T = TypeVar("T")


@dataclass
class RetryPolicy:
    """How often and how patiently to retry; ``sleep``, ``rng`` and ``clock`` (monotonic
    seconds) are injectable for tests.

    One policy may serve several threads (GitLab's reads in parallel): once the server asks
    one of them to wait (``Retry-After``), none sends another attempt before that time.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    #: Told before each wait: (service, attempt that failed, attempts in all, why) — a
    #: person waiting at a terminal sees the retries instead of silence.
    on_retry: Callable[[str, int, int, str], None] | None = None
    clock: Callable[[], float] = time.monotonic
    _hold_until: float = field(default=0.0, init=False, repr=False, compare=False)
    _waited: threading.local = field(
        default_factory=threading.local, init=False, repr=False, compare=False
    )

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential delay before retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)

    def delay(self, attempt: int, asked: float | None) -> float:
        """How long to wait before retry number ``attempt``: what the server asked for
        (``Retry-After``, capped so a wrong header cannot stall a cycle), else the backoff."""
        return self.backoff(attempt) if asked is None else min(asked, self.max_delay * 4)

    def run(self, service: str, attempt: Callable[[], T], *, attempts: int | None = None) -> T:
        """The result of ``attempt``, tried up to ``attempts`` times (``max_attempts``) while it
        raises :class:`Retryable`; then :class:`RetriesExhaustedError` naming the last failure.
        Any other error is the answer and propagates at once."""
        total = attempts or self.max_attempts
        last = ""
        for number in range(1, total + 1):
            self._wait_for_hold()
            try:
                return attempt()
            except Retryable as failure:
                last = failure.reason
                if failure.final:
                    raise RetriesExhaustedError(service, number, last, final=True) from None
                delay = self.delay(number, failure.wait)
                if failure.wait is not None:
                    self._hold(delay, sleeping=number < total)
                if number < total:
                    if self.on_retry is not None:
                        self.on_retry(service, number, total, last)
                    self.sleep(delay)
        raise RetriesExhaustedError(service, total, last)

    def _hold(self, delay: float, *, sleeping: bool) -> None:
        """The server asked to wait ``delay``: every thread of this policy holds until then
        (this one by its own sleep, when it tries again)."""
        until = self.clock() + delay
        self._hold_until = max(self._hold_until, until)
        if sleeping:
            self._waited.until = until

    def _wait_for_hold(self) -> None:
        until = self._hold_until
        if until <= getattr(self._waited, "until", 0.0):
            return  # nothing asked, or this thread already slept it
        remaining = until - self.clock()
        self._waited.until = until
        if remaining > 0:
            self.sleep(remaining)


class Retryable(Exception):
    """One attempt failed in a way that may pass later; ``wait``: what the server asked for;
    ``final``: the same would come again at once (an answer over the size cap)."""

    def __init__(self, reason: str, wait: float | None = None, *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.final = final


class RetriesExhaustedError(OutsideError):
    """The service kept failing; ``last`` says how the final attempt failed; ``final``: its
    answer itself was refused (over the size cap), so it was not tried again."""

    def __init__(self, service: str, attempts: int, last: str, *, final: bool = False) -> None:
        super().__init__(f"{service} did not answer after {attempts} attempt(s): {last}")
        self.service = service
        self.attempts = attempts
        self.last = last
        self.final = final


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
    if isinstance(error, TooLargeError):
        return str(error)
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


def _answer(request: Callable[[], requests.Response]) -> requests.Response:
    """The answer of one attempt; connection errors, timeouts, 429 and 5xx are retryable."""
    try:
        response = request()
    except TooLargeError as exc:
        raise Retryable(str(exc), final=True) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise Retryable(plain_reason(exc)) from None
    if response.status_code in RETRY_STATUSES:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        raise Retryable(f"HTTP {response.status_code} {response.reason}", wait)
    return response


def deadline_of(timeout: object) -> float:
    """The whole attempt's deadline from a requests ``timeout``: a number, or connect + read."""
    if isinstance(timeout, int | float) and not isinstance(timeout, bool):
        return float(timeout)
    if isinstance(timeout, tuple):
        return float(sum(part for part in timeout if isinstance(part, int | float)))
    return DEFAULT_SECONDS


def bounded(
    session: requests.Session, method: str | bytes, url: str | bytes, **kwargs: Any
) -> requests.Response:
    """One attempt as :func:`~integrations.bounded.fetch`, its deadline from ``timeout``."""
    kwargs.pop("stream", None)  # the whole answer is read, within the deadline, either way
    seconds = deadline_of(kwargs.get("timeout"))
    max_bytes = kwargs.pop("max_bytes", MAX_BYTES)
    method = method.decode() if isinstance(method, bytes) else method
    url = url.decode() if isinstance(url, bytes) else url
    return fetch(session, method, url, seconds=seconds, max_bytes=max_bytes, **kwargs)


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    service: str,
    policy: RetryPolicy,
    **kwargs: Any,
) -> requests.Response:
    """Send a request, each attempt within its deadline and size cap; retry connection errors,
    timeouts, 429 and 5xx; return any other answer. An answer over the cap is an error."""
    return policy.run(service, lambda: _answer(lambda: bounded(session, method, url, **kwargs)))


class RetryingSession(requests.Session):
    """A session whose every request follows the policy: for a client library that sends its
    own requests (python-gitlab), whose own retries are then turned off."""

    def __init__(self, service: str, policy: RetryPolicy) -> None:
        super().__init__()
        self.service = service
        self.policy = policy

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """The answer to the request, each attempt within its deadline, tried as the policy
        says."""
        if args:  # requests' positional order after the URL
            names = ("params", "data", "headers", "cookies", "files", "auth", "timeout")
            kwargs |= dict(zip(names, args, strict=False))
        return self.policy.run(
            self.service, lambda: _answer(lambda: bounded(self, method, url, **kwargs))
        )
