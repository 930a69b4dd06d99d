"""Serving the endpoint: waitress, a production WSGI server, with bounded threads, a cap on
request bodies however they are framed, and a deadline per request.

waitress reads every request — headers and body — on its I/O thread and hands a worker only a
complete request, so slow clients hold no worker; a body larger than :data:`MAX_BODY` is
refused with 413 while it arrives (``Content-Length`` or chunked), never read whole into
memory; a request still arriving after :data:`REQUEST_DEADLINE_SECONDS` is cut off, however
steadily it trickles, and an idle connection after :data:`IDLE_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, cast

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

#: The largest request body accepted (a webhook's ticket and article; a booking form).
MAX_BODY = 1_000_000
#: How many requests are worked on at once.
WORKERS = 8
#: How many connections are held at once; past it new ones wait in the listen backlog.
CONNECTION_LIMIT = 200
#: How long a client may take to send one whole request.
REQUEST_DEADLINE_SECONDS = 10.0
#: How long a connection may stay silent.
IDLE_SECONDS = 10.0


class _DeadlineChannel(HTTPChannel):
    """A connection that remembers when its request in progress started to arrive, and reads
    no new request once its server is stopping."""

    request_started: float | None = None

    def readable(self) -> bool:
        return not cast(Any, self.server).stopping and bool(super().readable())

    def received(self, data: bytes) -> bool:
        if self.request is None:  # the first bytes of a new request
            self.request_started = time.time()
        done = bool(super().received(data))
        if self.request is None:  # nothing in progress any more
            self.request_started = None
        return done


class _DeadlineServer(TcpWSGIServer):
    """waitress's TCP server whose housekeeping also closes requests past their deadline."""

    channel_class = _DeadlineChannel
    deadline = REQUEST_DEADLINE_SECONDS
    stopping = False

    def maintenance(self, now: Any) -> None:
        super().maintenance(now)
        channels: dict[int, Any] = cast(Any, self).active_channels  # the stubs say one channel
        for channel in list(channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and now - started > self.deadline:
                channel.will_close = True  # waitress closes it on its I/O thread


class Endpoint:
    """A running server: its port, and how to stop it."""

    def __init__(self, server: _DeadlineServer, dispatcher: ThreadedTaskDispatcher) -> None:
        self._server: Any = server  # waitress's stubs lack what a running server has
        self._dispatcher = dispatcher
        self.server_port = int(cast(Any, server).effective_port)
        self._thread = threading.Thread(target=server.run, name="deploybot-http", daemon=True)
        self._thread.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop in the order that leaves nothing half-done: the listener closes (no new
        connection) and no connection reads a new request; the workers finish the requests
        they have and stop; the answers are sent; then every connection closes and, last,
        the trigger the workers wake the I/O thread with (closing it first is what made a
        worker's wake-up fail with a bad file descriptor)."""
        if not self._thread.is_alive():
            return
        deadline = time.monotonic() + timeout
        self._in_loop(self._stop_listening, deadline)
        # The loop's pass that ran the step may still read a request it had polled for: one
        # more pass, and every request read is in the workers' queue.
        self._in_loop(lambda: None, deadline)
        self._wait(self._workers_idle, deadline)
        self._dispatcher.shutdown(timeout=max(1, round(deadline - time.monotonic())))
        self._wait(self._answers_sent, deadline)
        self._in_loop(self._close_all, deadline)
        self._thread.join(timeout=max(0.1, deadline - time.monotonic()))

    def _in_loop(self, step: Callable[[], None], deadline: float) -> None:
        """Run ``step`` on the I/O thread, the only one that may touch the sockets."""
        done = threading.Event()

        def run() -> None:
            try:
                step()
            finally:
                done.set()

        self._server.trigger.pull_trigger(run)
        done.wait(max(0.1, deadline - time.monotonic()))

    @staticmethod
    def _wait(condition: Callable[[], bool], deadline: float) -> None:
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.005)

    def _stop_listening(self) -> None:
        self._server.stopping = True
        wasyncore.dispatcher.close(self._server)  # the listener only: the trigger stays

    def _workers_idle(self) -> bool:
        with self._dispatcher.lock:
            return not self._dispatcher.queue and self._dispatcher.active_count == 0

    def _answers_sent(self) -> bool:
        channels = [c for c in self._channels() if isinstance(c, HTTPChannel)]
        return all(not c.total_outbufs_len or not c.connected for c in channels)

    def _channels(self) -> list[Any]:
        return list(cast(dict[int, Any], self._server._map).values())

    def _close_all(self) -> None:
        trigger = self._server.trigger
        for channel in self._channels():
            if channel is not trigger:
                channel.close()
        trigger.close()


def serve(
    app: Any,
    host: str,
    port: int,
    *,
    deadline: float = REQUEST_DEADLINE_SECONDS,
    idle: float = IDLE_SECONDS,
) -> Endpoint:
    """Serve ``app`` on ``host:port`` in background threads. A port in use raises
    :class:`OSError` (``errno.EADDRINUSE``) before anything runs."""
    adjustments = Adjustments(
        host=host,
        port=port,
        threads=WORKERS,
        connection_limit=CONNECTION_LIMIT,
        channel_timeout=idle,
        cleanup_interval=max(1, int(min(deadline, idle) / 4)),
        max_request_body_size=MAX_BODY,
        max_request_header_size=64 * 1024,
        ident="deploybot",
        expose_tracebacks=False,
        asyncore_use_poll=True,
        # A reverse proxy on this machine says whether the customer came over HTTPS (the
        # booking page's cookie is then Secure) and from which address (posts without a valid
        # link are limited per address); nobody else is believed.
        trusted_proxy="127.0.0.1",
        trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-for"},
        clear_untrusted_proxy_headers=True,
    )
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adjustments.threads)
    server = _DeadlineServer(
        app, {}, dispatcher=dispatcher, adj=adjustments, sockinfo=cast(Any, adjustments.listen)[0]
    )
    server.deadline = deadline
    return Endpoint(server, dispatcher)
