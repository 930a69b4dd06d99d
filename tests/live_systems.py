"""The systems step 3 looks at, for real: a console over HTTPS (certificates from trustme) that
reports the version it runs, a TCP listener, and Debian's Prometheus Alertmanager started on a
free port with alerts posted through its own API (``scripts/ensure-alertmanager`` installs it)."""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import trustme

from tests.servers import free_port

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


class Console:
    """A customer console answering ``/soffid/anonymous/version`` with the version it runs."""

    def __init__(self, ca_file: Path, url: str) -> None:
        self.version = "addon-diba 3.2.10"
        self.status = 200
        self.ca_file = ca_file
        self.url = url


@contextmanager
def console(folder: Path) -> Iterator[Console]:
    """An HTTPS console on 127.0.0.1 whose certificate a test CA (in ``ca_file``) signs."""
    authority = trustme.CA()
    ca_file = folder / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    port = free_port()
    state = Console(ca_file, f"https://127.0.0.1:{port}/soffid/anonymous/version")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"version": state.version}).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _accepting(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[int]:
    """A loopback port whose connections are each handed to ``handle`` (with the event set when
    the server stops) until the block ends; yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                connection, _ = listener.accept()
                handle(connection, stop)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


@contextmanager
def tcp_listener() -> Iterator[int]:
    """A port that accepts connections (the sync server); yields the port."""
    with _accepting(lambda connection, stop: connection.close()) as port:
        yield port


def alertmanager_missing() -> str | None:
    """Why the Alertmanager tests cannot run here (None: they can)."""
    if shutil.which(ALERTMANAGER) is None:
        return "prometheus-alertmanager is not installed (scripts/ensure-alertmanager)"
    return None


class Alertmanager:
    """A running Alertmanager: post and resolve alerts through its API v2."""

    def __init__(self, url: str) -> None:
        self.url = url

    def fire(self, name: str, customer: str) -> None:
        """An alert for ``customer`` starts firing now."""
        self._post(name, customer, ends=datetime.now(UTC) + timedelta(hours=1))

    def resolve(self, name: str, customer: str) -> None:
        """The alert stops firing."""
        self._post(name, customer, ends=datetime.now(UTC) - timedelta(seconds=1))

    def _post(self, name: str, customer: str, *, ends: datetime) -> None:
        alert = {
            "labels": {"alertname": name, "customer": customer, "severity": "critical"},
            "startsAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            "endsAt": ends.isoformat(),
        }
        response = requests.post(f"{self.url}/api/v2/alerts", json=[alert], timeout=5)
        response.raise_for_status()


@contextmanager
def alertmanager(folder: Path) -> Iterator[Alertmanager]:
    """Debian's Alertmanager on a free port, clustering off, its data under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "alertmanager.yml"
    config.write_text("route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n")
    port = free_port()
    process = subprocess.Popen(
        [ALERTMANAGER, f"--config.file={config}", f"--storage.path={folder / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield Alertmanager(url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Alertmanager exited with {process.returncode}")
        try:
            if requests.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("Alertmanager did not become ready in 20 s")


class Scripted:
    """What a scripted HTTP system answers every request: ``body`` (200, whole, with its length;
    ``length`` False: streamed until the connection closes), or — ``trickle`` — its headers at
    once and then one byte every :data:`TRICKLE_SECONDS`, for ever (``trickle_headers``: the
    headers so). ``asked`` is set at each request."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.body = b"[]"
        self.length = True
        self.trickle = False
        #: The headers trickle, before any body.
        self.trickle_headers = False
        #: Headers sent with ``body`` besides its type and length (``Content-Encoding: gzip``).
        self.headers: dict[str, str] = {}
        self.asked = threading.Event()
        #: How many requests it was sent.
        self.requests = 0
        self.stopping = threading.Event()


#: How slowly a trickling system sends its answer.
TRICKLE_SECONDS = 1.5


@contextmanager
def scripted() -> Iterator[Scripted]:
    """A scripted HTTP system on a free loopback port (an Alertmanager answering garbage, a
    console that trickles)."""
    port = free_port()
    state = Scripted(f"http://127.0.0.1:{port}")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            state.asked.set()
            if state.trickle_headers:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not state.stopping.wait(TRICKLE_SECONDS):
                    self.wfile.write(b"y")
                    self.wfile.flush()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if state.trickle:
                self.send_header("Content-Length", "100000")
                self.end_headers()
                while not state.stopping.wait(TRICKLE_SECONDS):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                return
            body = state.body
            if state.length:
                self.send_header("Content-Length", str(len(body)))
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.end_headers()
            for start in range(0, len(body), 1 << 20):
                self.wfile.write(body[start : start + (1 << 20)])

        do_POST = do_PUT = do_PROPFIND = do_REPORT = do_GET  # every method answers alike

        def handle(self) -> None:
            with contextlib.suppress(OSError):  # the client hung up: what a deadline does
                super().handle()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        server.shutdown()
        server.server_close()


@contextmanager
def trickler(data: bytes) -> Iterator[int]:
    """A TCP server that sends ``data`` to each connection one byte every
    :data:`TRICKLE_SECONDS` (an SMTP greeting that never ends in time); yields its port."""

    def serve(connection: socket.socket, stop: threading.Event) -> None:
        with connection, contextlib.suppress(OSError):
            for byte in data:
                if stop.wait(TRICKLE_SECONDS):
                    return
                connection.sendall(bytes([byte]))

    def handle(connection: socket.socket, stop: threading.Event) -> None:
        threading.Thread(target=serve, args=(connection, stop), daemon=True).start()

    with _accepting(handle) as port:
        yield port


@contextmanager
def flooder(line: bytes) -> Iterator[int]:
    """A TCP server that sends ``line`` to each connection as fast as it is read, without end
    (an SMTP greeting of endless continuation lines); yields its port."""

    def serve(connection: socket.socket, stop: threading.Event) -> None:
        with connection, contextlib.suppress(OSError):
            while not stop.is_set():
                connection.sendall(line * 64)

    def handle(connection: socket.socket, stop: threading.Event) -> None:
        threading.Thread(target=serve, args=(connection, stop), daemon=True).start()

    with _accepting(handle) as port:
        yield port
