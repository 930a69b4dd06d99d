"""The audit trail (table ``audit``): one entry for every transition and every reply — who,
what, from which source — written in the transaction of the change it records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.app.store.change import Change
from bot.app.store.schema import audit, utc


@dataclass(frozen=True)
class AuditEntry:
    """One line of a deployment's history."""

    at: datetime
    source: str
    actor: str
    event: str
    old_state: str | None
    new_state: str | None
    details: dict[str, Any]


class AuditTrail:
    """``store.audit``: the history of a deployment (or of a ticket, or of the alerts)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def trail(self, scope: str) -> list[AuditEntry]:
        """The history filed under ``scope`` (a deployment's id, ``ticket-<id>``, ``alerts``),
        oldest first."""
        query = sa.select(audit).where(audit.c.deployment_id == scope).order_by(audit.c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            AuditEntry(
                at=utc(row["at"]) or datetime.now(UTC),
                source=row["source"],
                actor=row["actor"],
                event=row["event"],
                old_state=row["old_state"],
                new_state=row["new_state"],
                details=json.loads(row["details"]),
            )
            for row in rows
        ]


def write_audit(connection: Connection, change: Change) -> None:
    """The change's audit entry, inside the caller's transaction."""
    connection.execute(
        audit.insert().values(
            deployment_id=change.scope,
            at=utc(change.now),
            source=change.source,
            actor=change.actor,
            event=change.event,
            old_state=change.old_state.value if change.old_state else None,
            new_state=change.new_state.value if change.new_state else None,
            details=json.dumps(dict(change.details or {}), ensure_ascii=False, default=str),
        )
    )
