"""An emulator of the parts of Google's APIs deploybot uses: the OAuth token endpoint of service
accounts, Drive v3, Sheets v4 and Calendar v3, on one loopback port.

The official client libraries are pointed at it (``google.api_url``; the key file's
``token_uri``). Answers follow the shapes of Google's discovery documents (which the client
library ships; ``tests/test_contract_google.py`` checks every answer against them) and the
recorded examples in ``tests/fixtures/google``. What is and is not emulated: README.md.

Who may do what is as strict as Google: a service account sees only what was shared with it (or
with the user it impersonates), a token carries the scopes it was granted, and a service account
cannot invite attendees unless it acts for a Workspace user.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.wrappers import Request, Response

from emulators.google_calendar import CalendarApi
from emulators.google_drive import DriveApi
from emulators.google_fields import google_error
from emulators.google_sheets import SheetsApi
from emulators.server import EmulatorApp, Faults, json_response

GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
SCOPE_DRIVE = "https://www.googleapis.com/auth/drive"
SCOPE_SHEETS = "https://www.googleapis.com/auth/spreadsheets"
SCOPE_CALENDAR = "https://www.googleapis.com/auth/calendar"

#: The scopes that let a token use each API (any one of them).
API_SCOPES: dict[str, frozenset[str]] = {
    "drive": frozenset({SCOPE_DRIVE, f"{SCOPE_DRIVE}.file"}),
    "sheets": frozenset({SCOPE_SHEETS, SCOPE_DRIVE, f"{SCOPE_DRIVE}.file"}),
    "calendar": frozenset({SCOPE_CALENDAR, f"{SCOPE_CALENDAR}.events"}),
}


@dataclass(frozen=True)
class Grant:
    """What an access token stands for: a service account, perhaps acting for a user."""

    client_email: str
    subject: str | None
    scopes: frozenset[str]

    @property
    def principal(self) -> str:
        """Whose access counts: the impersonated user's, else the service account's."""
        return self.subject or self.client_email


@dataclass
class ServiceAccount:
    """A service account's public key (its private key is in the key file handed out)."""

    email: str
    key_id: str
    public_key: rsa.RSAPublicKey
    #: Whether a Workspace admin granted it domain-wide delegation (it may impersonate users).
    delegation: bool = True


@dataclass
class Hook:
    """Something a test makes happen once, just before a matching request is answered: a
    person's edit between deploybot's read and its write."""

    method: str
    path_part: str
    action: Callable[[], object]
    done: bool = field(default=False)


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class GoogleEmulator(EmulatorApp):
    """Drive, Sheets and Calendar behind Google's OAuth, seeded from the scenario's ``google``."""

    name = "google"

    def setup(self) -> None:
        """Seed the state and register the routes of each API."""
        self.accounts: dict[str, ServiceAccount] = {}
        self.grants: dict[str, Grant] = {}
        self.hooks: list[Hook] = []
        #: The token endpoint is another Google service (oauth2.googleapis.com): its faults are
        #: its own, so that an API outage does not also stop signing in, and the other way round.
        self.sign_in_faults = Faults()
        seed: dict[str, Any] = dict(self.scenario.get("google") or {})
        self.drive = DriveApi(self, seed)
        self.sheets = SheetsApi(self, self.drive)
        self.calendar = CalendarApi(self, seed)
        self.route("/token", "token", ["POST"], self._token)
        self.drive.register()
        self.sheets.register()
        self.calendar.register()
        self.drive.seed_files(seed, self.sheets)

    # --- service accounts and tokens -------------------------------------------------------

    def issue_key(self, email: str, token_uri: str, *, delegation: bool = True) -> dict[str, str]:
        """A new key for the service account ``email``: the JSON of its key file, as the Cloud
        console hands it out, with ``token_uri`` pointing at this emulator."""
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_id = secrets.token_hex(20)
        with self.lock:
            self.accounts[email] = ServiceAccount(email, key_id, private.public_key(), delegation)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": email.split("@")[-1].split(".")[0],
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": str(int(hashlib.sha256(email.encode()).hexdigest(), 16) % 10**21),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "universe_domain": "googleapis.com",
        }

    def _token(self, request: Request) -> Response:
        if request.form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return _oauth_error("unsupported_grant_type", "Invalid grant_type: ")
        try:
            claims = self._verified_claims(request.form.get("assertion", ""), request.url)
        except ValueError as error:
            return _oauth_error("invalid_grant", str(error))
        account = self.accounts[claims["iss"]]
        subject = claims.get("sub")
        if subject and not account.delegation:
            return _oauth_error(
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client "
                "not authorized for any of the scopes requested.",
            )
        token = "ya29.emulated-" + secrets.token_urlsafe(24)
        scopes = frozenset(str(claims.get("scope", "")).split())
        self.grants[token] = Grant(account.email, subject, scopes)
        return json_response({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _verified_claims(self, assertion: str, url: str) -> dict[str, Any]:
        """The claims of a service account's signed JWT, or ValueError in Google's words."""
        parts = assertion.split(".")
        if len(parts) != 3:
            raise ValueError("Invalid JWT: Token must be a short-lived token and in a format")
        header = json.loads(_b64decode(parts[0]))
        claims: dict[str, Any] = json.loads(_b64decode(parts[1]))
        account = self.accounts.get(str(claims.get("iss")))
        if account is None or header.get("kid") != account.key_id:
            raise ValueError("Invalid JWT Signature.")
        try:
            account.public_key.verify(
                _b64decode(parts[2]),
                f"{parts[0]}.{parts[1]}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            raise ValueError("Invalid JWT Signature.") from None
        # Google's endpoint wants its own address as the audience, whatever token_uri says
        # (google-auth signs it so).
        if claims.get("aud") not in (GOOGLE_TOKEN_AUDIENCE, url.split("?")[0]):
            raise ValueError("Invalid JWT: Token must be a short-lived token and in a format.")
        lifetime = int(claims.get("exp", 0)) - int(claims.get("iat", 0))
        if not 0 < lifetime <= 3600 or int(claims.get("exp", 0)) < time.time() - 300:
            raise ValueError(
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe."
            )
        return claims

    def grant(self, request: Request) -> Grant:
        """The grant behind the request's bearer token (authorized() has checked it)."""
        return self.grants[request.headers.get("Authorization", "").removeprefix("Bearer ")]

    def scope_error(self, request: Request, api: str) -> Response | None:
        """Google's 403 when the token was not granted a scope of ``api``."""
        if self.grant(request).scopes & API_SCOPES[api]:
            return None
        return google_error(
            403,
            "Request had insufficient authentication scopes.",
            "PERMISSION_DENIED",
            reason="insufficientPermissions",
        )

    # --- EmulatorApp ---------------------------------------------------------------------

    def faults_for(self, request: Request) -> Faults:
        """Sign-in has its own faults (``sign_in_faults``); the APIs share ``faults``."""
        return self.sign_in_faults if request.path == "/token" else self.faults

    def authorized(self, request: Request) -> bool:
        """The token endpoint is open; everything else wants a token this emulator issued."""
        if request.path == "/token":
            return True
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header.removeprefix("Bearer ") in self.grants

    def unauthorized(self, request: Request) -> Response:
        """Google's 401 for a missing or unknown access token."""
        return google_error(
            401,
            "Request is missing required authentication credential. Expected OAuth 2 access "
            "token, login cookie or other valid authentication credential. See "
            "https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "UNAUTHENTICATED",
            reason="authError",
        )

    def not_found(self, request: Request) -> Response:
        """Google's front end answers an unknown path with a plain 404 page."""
        return Response(
            f"The requested URL {request.path} was not found on this server.",
            status=404,
            content_type="text/html; charset=UTF-8",
        )

    def error(self, status: int) -> Response:
        """A 429 or 5xx in Google's JSON error shape."""
        if status == 429:
            return google_error(
                429,
                "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per "
                "minute per user'.",
                "RESOURCE_EXHAUSTED",
                reason="rateLimitExceeded",
            )
        return google_error(
            status, "The service is currently unavailable.", "UNAVAILABLE", reason="backendError"
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        for hook in list(self.hooks):
            if (
                not hook.done
                and hook.method == request.method
                and hook.path_part in request.full_path
            ):
                hook.done = True
                hook.action()  # outside the lock: the action may call this emulator itself
                break  # one hook per request: several are several requests apart
        return super().__call__(environ, start_response)

    def before(self, method: str, path_part: str, action: Callable[[], object]) -> None:
        """Run ``action`` once, just before the first ``method`` request whose path (with its
        query) contains ``path_part`` and that no earlier hook was run for."""
        self.hooks.append(Hook(method, path_part, action))


def _oauth_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 400)
