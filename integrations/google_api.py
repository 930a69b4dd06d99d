"""Signing in to Google with a service account, and calling its APIs through the official client
library with retries: 429 and 5xx answers and lost connections are retried with backoff (the
client's own retries would sleep where tests cannot see); anything else is a GoogleApiError in
plain words.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build, build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError
from httplib2.decode import DecodeLimitError, DecodeRatioError

from integrations.bounded import MAX_BYTES, TooLargeError, cut_at, read_capped, watch_socket
from integrations.google_errors import GoogleApiError, GoogleCredentialsError
from integrations.retry import (
    RETRY_STATUSES,
    RetriesExhaustedError,
    Retryable,
    RetryPolicy,
    retry_after_seconds,
)

__all__ = [
    "GoogleApiError",
    "GoogleApis",
    "GoogleCredentialsError",
    "GoogleSettings",
    "load_credentials",
]

SCOPES = (
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/calendar",
)

_VERSIONS = {"drive": "v3", "sheets": "v4", "calendar": "v3"}
#: How often something that must be made once is tried (its answer lost, looked for) per write.
ONCE_ATTEMPTS = 3
T = TypeVar("T")


@dataclass(frozen=True)
class GoogleSettings:
    """How to reach Google: a key file, perhaps a user to act for, perhaps an emulator."""

    credentials_file: Path
    impersonate: str | None = None
    api_url: str | None = None
    timeout: float = 30.0


def load_credentials(settings: GoogleSettings) -> service_account.Credentials:
    """The service account of the key file, for Drive and Calendar (acting for the
    impersonated user, if any)."""
    path = settings.credentials_file
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GoogleCredentialsError(
            f"{path}: cannot read the key file: {error.strerror}"
        ) from None
    except ValueError:
        raise GoogleCredentialsError(f"{path}: not a JSON key file") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise GoogleCredentialsError(
            f"{path}: not a service account key (create one in the Cloud console: IAM > "
            "Service accounts > Keys > Add key > JSON)"
        )
    try:
        credentials: service_account.Credentials = (
            service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=SCOPES
            )
        )
    except (ValueError, KeyError) as error:
        raise GoogleCredentialsError(f"{path}: not a usable key ({error})") from None
    if settings.impersonate:
        credentials = credentials.with_subject(settings.impersonate)  # type: ignore[no-untyped-call]
    return credentials


def _client(name: str, http: AuthorizedHttp, api_url: str | None) -> Any:
    """The API client; for an emulator, built from Google's shipped discovery document with
    the emulator as its root (``api_endpoint`` alone would leave uploads on https)."""
    if not api_url:
        return build(name, _VERSIONS[name], http=http, cache_discovery=False, static_discovery=True)
    document = json.loads(get_static_doc(name, _VERSIONS[name]) or "{}")
    document["rootUrl"] = api_url.rstrip("/") + "/"
    return build_from_document(document, http=http)


class _CappedResponse(http.client.HTTPResponse):
    """An answer httplib2 reads whole, refused once it passes :data:`MAX_BYTES` (as it
    arrives: a server sending for ever is not held in memory)."""

    def read(self, amt: int | None = None) -> bytes:
        """The body, or ``amt`` bytes of it; the whole body within the cap."""
        if amt is not None:
            return super().read(amt)
        try:
            body = read_capped(iter(lambda: super(_CappedResponse, self).read(64 * 1024), b""),
                               MAX_BYTES)  # fmt: skip
        except TooLargeError:
            self.close()
            raise
        if self.length:  # cut short (a deadline): as http.client's own whole read says
            raise http.client.IncompleteRead(body, self.length)
        return body


class _WatchedConnection(httplib2.HTTPConnectionWithTimeout):  # type: ignore[misc]
    response_class = _CappedResponse

    def connect(self) -> None:
        super().connect()
        watch_socket(self.sock)  # http.client hands it to a closing answer and forgets it


class _WatchedTlsConnection(httplib2.HTTPSConnectionWithTimeout):  # type: ignore[misc]
    response_class = _CappedResponse

    def connect(self) -> None:
        super().connect()
        watch_socket(self.sock)


class _WatchedHttp(httplib2.Http):  # type: ignore[misc]
    """httplib2 whose new connections a request's deadline can cut (``cut_at``)."""

    def request(self, uri: str, *args: Any, **kwargs: Any) -> Any:
        """httplib2's request on a watched connection."""
        if kwargs.get("connection_type") is None and len(args) < 5:
            tls = uri.startswith("https:")
            kwargs["connection_type"] = _WatchedTlsConnection if tls else _WatchedConnection
        return super().request(uri, *args, **kwargs)


def _message(error: HttpError) -> str:
    try:
        body = json.loads(error.content.decode("utf-8", errors="replace"))
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return str(error.reason or error.resp.reason)


@dataclass
class GoogleApis:
    """The Drive, Sheets and Calendar clients of one service account, shared by every log and
    calendar that uses them; requests are made one at a time (httplib2 is not thread-safe)."""

    settings: GoogleSettings
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    #: (folder, name) → file id, so a log is looked up by name once per process.
    known_files: dict[tuple[str, str], str] = field(default_factory=dict)
    _services: dict[str, Any] = field(default_factory=dict)
    _credentials: service_account.Credentials | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    #: The clients' connections, cut when a request passes its deadline.
    _https: list[httplib2.Http] = field(default_factory=list)

    @property
    def account(self) -> str:
        """Who deploybot is at Google: the service account (acting for the impersonated user)."""
        email = str(self.credentials().service_account_email)
        acting = self.settings.impersonate
        return f"{email} acting for {acting}" if acting else email

    def credentials(self) -> service_account.Credentials:
        """The service account's credentials, read once: every API shares one token."""
        with self._lock:
            if self._credentials is None:
                self._credentials = load_credentials(self.settings)
            return self._credentials

    def service(self, name: str) -> Any:
        """The client of ``drive``, ``sheets`` or ``calendar`` (built once)."""
        with self._lock:
            if name not in self._services:
                timeout = self.settings.timeout
                # a compressed answer is refused past the same cap once unpacked
                plain = _WatchedHttp(timeout=timeout, decode_limit_hard=MAX_BYTES)
                self._https.append(plain)
                http = AuthorizedHttp(self.credentials(), http=plain)
                self._services[name] = _client(name, http, self.settings.api_url)
            return self._services[name]

    def _sockets(self) -> list[object]:
        """The sockets the clients hold now."""
        return [connection.sock for http in self._https
                for connection in list(http.connections.values())
                if getattr(connection, "sock", None) is not None]  # fmt: skip

    def once(self, attempt: Callable[[], T], look: Callable[[], T | None]) -> T | None:
        """Something that must be made once (a file, a row): ``attempt`` sends its request
        without blind retries (``call(..., retry=False)``); when the answer is lost, ``look``
        finds what was made, if it was, before the request is sent again. None when it was not
        made after :data:`ONCE_ATTEMPTS` tries."""
        for number in range(1, ONCE_ATTEMPTS + 1):
            try:
                return attempt()
            except RetriesExhaustedError:
                self.policy.sleep(self.policy.backoff(number))
                found = look()
                if found is not None:
                    return found
        return None

    def call(self, what: str, request: Callable[[], Any], *, retry: bool = True) -> Any:
        """Run ``request`` (``lambda: service….execute()``); retry what may pass later. ``what``
        names the request in errors: 'Google Drive: find the log'. ``retry=False`` for a
        request that must not be sent twice blindly (one whose lost answer may hide that it
        was applied): its caller looks whether it was, then decides."""

        def attempt() -> Any:
            try:
                with self._lock, cut_at(self.settings.timeout, self._sockets):
                    return request()
            except HttpError as error:
                status = int(error.resp.status)
                if status not in RETRY_STATUSES:
                    message = f"{what}: {_message(error)} (HTTP {status})"
                    raise GoogleApiError(message, status) from None
                wait = retry_after_seconds(error.resp.get("retry-after"))
                raise Retryable(f"HTTP {status}", wait) from None
            except RefreshError as error:
                reason = str(error.args[0]) if error.args else str(error)
                if not getattr(error, "retryable", False):
                    message = f"{what}: Google refused the key: {reason}"
                    raise GoogleCredentialsError(message) from None
                raise Retryable(
                    "signing in failed (Google's token service did not answer)"
                ) from None
            except (TooLargeError, DecodeLimitError, DecodeRatioError):
                # a larger answer will not get smaller by asking again
                message = f"{what}: the answer is larger than {MAX_BYTES >> 20} MB"
                raise GoogleApiError(message) from None
            except (TransportError, httplib2.HttpLib2Error, OSError) as error:
                raise Retryable(type(error).__name__ if not str(error) else str(error)) from None

        return self.policy.run(what, attempt, attempts=None if retry else 1)
