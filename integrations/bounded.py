"""One outside HTTP call with a total deadline and a size cap: connect, headers and body all
finish within ``seconds`` however the other end trickles, and no more than ``max_bytes`` of the
body (decoded) is ever held.

``requests``' ``timeout`` bounds each socket operation, not the request: a server sending one
byte every second answers for ever. Here a watchdog shuts the connection's socket down at the
deadline — while the headers are awaited too — and the body is read in chunks, counted as it
arrives. Every adapter's HTTP goes through :func:`fetch` (``retry.send`` and
``retry.RetryingSession`` call it), the step-3 probes and Alertmanager too. A client that keeps
its own sockets (SMTP, httplib2 for Google) runs its calls in :func:`cut_at`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ReadTimeoutError

#: The largest answer an adapter reads unless it says otherwise.
MAX_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024


class DeadlineExceededError(requests.Timeout):
    """No whole answer within the deadline (a ``Timeout``: every reader of transport errors
    already says "timed out")."""


class TooLargeError(requests.RequestException):
    """The answer is larger than the cap."""


class _Watch:
    """The connections one call uses, shut down when its deadline passes."""

    def __init__(self, outer: _Watch | None = None) -> None:
        #: The watch of the block this call runs in (its deadline cuts these connections too).
        self.outer = outer
        self.connections: list[Any] = []
        self.fired = False
        self._lock = threading.Lock()

    def add(self, connection: Any) -> None:
        with self._lock:
            self.connections.append(connection)

    def discard(self) -> None:
        """Once cut, the connections are closed: none goes back to its pool half read."""
        with self._lock:
            if self.fired:
                for connection in self.connections:
                    with contextlib.suppress(Exception):
                        connection.close()

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            for connection in self.connections:
                sock = getattr(connection, "sock", None)
                if isinstance(sock, socket.socket):
                    with contextlib.suppress(OSError):  # already closed: nothing to cut
                        sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once


_current = threading.local()


def _watched(connection: Any) -> Any:
    watch: _Watch | None = getattr(_current, "watch", None)
    while watch is not None:
        watch.add(connection)
        watch = watch.outer
    return connection


class _WatchedPool(HTTPConnectionPool):
    def _get_conn(self, *args: Any, **kwargs: Any) -> Any:
        return _watched(super()._get_conn(*args, **kwargs))


class _WatchedHttpsPool(HTTPSConnectionPool):
    def _get_conn(self, *args: Any, **kwargs: Any) -> Any:
        return _watched(super()._get_conn(*args, **kwargs))


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections the deadline of the call using them can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """The pool manager, its pools handing their connections to the call's watch."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedPool,
            "https": _WatchedHttpsPool,
        }


def watch_session(session: requests.Session) -> requests.Session:
    """``session`` with watched adapters where it has requests' own (an adapter a test
    mounted is left as it is: its answers are then bounded while the body is read)."""
    for prefix in ("http://", "https://"):
        if type(session.adapters.get(prefix)) is HTTPAdapter:
            session.mount(prefix, WatchedAdapter())
    return session


def fetch(
    session: requests.Session,
    method: str,
    url: str,
    *,
    seconds: float,
    max_bytes: int = MAX_BYTES,
    cut: bool = False,
    timeout: float | tuple[float, float] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """The whole answer to one request, read within ``seconds`` from now, its body in
    ``content``. Past the deadline: :class:`DeadlineExceededError`. A body over ``max_bytes``:
    :class:`TooLargeError`, or with ``cut`` its first ``max_bytes``. ``timeout`` bounds each
    socket operation as in requests (the deadline by default); other arguments are requests'."""
    watch_session(session)
    deadline = time.monotonic() + seconds
    outer = getattr(_current, "watch", None)
    watch = _Watch(outer)
    timer = threading.Timer(seconds, watch.fire)
    timer.daemon = True
    _current.watch = watch
    timer.start()
    try:
        # requests' own request, also on a session that overrides it to call this
        response = requests.Session.request(
            session, method, url, stream=True, timeout=timeout or (seconds, seconds), **kwargs
        )
        with response:
            body = _body(response, deadline, max_bytes, cut)
    except DeadlineExceededError:
        raise
    except requests.RequestException as error:
        if watch.fired:
            raise DeadlineExceededError(f"no whole answer within {seconds:g} s") from None
        if error.args and isinstance(error.args[0], ReadTimeoutError):
            raise requests.ReadTimeout(str(error.args[0])) from None  # requests says "connection"
        raise
    finally:
        timer.cancel()
        _current.watch = outer
        watch.discard()
    response._content = body  # what .content, .text and .json() read
    response._content_consumed = True  # type: ignore[attr-defined]  # requests sets it too
    return response


class BoundedSession(requests.Session):
    """A session whose every request is one :func:`fetch` within ``seconds`` and
    ``max_bytes``: for a client library that sends its own requests (caldav)."""

    def __init__(self, seconds: float, max_bytes: int = MAX_BYTES) -> None:
        super().__init__()
        self.seconds = seconds
        self.max_bytes = max_bytes

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """The whole answer, read within the deadline and the cap."""
        if args:  # requests' positional order after the URL
            names = ("params", "data", "headers", "cookies", "files", "auth", "timeout")
            kwargs |= dict(zip(names, args, strict=False))
        kwargs.pop("stream", None)
        method = method.decode() if isinstance(method, bytes) else method
        url = url.decode() if isinstance(url, bytes) else url
        return fetch(self, method, url, seconds=self.seconds, max_bytes=self.max_bytes, **kwargs)


def _body(response: requests.Response, deadline: float, max_bytes: int, cut: bool) -> bytes:
    """The body, read chunk by chunk against the deadline and the cap."""
    declared = response.headers.get("Content-Length", "")
    if not cut and declared.isdigit() and int(declared) > max_bytes:
        raise TooLargeError(f"the answer is larger than {_size(max_bytes)}")
    return read_capped(response.iter_content(_CHUNK), max_bytes, cut=cut, deadline=deadline)


def read_capped(
    chunks: Iterable[bytes], max_bytes: int, *, cut: bool = False, deadline: float | None = None
) -> bytes:
    """The whole of ``chunks``, counted as they arrive: past ``max_bytes``
    :class:`TooLargeError` (with ``cut``, the first ``max_bytes``); past ``deadline``
    (``time.monotonic()``) :class:`DeadlineExceededError`. For a client that reads an answer
    whole (httplib2) as for requests' streamed bodies."""
    kept: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            if not cut:
                raise TooLargeError(f"the answer is larger than {_size(max_bytes)}")
            kept.append(chunk[: len(chunk) - (size - max_bytes)])
            break
        kept.append(chunk)
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlineExceededError("the answer did not arrive whole in time")
    return b"".join(kept)


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count // 1024} KB"


@contextlib.contextmanager
def cut_at(seconds: float, sockets: Callable[[], Iterable[object]]) -> Iterator[None]:
    """The block within ``seconds``: from the deadline on, every socket ``sockets()`` names,
    and every one given to :func:`watch_socket` in the block, is shut down (again and again: a
    client that reconnects by itself finds its new one cut too), so a call blocked on one
    returns, and what it raised becomes :class:`TimeoutError` ("no whole answer within …
    s")."""
    outer = getattr(_current, "watch", None)
    watch = _Watch(outer)
    ended = threading.Event()

    def fire() -> None:
        while not ended.is_set():
            for sock in sockets():
                watch.add(_Socket(sock))
            watch.fire()
            ended.wait(0.05)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    _current.watch = watch
    timer.start()
    try:
        yield
    except Exception:
        if watch.fired:
            raise TimeoutError(f"no whole answer within {seconds:g} s") from None
        raise
    finally:
        ended.set()
        timer.cancel()
        _current.watch = outer


def watch_socket(sock: object) -> None:
    """A socket a client just connected, cut with the rest at the deadline of the
    :func:`cut_at` block it was made in (for a client that hands it on to its answer)."""
    _watched(_Socket(sock))


class _Socket:
    """A bare socket as the watch holds connections (``sock``)."""

    def __init__(self, sock: object) -> None:
        self.sock = sock
