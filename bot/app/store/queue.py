"""The outbox as a queue (table ``outbox``): effects queued inside ``Store.commit``'s
transaction (:func:`enqueue`), what is pending, claiming an effect for one process before
carrying it out, and recording how it went."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.app.store.codec import effect_from_json, effect_to_json
from bot.app.store.schema import outbox, utc
from bot.domain.effects import OutboxEffect


@dataclass(frozen=True)
class OutboxItem:
    """One effect waiting in (or done from) the outbox."""

    id: int
    deployment_id: str
    key: str
    effect: OutboxEffect
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    alerted: bool


#: What a claim says of the effect: never tried before, or perhaps tried already.
Claim = Literal["first", "again"]
#: The owner of a claim taken back from a stopped instance.
RELEASED = "released"


class OutboxQueue:
    """``store.outbox``: the effects waiting to be carried out, and how each went."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _item(self, row: Any) -> OutboxItem:
        return OutboxItem(
            id=row["id"],
            deployment_id=row["deployment_id"],
            key=row["key"],
            effect=effect_from_json(json.loads(row["payload"])),
            status=row["status"],
            attempts=row["attempts"],
            next_attempt_at=utc(row["next_attempt_at"]) or datetime.now(UTC),
            last_error=row["last_error"],
            alerted=bool(row["alerted"]),
        )

    def pending_count(self) -> int:
        """How many effects wait in the outbox (one count)."""
        query = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.status == "pending")
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def pending(self) -> list[OutboxItem]:
        """Every effect not done yet, in the order it was written."""
        query = sa.select(outbox).where(outbox.c.status == "pending").order_by(outbox.c.id)
        with self.engine.connect() as connection:
            return [self._item(row) for row in connection.execute(query).mappings()]

    def items(self, deployment_id: str | None = None) -> list[OutboxItem]:
        """Every outbox item (of one deployment), in order."""
        query = sa.select(outbox).order_by(outbox.c.id)
        if deployment_id is not None:
            query = query.where(outbox.c.deployment_id == deployment_id)
        with self.engine.connect() as connection:
            return [self._item(row) for row in connection.execute(query).mappings()]

    def claim(self, item_id: int, owner: str, now: datetime, lease: timedelta) -> Claim | None:
        """Claim a pending effect for ``owner`` until ``now + lease``: None when another
        instance holds an unexpired claim, so that no two instances carry it out at once.

        ``"first"`` when nobody ever tried it (never claimed, never failed): nothing of it can
        be out there yet, so its executor need not look for it before acting; ``"again"``
        otherwise (a retry, or the claim of a stopped instance taken back)."""
        untouched = sa.and_(outbox.c.claimed_by.is_(None), outbox.c.attempts == 0)
        free = sa.or_(
            outbox.c.claimed_by.is_(None),
            outbox.c.claimed_by.in_([owner, RELEASED]),
            outbox.c.claimed_until < utc(now),
        )
        values = {"claimed_by": owner, "claimed_until": utc(now + lease)}
        pending = sa.and_(outbox.c.id == item_id, outbox.c.status == "pending")
        with self.engine.begin() as connection:
            if connection.execute(
                outbox.update().where(pending, untouched).values(values)
            ).rowcount:
                return "first"
            if connection.execute(outbox.update().where(pending, free).values(values)).rowcount:
                return "again"
        return None

    def claim_owners(self) -> list[str]:
        """Every owner holding a claim on a pending effect."""
        query = (
            sa.select(outbox.c.claimed_by)
            .where(
                outbox.c.status == "pending",
                outbox.c.claimed_by.is_not(None),
                outbox.c.claimed_by != RELEASED,
            )
            .distinct()
        )
        with self.engine.connect() as connection:
            owners: list[Any] = list(connection.execute(query).scalars())
        return [str(owner) for owner in owners]

    def release_claims(self, owners: Sequence[str]) -> int:
        """Drop the claims of ``owners`` (stopped instances); returns how many were held. The
        effects stay marked as claimed once (``RELEASED``): a stopped instance may have carried
        them out before it stopped, so they are looked for before being done again."""
        if not owners:
            return 0
        query = (
            outbox.update()
            .where(outbox.c.claimed_by.in_(list(owners)))
            .values(claimed_by=RELEASED, claimed_until=None)
        )
        with self.engine.begin() as connection:
            return int(connection.execute(query).rowcount)

    def mark_done(self, item_id: int, now: datetime) -> None:
        """The effect was carried out."""
        with self.engine.begin() as connection:
            connection.execute(
                outbox.update()
                .where(outbox.c.id == item_id)
                .values(status="done", done_at=utc(now), last_error=None)
            )

    def mark_failed(
        self, item_id: int, error: str, next_attempt_at: datetime, *, alerted: bool = False
    ) -> int:
        """Record a failed attempt; returns the number of attempts so far."""
        with self.engine.begin() as connection:
            attempts: int = connection.execute(
                sa.select(outbox.c.attempts).where(outbox.c.id == item_id)
            ).scalar_one()
            values: dict[str, Any] = {
                "attempts": attempts + 1,
                "last_error": error[:2000],
                "next_attempt_at": utc(next_attempt_at),
            }
            if alerted:
                values["alerted"] = True
            connection.execute(outbox.update().where(outbox.c.id == item_id).values(**values))
        return int(attempts) + 1

    def mark_given_up(self, item_id: int, error: str) -> None:
        """The effect can never succeed as it is (its data is refused): it leaves the queue."""
        with self.engine.begin() as connection:
            connection.execute(
                outbox.update()
                .where(outbox.c.id == item_id)
                .values(status="failed", last_error=error[:2000], attempts=outbox.c.attempts + 1)
            )


def enqueue(connection: Connection, scope: str, effect: OutboxEffect, now: datetime) -> None:
    """Queue ``effect`` under ``scope`` inside the caller's transaction, due at once; nothing
    when the outbox already holds its key (a change recorded twice queues its effects once)."""
    exists = connection.execute(sa.select(outbox.c.id).where(outbox.c.key == effect.key)).first()
    if exists:
        return
    connection.execute(
        outbox.insert().values(
            deployment_id=scope,
            key=effect.key,
            kind=type(effect).__name__,
            payload=json.dumps(effect_to_json(effect), ensure_ascii=False),
            status="pending",
            attempts=0,
            next_attempt_at=utc(now),
            alerted=False,
            created_at=utc(now),
        )
    )


def backoff(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Exponential backoff after ``attempts`` failures: base, 2·base, 4·base… up to max."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds))
