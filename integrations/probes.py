"""Looking at a customer's systems the way a person would: an HTTP(S) GET (status and body) or a
TCP connection. Each probe has its own timeout — the whole probe's deadline, however slowly the
system answers — and says what went wrong in a few fixed kinds (timed out, refused, TLS, unknown
host) rather than as a library's exception text."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import requests

from integrations.bounded import fetch
from integrations.retry import plain_reason

#: How much of an answer is kept to look for the expected text.
MAX_BODY = 256 * 1024

Failure = Literal["timed_out", "refused", "tls", "unknown_host", "failed"]


@dataclass(frozen=True)
class ProbeAnswer:
    """What a probe saw: an HTTP status and body, a TCP connection (``status`` None, no
    failure), or a failure of one of the kinds and its detail."""

    status: int | None = None
    body: str = ""
    failure: Failure | None = None
    detail: str = ""


@dataclass(frozen=True)
class HttpProbe:
    """An HTTP(S) GET; credentials already read from their ``_env`` / ``_file``."""

    url: str
    timeout: float
    basic_auth: tuple[str, str] | None = None
    bearer: str | None = None
    client_cert: tuple[Path, Path] | Path | None = None
    ca_file: Path | None = None

    def run(self) -> ProbeAnswer:
        """The answer (any status: judging it is the caller's)."""
        headers = {"Authorization": f"Bearer {self.bearer}"} if self.bearer else {}
        cert = (
            (str(self.client_cert[0]), str(self.client_cert[1]))
            if isinstance(self.client_cert, tuple)
            else (str(self.client_cert) if self.client_cert else None)
        )
        try:
            with requests.Session() as session:
                response = fetch(
                    session, "GET", self.url, seconds=self.timeout, max_bytes=MAX_BODY, cut=True,
                    auth=self.basic_auth, headers=headers, cert=cert,
                    verify=str(self.ca_file) if self.ca_file else True, allow_redirects=True,
                )  # fmt: skip
            text = response.content.decode(response.encoding or "utf-8", errors="replace")
            return ProbeAnswer(response.status_code, text)
        except requests.exceptions.SSLError as error:
            return ProbeAnswer(failure="tls", detail=_tls_reason(error))
        except requests.Timeout:
            return ProbeAnswer(failure="timed_out")
        except requests.ConnectionError as error:
            return _connection_failure(error, self.url)
        except requests.RequestException as error:
            return ProbeAnswer(failure="failed", detail=type(error).__name__)


@dataclass(frozen=True)
class TcpProbe:
    """A TCP connection to ``host:port``, closed at once."""

    host: str
    port: int
    timeout: float

    def run(self) -> ProbeAnswer:
        """No failure when the port accepted the connection."""
        try:  # one connect, bounded by its own timeout
            with socket.create_connection((self.host, self.port), timeout=self.timeout):
                return ProbeAnswer()
        except TimeoutError:
            return ProbeAnswer(failure="timed_out")
        except socket.gaierror:
            return ProbeAnswer(failure="unknown_host", detail=self.host)
        except ConnectionRefusedError:
            return ProbeAnswer(failure="refused", detail="connection refused")
        except OSError as error:
            return ProbeAnswer(failure="failed", detail=error.strerror or type(error).__name__)


def _tls_reason(error: Exception) -> str:
    text = str(error)
    for known in ("certificate has expired", "self-signed certificate", "self signed certificate",
                  "unable to get local issuer certificate", "Hostname mismatch",
                  "certificate verify failed"):  # fmt: skip
        if known.lower() in text.lower():
            return known
    return "TLS handshake failed"


def _connection_failure(error: requests.ConnectionError, url: str) -> ProbeAnswer:
    """A lost connection as a failure kind, in the adapters' one reading of transport errors
    (``retry.plain_reason``)."""
    reason = plain_reason(error)
    if reason == "unknown host":
        host = url.split("://", 1)[-1].split("/", 1)[0]
        return ProbeAnswer(failure="unknown_host", detail=host)
    if reason == "connection refused":
        return ProbeAnswer(failure="refused", detail=reason)
    if "ssl" in str(error).lower():
        return ProbeAnswer(failure="tls", detail="TLS handshake failed")
    return ProbeAnswer(failure="failed", detail=reason)
