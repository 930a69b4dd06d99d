"""Real local servers for the channel tests: an SMTP sink (aiosmtpd) and CalDAV (Radicale)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import radicale
import radicale.config
from aiosmtpd.controller import Controller
from werkzeug.serving import WSGIRequestHandler, make_server


@dataclass
class Received:
    """One message as the SMTP server received it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    """What a running SMTP sink has received, in order."""

    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refuse_first_attempt: bool = False
    refused: list[str] = field(default_factory=list)
    #: How long the server takes to answer a message's DATA (a slow SMTP server).
    slow_seconds: float = 0.0
    #: Set while a message's DATA is being answered.
    in_data: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        message_id = str(parsed["Message-ID"])
        if self.slow_seconds:
            self.in_data.set()
            await asyncio.sleep(self.slow_seconds)
            self.in_data.clear()
        if self.refuse_first_attempt and message_id not in self.refused:
            self.refused.append(message_id)
            return "451 4.3.0 Try again later"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_sink(
    *, refuse_first_attempt: bool = False, slow_seconds: float = 0.0, **controller_options: Any
) -> Iterator[SmtpSink]:
    """An aiosmtpd server on a free loopback port that keeps every message it receives
    (refusing each message's first attempt with a 451, when asked).

    ``controller_options`` go to aiosmtpd's Controller (``tls_context``, ``authenticator``…).
    """
    sink = SmtpSink("127.0.0.1", free_port(), refuse_first_attempt=refuse_first_attempt,
                    slow_seconds=slow_seconds)  # fmt: skip
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **controller_options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return None


@contextmanager
def caldav_server(storage: Path, users: dict[str, str] | None = None) -> Iterator[str]:
    """A Radicale CalDAV server on loopback with htpasswd logins; yields its base URL."""
    storage.mkdir(parents=True, exist_ok=True)
    htpasswd = storage / "users.htpasswd"
    logins = users if users is not None else {"deploybot": "s3cret"}
    htpasswd.write_text("".join(f"{user}:{pw}\n" for user, pw in logins.items()))
    configuration = radicale.config.load()
    configuration.update(
        {
            "storage": {"filesystem_folder": str(storage / "collections")},
            "auth": {
                "type": "htpasswd",
                "htpasswd_filename": str(htpasswd),
                "htpasswd_encryption": "plain",
                "delay": "0",
            },
            "rights": {"type": "owner_only"},
        },
        "deploybot tests",
        privileged=True,
    )
    server = make_server(
        "127.0.0.1",
        0,
        radicale.Application(configuration),  # type: ignore[attr-defined]
        threaded=True,
        request_handler=_Quiet,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
