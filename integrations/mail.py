"""Sending email: over SMTP (STARTTLS, implicit TLS or plain, optional login) or into a folder.

Messages are built with :class:`email.message.EmailMessage`, whose header registry refuses a
CR or LF in a header value, so no text taken from a ticket can add a header. Every message has
a caller-chosen ``Message-ID``; the folder transport names its file after it and never writes
the same message twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol

from integrations.bounded import cut_at
from integrations.errors import OutsideError
from integrations.files import replace_atomically, safe_name
from integrations.secrets import read_secret


class MailError(OutsideError):
    """A message that could not be handed over; the message says why and to whom."""


class MailUnavailableError(MailError):
    """The mail server could not be reached or answered with a temporary failure: retry later."""


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message. ``mime_type`` may carry parameters (``method=REQUEST``)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


class OutgoingEmail(Protocol):
    """What one email needs (any record with these fields); addresses are ``Name <address>``
    or bare addresses."""

    @property
    def sender(self) -> str: ...
    @property
    def to(self) -> tuple[str, ...]: ...
    @property
    def cc(self) -> tuple[str, ...]: ...
    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def in_reply_to(self) -> str | None: ...
    @property
    def references(self) -> tuple[str, ...]: ...


def build_message(
    email: OutgoingEmail, *, date: datetime, attachments: Sequence[Attachment] = ()
) -> EmailMessage:
    """The MIME message: text and HTML alternatives, then attachments, threading headers set.

    Raises ``ValueError`` when a header value contains a line break (EmailMessage refuses it).
    """
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = ", ".join(email.to)
    if email.cc:
        message["Cc"] = ", ".join(email.cc)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = email.message_id
    if email.in_reply_to:
        message["In-Reply-To"] = email.in_reply_to
    if email.references:
        message["References"] = " ".join(email.references)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for attachment in attachments:
        maintype, _, rest = attachment.mime_type.partition("/")
        subtype, *parameters = [part.strip() for part in rest.split(";")]
        params = dict(parameter.split("=", 1) for parameter in parameters if "=" in parameter)
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    # Boundaries from the Message-ID instead of random ones: the same email is the same bytes.
    digest = hashlib.sha256(email.message_id.encode()).hexdigest()[:24]
    for index, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_deploybot_{digest}_{index}")
    return message


class Mailer(Protocol):
    """Hands a message over for delivery; True if sent now, False if it was already sent."""

    def send(self, message: EmailMessage) -> bool: ...


def _file_name(message_id: str) -> str:
    readable = safe_name(message_id.strip("<>"))
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:8]
    return f"{readable[:120]}-{digest}.eml"


class DirectoryMailer:
    """Writes each message as an ``.eml`` file named after its Message-ID (the demo's default)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, message_id: str) -> Path:
        """Where the message with this Message-ID is (or would be) written."""
        return self.directory / _file_name(message_id)

    def send(self, message: EmailMessage) -> bool:
        """Write the message unless a file for its Message-ID exists; atomic, never partial."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path_for(str(message["Message-ID"]))
        if target.exists():
            return False
        replace_atomically(target, lambda path: path.write_bytes(message.as_bytes()))
        return True


#: The most a mail server may answer in one conversation (its replies are a few short lines).
MAX_REPLY_BYTES = 1 << 20


class RepliesTooLargeError(Exception):
    """The server answered more than :data:`MAX_REPLY_BYTES` in one conversation (not an
    ``OSError``: smtplib would take it for a lost connection)."""


class _CountedReplies:
    """The server's side of a conversation, refused once it passes :data:`MAX_REPLY_BYTES`
    (smtplib reads each line up to 8 KB but a reply's lines without end)."""

    def __init__(self, file: Any, client: _Smtp) -> None:
        self.file = file
        self.client = client

    def readline(self, size: int = -1) -> bytes:
        """The next line of the server's reply, counted."""
        line: bytes = self.file.readline(size)
        self.client.replied += len(line)
        if self.client.replied > MAX_REPLY_BYTES:
            raise RepliesTooLargeError(f"answered more than {MAX_REPLY_BYTES >> 20} MB")
        return line

    def close(self) -> None:
        """Closes the socket's file, as smtplib does its own."""
        self.file.close()


class _Smtp(smtplib.SMTP):
    """smtplib's client whose replies are counted (a new file after STARTTLS too)."""

    replied = 0

    def getreply(self) -> tuple[int, bytes]:
        """smtplib's reading of one reply, from the counted file."""
        if self.file is None and self.sock is not None:
            self.file = _CountedReplies(self.sock.makefile("rb"), self)
        return super().getreply()


class _SmtpTls(_Smtp, smtplib.SMTP_SSL):
    """The same over implicit TLS."""


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach and log in to the SMTP server."""

    host: str
    port: int = 587
    starttls: bool = True
    tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None


class SmtpMailer:
    """Sends over SMTP. A refused recipient or message is a MailError, an outage a retryable one."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def _client(self) -> smtplib.SMTP:
        """A client not yet connected (its socket is watched from the connect on)."""
        settings = self.settings
        context = settings.ssl_context or ssl.create_default_context()
        if settings.tls:
            return _SmtpTls(timeout=settings.timeout, context=context)
        return _Smtp(timeout=settings.timeout)

    def _connect(self, client: smtplib.SMTP) -> smtplib.SMTP:
        settings = self.settings
        client._host = settings.host  # type: ignore[attr-defined]  # as the constructor sets it
        client.connect(settings.host, settings.port)
        if settings.starttls and not settings.tls:
            client.starttls(context=settings.ssl_context or ssl.create_default_context())
        return client

    @contextlib.contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """A connected client; the whole conversation within ``timeout`` (a server that
        trickles its replies is cut off then)."""
        settings = self.settings
        client = self._client()
        with (
            _mail_errors(f"{settings.host}:{settings.port}"),
            cut_at(settings.timeout, lambda: [client.sock] if client.sock else []),
            self._connect(client),
        ):
            yield client

    def send(self, message: EmailMessage) -> bool:
        """Deliver the message to every To and Cc address (Bcc is never used)."""
        with self._session() as client:
            if self.settings.username:
                client.login(self.settings.username, self.settings.password or "")
            client.send_message(message)
        return True

    def check(self) -> str:
        """Connect, greet, STARTTLS and log in as sending does, then quit; says what worked.
        Sends nothing."""
        settings = self.settings
        done = ["connected", "EHLO"]
        with self._session() as client:
            client.ehlo_or_helo_if_needed()
            if settings.tls:
                done.insert(1, "TLS")
            elif settings.starttls:
                done.append("STARTTLS")
            if settings.username:
                client.login(settings.username, settings.password or "")
                done.append("login")
            client.noop()
        return ", ".join(done)


@contextlib.contextmanager
def _mail_errors(where: str) -> Iterator[None]:
    """SMTP failures in plain words: refusals are MailError, outages MailUnavailableError."""
    try:
        yield
    except RepliesTooLargeError as error:
        raise MailUnavailableError(f"the mail server {where} {error}") from None
    except smtplib.SMTPAuthenticationError as error:
        code = error.smtp_code
        raise MailError(f"the mail server {where} refused the login: {code}") from None
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(sorted(error.recipients))
        raise MailError(f"the mail server {where} refused the recipients {refused}") from None
    except smtplib.SMTPResponseException as error:
        raw = error.smtp_error
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        if 400 <= error.smtp_code < 500:
            raise MailUnavailableError(f"{where} answered {error.smtp_code} {text}") from None
        raise MailError(f"the mail server {where} refused the message: {text}") from None
    except (OSError, smtplib.SMTPException) as error:
        raise MailUnavailableError(f"the mail server {where} did not answer: {error}") from None


def smtp_settings(
    *,
    host: str,
    port: int,
    starttls: bool,
    tls: bool,
    timeout: float,
    username_env: str | None,
    password_env: str | None,
    password_file: Path | None,
) -> SmtpSettings:
    """SMTP settings with the login read from the environment or a file (never from config)."""
    username = read_secret(username_env, None, what="SMTP username") if username_env else None
    password = None
    if username and (password_env or password_file):
        password = read_secret(password_env, password_file, what="SMTP password")
    return SmtpSettings(
        host=host,
        port=port,
        starttls=starttls and not tls,
        tls=tls,
        username=username,
        password=password,
        timeout=timeout,
    )
