"""The customer's booking link: a token signed with the provider's secret, bound to one
deployment and to one issue of its proposals, valid for ``booking.link_days`` — and what a link
stands for when it is opened.

Pure: HMAC is arithmetic. The secret travels in :class:`BookingLinks` (never printed) from the
shell, which reads it from the environment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.domain.model import Deployment, State

#: What an opened link stands for: usable, or why not.
Standing = Literal["open", "tampered", "expired", "spent", "superseded", "cancelled"]


@dataclass(frozen=True)
class LinkClaim:
    """What a link grants: choosing a slot of one deployment's proposals of one round, until
    ``expires``."""

    deployment_id: str
    round: int
    expires: datetime


@dataclass(frozen=True)
class BookingLinks:
    """How links are made and read: the public address and the signing secret."""

    base_url: str
    secret: bytes = field(repr=False)

    def token(self, claim: LinkClaim) -> str:
        """The signed token of ``claim`` (URL-safe, no padding)."""
        payload = json.dumps(
            [claim.deployment_id, claim.round, int(claim.expires.timestamp())],
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def url(self, claim: LinkClaim) -> str:
        """The address the customer opens."""
        return f"{self.base_url.rstrip('/')}/book/{self.token(claim)}"

    def read(self, token: str) -> LinkClaim | None:
        """The claim a token carries, or None when it is not one this secret signed — in the
        very spelling :meth:`token` gives it (base64 read leniently has many spellings of the
        same bytes: padding, unused low bits, skipped characters; one link is one token)."""
        try:
            payload = _unb64(token.partition(".")[0])
            issued = f"{_b64(payload)}.{_b64(self._sign(payload))}"
            if not hmac.compare_digest(issued.encode(), token.encode()):
                return None
            deployment_id, round_, expires = json.loads(payload)
            return LinkClaim(str(deployment_id), int(round_), datetime.fromtimestamp(expires, UTC))
        except (ValueError, TypeError, binascii.Error, OverflowError):
            return None

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, b"deploybot booking link\0" + payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claim_for(deployment: Deployment, now: datetime, days: int) -> LinkClaim:
    """The claim of a link issued now with the deployment's current proposals."""
    return LinkClaim(deployment.id, deployment.proposal_round, now + timedelta(days=days))


def standing(
    claim: LinkClaim | None, deployment: Deployment | None, now: datetime, *, off: bool = False
) -> Standing:
    """Whether a link can still book, and if not, why: not signed by us (or for no deployment
    we know), proposals issued again since (or the customer's self-service turned ``off``), the
    request cancelled, a slot already booked or chosen, or past its days."""
    if claim is None or deployment is None or deployment.id != claim.deployment_id:
        return "tampered"
    if deployment.state is State.CANCELLED:
        return "cancelled"
    booked = deployment.state not in (State.REQUESTED, State.BLOCKED, State.READY)
    if booked or deployment.chosen is not None:
        return "spent"
    if claim.round != deployment.proposal_round or deployment.state is not State.READY or off:
        return "superseded"
    if now >= claim.expires:
        return "expired"
    return "open"
