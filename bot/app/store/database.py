"""deploybot's own state: deployments, the audit trail, the outbox, timers and what was read.

SQLAlchemy Core over any database URL (SQLite by default, PostgreSQL unchanged). The schema is
created and migrated by the program: a ``schema_version`` table says which migrations ran.
A transition (new deployment state, audit entry, outbox items, timers) commits in one
transaction, so a crash leaves either all of it or none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.app.store.codec import effect_to_json
from bot.app.store.markers import MarkerStore, remember_marker
from bot.app.store.queue import OutboxItem, OutboxQueue, backoff, utc
from bot.app.store.reports import ReportQueries
from bot.app.store.schema import (
    SCHEMA_VERSION,
    audit,
    counters,
    deployment_tickets,
    deployments,
    metadata,
    outbox,
    schema_version,
    timers,
)
from bot.app.store.versions import backfill_deployed_versions, record_deployed
from bot.domain.booking_offer import held_slots
from bot.domain.calendar.rules import Booking
from bot.domain.effects import Effect, OutboxEffect, ScheduleTimer
from bot.domain.model import (
    BOOKED,
    ENDED,
    Deployment,
    State,
    deployment_from_json,
    deployment_to_json,
)

_utc = utc
__all__ = ["AuditEntry", "OutboxItem", "Store", "Timer", "backoff", "sqlite_url"]


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


@dataclass(frozen=True)
class Timer:
    """A timer of a deployment that fires at ``due_at``."""

    deployment_id: str
    name: str
    due_at: datetime


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path}"


#: The states in which a deployment can hold a slot (see :func:`held_slots`).
HOLDING = (State.READY, *BOOKED)


class Store(MarkerStore, ReportQueries, OutboxQueue):
    """deploybot's database."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = sa.create_engine(url, future=True)
        self.migrate()

    # -- schema -----------------------------------------------------------------------------

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the version now in place.

        Resumable: a first start killed half-way (SQLite creates each table in its own
        transaction) left some tables and no version; the next start creates the missing
        tables and records the version, instead of failing for ever.
        """
        with self.engine.begin() as connection:
            metadata.create_all(connection)  # only the tables that are missing
            found = connection.execute(sa.select(schema_version.c.version)).scalar_one_or_none()
            if found is None:
                connection.execute(schema_version.insert().values(version=SCHEMA_VERSION))
                return SCHEMA_VERSION
            version: int = found
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"the state database {self.url} has schema version {version}, newer than "
                    f"this deploybot ({SCHEMA_VERSION}); upgrade deploybot"
                )
            if version < 2:
                backfill_deployed_versions(connection)
                version = 2
                connection.execute(schema_version.update().values(version=version))
            if version < 3:
                _add_claim_columns(connection)
                version = 3
                connection.execute(schema_version.update().values(version=version))
            return int(version)

    # -- deployments --------------------------------------------------------------------------

    def next_deployment_id(self, customer: str, year: int) -> str:
        """``DIBA-2026-0007``: the id the customer's next deployment in that year gets.

        The number is taken only when the deployment is first committed (``commit``), in that
        same transaction: a crash before it leaves no gap in the numbering.
        """
        with self.engine.connect() as connection:
            current = connection.execute(
                sa.select(counters.c.value).where(counters.c.name == _counter(customer, year))
            ).scalar_one_or_none()
        return f"{customer.upper()}-{year}-{(current or 0) + 1:04d}"

    def _take_number(self, connection: Connection, deployment: Deployment) -> None:
        """Record a new deployment's number as taken (its id's last part)."""
        year, number = int(deployment.id.split("-")[-2]), int(deployment.id.split("-")[-1])
        name = _counter(deployment.customer, year)
        current = connection.execute(
            sa.select(counters.c.value).where(counters.c.name == name)
        ).scalar_one_or_none()
        if current is None:
            connection.execute(counters.insert().values(name=name, value=number))
        elif number > current:
            connection.execute(
                counters.update().where(counters.c.name == name).values(value=number)
            )

    def deployment(self, deployment_id: str) -> Deployment | None:
        """The deployment with this id, if any."""
        with self.engine.connect() as connection:
            data = connection.execute(
                sa.select(deployments.c.data).where(deployments.c.id == deployment_id)
            ).scalar_one_or_none()
        return deployment_from_json(json.loads(data)) if data else None

    def deployments(
        self,
        *,
        customer: str | None = None,
        states: Sequence[State] | None = None,
        newest: int | None = None,
    ) -> list[Deployment]:
        """Deployments, oldest first, optionally of one customer, in some states, and only the
        ``newest`` few (the filters and the limit run in SQL: nothing else is decoded)."""
        query = sa.select(deployments.c.data)
        if customer is not None:
            query = query.where(deployments.c.customer == customer)
        if states is not None:
            query = query.where(deployments.c.state.in_([state.value for state in states]))
        if newest is not None:
            query = query.order_by(deployments.c.updated_at.desc(), deployments.c.id.desc())
            query = query.limit(newest)
        else:
            query = query.order_by(deployments.c.id)
        with self.engine.connect() as connection:
            rows: Sequence[str] = connection.execute(query).scalars().all()
        found = [deployment_from_json(json.loads(row)) for row in rows]
        return sorted(found, key=lambda d: d.id) if newest is not None else found

    def held_bookings(self) -> tuple[Booking, ...]:
        """Every slot held now (booked, running, or chosen by a customer and waiting for the
        team): the one set of bookings every free-slot answer is computed over."""
        return held_slots(self.deployments(states=HOLDING))

    def deployments_between(
        self, start: datetime, end: datetime, *, customer: str | None = None
    ) -> list[Deployment]:
        """Deployments booked to start in [start, end) (by their planned start, in SQL)."""
        query = sa.select(deployments.c.data).where(
            deployments.c.planned_start >= _utc(start), deployments.c.planned_start < _utc(end)
        )
        if customer is not None:
            query = query.where(deployments.c.customer == customer)
        with self.engine.connect() as connection:
            rows: Sequence[str] = (
                connection.execute(query.order_by(deployments.c.id)).scalars().all()
            )
        return [deployment_from_json(json.loads(row)) for row in rows]

    def open_deployment_of_ticket(self, ticket_id: int) -> Deployment | None:
        """The deployment (not yet ended) that includes this ticket."""
        open_states = [s.value for s in State if s not in ENDED]
        query = (
            sa.select(deployments.c.data)
            .join(deployment_tickets, deployment_tickets.c.deployment_id == deployments.c.id)
            .where(deployment_tickets.c.ticket_id == ticket_id)
            .where(deployments.c.state.in_(open_states))
            .order_by(deployments.c.id.desc())
        )
        with self.engine.connect() as connection:
            data = connection.execute(query).scalars().first()
        return deployment_from_json(json.loads(data)) if data else None

    def commit(
        self,
        deployment: Deployment,
        effects: Sequence[Effect],
        *,
        now: datetime,
        source: str,
        actor: str,
        event: str,
        old_state: State | None,
        details: dict[str, Any] | None = None,
        seen_markers: Mapping[str, str] | None = None,
    ) -> None:
        """Save the deployment, its audit entry, its outbox items and timers atomically, with
        the markers that say what caused it was handled (so a crash cannot make it run twice)."""
        with self.engine.begin() as connection:
            for key, value in (seen_markers or {}).items():
                remember_marker(connection, key, value)
            self._save(connection, deployment, now)
            connection.execute(
                audit.insert().values(
                    deployment_id=deployment.id,
                    at=_utc(now),
                    source=source,
                    actor=actor,
                    event=event,
                    old_state=old_state.value if old_state else None,
                    new_state=deployment.state.value,
                    details=json.dumps(details or {}, ensure_ascii=False, default=str),
                )
            )
            if deployment.state is State.COMPLETED and old_state is not State.COMPLETED:
                record_deployed(connection, deployment)
            for effect in effects:
                if isinstance(effect, ScheduleTimer):
                    self._set_timer(connection, deployment.id, effect.name, effect.due)
                    continue
                self._enqueue(connection, deployment.id, effect, now)

    def _save(self, connection: Connection, deployment: Deployment, now: datetime) -> None:
        values = {
            "customer": deployment.customer,
            "state": deployment.state.value,
            "planned_start": _utc(deployment.planned_start),
            "data": json.dumps(deployment_to_json(deployment), ensure_ascii=False),
            "updated_at": _utc(now),
        }
        updated = connection.execute(
            deployments.update().where(deployments.c.id == deployment.id).values(**values)
        )
        if updated.rowcount == 0:
            connection.execute(deployments.insert().values(id=deployment.id, **values))
            self._take_number(connection, deployment)
        known: set[int] = set(
            connection.execute(
                sa.select(deployment_tickets.c.ticket_id).where(
                    deployment_tickets.c.deployment_id == deployment.id
                )
            ).scalars()
        )
        for ticket in deployment.tickets:
            if ticket.id is not None and ticket.id not in known:
                connection.execute(
                    deployment_tickets.insert().values(
                        deployment_id=deployment.id, ticket_id=ticket.id
                    )
                )

    def _enqueue(
        self, connection: Connection, deployment_id: str, effect: OutboxEffect, now: datetime
    ) -> None:
        exists = connection.execute(
            sa.select(outbox.c.id).where(outbox.c.key == effect.key)
        ).first()
        if exists:
            return
        connection.execute(
            outbox.insert().values(
                deployment_id=deployment_id,
                key=effect.key,
                kind=type(effect).__name__,
                payload=json.dumps(effect_to_json(effect), ensure_ascii=False),
                status="pending",
                attempts=0,
                next_attempt_at=_utc(now),
                alerted=False,
                created_at=_utc(now),
            )
        )

    def record_reply(
        self,
        scope: str,
        effects: Sequence[OutboxEffect],
        *,
        now: datetime,
        source: str,
        actor: str,
        event: str,
        details: dict[str, Any],
        seen_markers: Mapping[str, str] | None = None,
    ) -> None:
        """An answer that changes no deployment: its audit entry, its effects and the markers of
        what caused it, atomically.

        ``scope`` is the deployment the answer is about, or ``ticket-<id>`` / ``alerts``.
        """
        with self.engine.begin() as connection:
            for key, value in (seen_markers or {}).items():
                remember_marker(connection, key, value)
            connection.execute(
                audit.insert().values(
                    deployment_id=scope,
                    at=_utc(now),
                    source=source,
                    actor=actor,
                    event=event,
                    details=json.dumps(details, ensure_ascii=False, default=str),
                )
            )
            for effect in effects:
                self._enqueue(connection, scope, effect, now)

    # -- audit --------------------------------------------------------------------------------

    def audit_trail(self, deployment_id: str) -> list[AuditEntry]:
        """The deployment's history, oldest first."""
        query = sa.select(audit).where(audit.c.deployment_id == deployment_id).order_by(audit.c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            AuditEntry(
                at=_utc(row["at"]) or datetime.now(UTC),
                source=row["source"],
                actor=row["actor"],
                event=row["event"],
                old_state=row["old_state"],
                new_state=row["new_state"],
                details=json.loads(row["details"]),
            )
            for row in rows
        ]

    # -- outbox -------------------------------------------------------------------------------

    def _set_timer(
        self, connection: Connection, deployment_id: str, name: str, due: datetime | None
    ) -> None:
        connection.execute(
            timers.delete().where(timers.c.deployment_id == deployment_id, timers.c.name == name)
        )
        if due is not None:
            connection.execute(
                timers.insert().values(deployment_id=deployment_id, name=name, due_at=_utc(due))
            )

    def timers(self) -> list[Timer]:
        """Every armed timer, soonest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(timers).order_by(timers.c.due_at)).mappings()
            return [
                Timer(row["deployment_id"], row["name"], _utc(row["due_at"]) or datetime.now(UTC))
                for row in rows
            ]

    def due_timers(self, now: datetime) -> list[Timer]:
        """Timers whose time has come (including those that came due while stopped)."""
        return [timer for timer in self.timers() if timer.due_at <= now]

    # -- what was already read ----------------------------------------------------------------


def _add_claim_columns(connection: Connection) -> None:
    """Schema 2 → 3: the outbox's claim columns (only those missing: a resumed upgrade)."""
    present = {column["name"] for column in sa.inspect(connection).get_columns("outbox")}
    zoned = connection.dialect.name == "postgresql"
    wanted = {
        "claimed_by": "VARCHAR(100)",
        "claimed_until": "TIMESTAMP WITH TIME ZONE" if zoned else "DATETIME",
    }
    for name, kind in wanted.items():
        if name not in present:
            connection.execute(sa.text(f"ALTER TABLE outbox ADD COLUMN {name} {kind}"))


def _counter(customer: str, year: int) -> str:
    return f"{customer}-{year}"
