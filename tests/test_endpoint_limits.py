"""The endpoint as anyone who can reach it may treat it — over loopback, against the real
server: bodies capped however they are framed, slow clients cut off at a deadline without
starving the health check, security headers, the pages' token traded for a cookie, bad input
answered 4xx, and GitLab hooks about projects no customer uses ignored. Every loop is bounded."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.app.web.server import Endpoint, serve
from bot.app.web.webhook import MAX_BODY, ControlApp
from bot.cli.demo import Workbench

SECRET = b"s3cret-webhook"
GITLAB = b"gitlab-hook-secret"
PAGES = b"pages-token"


@pytest.fixture
def woken() -> list[str]:
    return []


@pytest.fixture
def endpoint(bench: Workbench, woken: list[str]) -> Iterator[str]:
    app = ControlApp(bench.service, SECRET, lambda: woken.append("zammad"), gitlab_secret=GITLAB,
                     wake_gitlab=lambda: woken.append("gitlab"), views_token=PAGES)  # fmt: skip
    server: Endpoint = serve(app, "127.0.0.1", 0, deadline=1.5, idle=3)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _status_of(connection: socket.socket) -> int:
    connection.settimeout(10)
    head = connection.recv(4096).split(b"\r\n", 1)[0]
    return int(head.split()[1])


def test_a_chunked_body_past_the_cap_is_refused_before_it_is_read_whole(endpoint: str) -> None:
    connection = socket.create_connection(("127.0.0.1", _port(endpoint)))
    head = b"POST /webhooks/zammad HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    connection.sendall(head + b"X-Hub-Signature: sha1=00\r\n\r\n")
    chunk = b"x" * 65536
    sent = 0
    try:
        while sent <= 4 * MAX_BODY:  # bounded: at most 4 MB
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server stopped reading: that is the point
    assert _status_of(connection) == 413
    connection.close()


def test_a_body_within_the_cap_still_reaches_the_signature_check(endpoint: str) -> None:
    body = json.dumps({"ticket": {"id": 1}}).encode()
    signature = "sha1=" + hmac.new(SECRET, body, hashlib.sha1).hexdigest()
    answer = requests.post(f"{endpoint}/webhooks/zammad", data=iter([body]), timeout=5,
                           headers={"X-Hub-Signature": signature})  # fmt: skip
    assert answer.status_code == 202


def test_eight_slow_clients_neither_starve_health_nor_outlive_the_deadline(
    endpoint: str,
) -> None:
    slow = [socket.create_connection(("127.0.0.1", _port(endpoint))) for _ in range(8)]
    try:
        for connection in slow:
            connection.sendall(b"GET /healthz HTTP/1.1\r\n")
        for _ in range(3):  # a header line every 0.4 s, as a slowloris does
            time.sleep(0.4)
            started = time.monotonic()
            answer = requests.get(f"{endpoint}/healthz", timeout=5)
            assert answer.status_code in (200, 503)
            assert time.monotonic() - started < 1.0
            for connection in slow:
                connection.sendall(b"X-Slow: 1\r\n")
        time.sleep(2.5)  # past the 1.5 s deadline (housekeeping runs every second)
        for connection in slow:
            connection.settimeout(3)
            with contextlib.suppress(ConnectionResetError):
                assert connection.recv(1024) == b""  # closed by the server
    finally:
        for connection in slow:
            connection.close()


def test_every_answer_carries_the_security_headers(endpoint: str) -> None:
    for path in ("/healthz", "/calendar", "/nowhere"):
        headers = requests.get(f"{endpoint}{path}", timeout=5).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_the_pages_token_becomes_a_cookie_and_leaves_the_address(endpoint: str) -> None:
    session = requests.Session()
    first = session.get(f"{endpoint}/calendar?month=2026-11&token=pages-token",
                        allow_redirects=False, timeout=5)  # fmt: skip
    assert first.status_code == 303
    assert first.headers["Location"] == "/calendar?month=2026-11"
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "pages-token" not in cookie
    page = session.get(f"{endpoint}/calendar?month=2026-11", timeout=5)
    assert page.status_code == 200 and "token=" not in page.text
    feed = requests.get(f"{endpoint}/calendar.ics?token=pages-token", timeout=5)
    assert feed.status_code == 200  # calendar clients keep the token in the address
    lower = requests.get(f"{endpoint}/report", headers={"Authorization": "bearer pages-token"},
                         timeout=5)  # fmt: skip
    assert lower.status_code == 200


@pytest.mark.parametrize("customer", ["X\nY", "X\rBEGIN:VEVENT", "nobody"])
def test_an_unknown_customer_in_a_view_is_a_400_naming_the_customers(
    endpoint: str, customer: str
) -> None:
    auth = {"Authorization": "Bearer pages-token"}
    for path in ("/calendar.ics", "/calendar", "/report"):
        answer = requests.get(f"{endpoint}{path}", params={"customer": customer}, headers=auth,
                              timeout=5)  # fmt: skip
        assert answer.status_code == 400
        assert "DIBA" in answer.text and "\rBEGIN" not in answer.text and "\nY" not in answer.text


def gitlab_hook(endpoint: str, body: bytes) -> requests.Response:
    return requests.post(f"{endpoint}/webhooks/gitlab", data=body, timeout=5,
                         headers={"X-Gitlab-Token": GITLAB.decode()})  # fmt: skip


def test_a_deeply_nested_gitlab_body_is_a_400(endpoint: str) -> None:
    assert gitlab_hook(endpoint, b"[" * 200_000).status_code in (400, 413)
    assert gitlab_hook(endpoint, b"[" * 100_000).status_code == 400


def test_hooks_about_projects_no_customer_uses_wake_nothing(
    endpoint: str, woken: list[str], bench: Workbench
) -> None:
    def release(project: str) -> bytes:
        event: dict[str, Any] = {"object_kind": "release",
                                 "project": {"path_with_namespace": project}}  # fmt: skip
        return json.dumps(event).encode()

    for number in range(20):
        answer = gitlab_hook(endpoint, release(f"unrelated/p{number}"))
        assert answer.status_code == 200 and "no customer uses" in answer.text
    assert woken == []
    assert gitlab_hook(endpoint, release("soffid/addons/diba")).status_code == 202
    assert woken == ["gitlab"]
