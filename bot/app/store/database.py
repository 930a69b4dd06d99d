"""deploybot's own state: deployments, the audit trail, the outbox, timers and what was read.

SQLAlchemy Core over any database URL (SQLite by default, PostgreSQL unchanged). The schema is
created and migrated by the program: a ``schema_version`` table says which migrations ran.

``Store`` owns the connection (its engine) and the migrations, and hangs one collaborator per
job off itself — ``store.deployments``, ``store.audit``, ``store.timers``, ``store.markers``,
``store.outbox``, ``store.reports``, ``store.runs`` — and the locks that share its database
(``store.decision_lock()``, ``store.leadership()``), so nobody else reaches into its engine.
A decision (new deployment state, audit entry, outbox items, timers, the markers of its cause)
commits in one transaction (``store.commit(change)``), so a crash leaves either all of it or
none.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.app.store.audit import AuditEntry, AuditTrail, write_audit
from bot.app.store.change import Change
from bot.app.store.deployments import Deployments, save_deployment
from bot.app.store.leadership import Leadership
from bot.app.store.locks import CYCLE_WAIT_SECONDS, DecisionLock
from bot.app.store.markers import Markers, remember_marker
from bot.app.store.queue import OutboxItem, OutboxQueue, backoff, enqueue
from bot.app.store.reports import Reports, backfill_deployed_versions, record_deployed
from bot.app.store.runs import JobRuns
from bot.app.store.schema import SCHEMA_VERSION, metadata, schema_version
from bot.app.store.timers import Timer, Timers, arm_timer
from bot.domain.effects import ScheduleTimer

__all__ = ["AuditEntry", "Change", "OutboxItem", "Store", "Timer", "backoff", "sqlite_url"]


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path}"


class Store:
    """deploybot's database: the engine, the schema, one collaborator per job, and the one
    transaction of a decision (:meth:`commit`)."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = sa.create_engine(url, future=True)
        self.migrate()
        self.deployments = Deployments(self.engine)
        self.audit = AuditTrail(self.engine)
        self.timers = Timers(self.engine)
        self.markers = Markers(self.engine)
        self.outbox = OutboxQueue(self.engine)
        self.reports = Reports(self.engine)
        self.runs = JobRuns(self.engine)

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

    def commit(self, change: Change) -> None:
        """Record a decision atomically: the deployment's new state (a transition), its audit
        entry, its outbox items and timers, and the markers that say what caused it was handled
        (so a crash cannot make it run twice). A reply — no deployment — records the rest."""
        with self.engine.begin() as connection:
            for key, value in (change.seen_markers or {}).items():
                remember_marker(connection, key, value)
            if change.deployment is not None:
                save_deployment(connection, change.deployment, change.now)
            write_audit(connection, change)
            if change.deployment is not None and change.completes:
                record_deployed(connection, change.deployment)
            for effect in change.effects:
                if isinstance(effect, ScheduleTimer):
                    arm_timer(connection, change.scope, effect.name, effect.due)
                    continue
                enqueue(connection, change.scope, effect, change.now)

    def decision_lock(self, wait: float = CYCLE_WAIT_SECONDS) -> DecisionLock:
        """A lock for one decision at a time among every process on this store (``locks``)."""
        return DecisionLock(self.engine, wait)

    def leadership(self) -> Leadership:
        """Whether this instance leads among those sharing this store (``leadership``)."""
        return Leadership(self.engine)

    def close(self) -> None:
        """Give the database's connections back (the store is not used after)."""
        self.engine.dispose()


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
