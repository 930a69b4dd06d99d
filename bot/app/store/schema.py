"""The state database's tables and the version of their layout (``Store.migrate`` upgrades it)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

SCHEMA_VERSION = 3


def utc(moment: datetime | None) -> datetime | None:
    """A time as the store's columns hold it: in UTC (SQLite drops the zone, so a time read
    without one is UTC; every time goes in and comes out as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata, sa.Column("version", sa.Integer, nullable=False)
)
deployments = sa.Table(
    "deployments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("customer", sa.String(200), nullable=False, index=True),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("planned_start", sa.DateTime(timezone=True)),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False, default=False, index=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
deployment_tickets = sa.Table(
    "deployment_tickets",
    metadata,
    sa.Column("deployment_id", sa.String(64), sa.ForeignKey("deployments.id"), primary_key=True),
    sa.Column("ticket_id", sa.Integer, primary_key=True),
)
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("deployment_id", sa.String(64), index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("old_state", sa.String(20)),
    sa.Column("new_state", sa.String(20)),
    sa.Column("details", sa.Text, nullable=False, default="{}"),
)
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("deployment_id", sa.String(64), nullable=False, index=True),
    sa.Column("key", sa.String(200), nullable=False, unique=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False, default="pending", index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("alerted", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("done_at", sa.DateTime(timezone=True)),
    # Version 3: the instance carrying the effect out, until when (a lease).
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
)
timers = sa.Table(
    "timers",
    metadata,
    sa.Column("deployment_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
)
seen = sa.Table(
    "seen",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False, default=""),
)
counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)
#: What deploybot last deployed of each component of each customer (version 2): the rollback
#: target of the next deployment, read with one indexed query instead of decoding every
#: completed deployment.
deployed_versions = sa.Table(
    "deployed_versions",
    metadata,
    sa.Column("customer", sa.String(200), primary_key=True),
    sa.Column("component", sa.String(200), primary_key=True),
    sa.Column("version", sa.String(200), nullable=False),
    sa.Column("deployment_id", sa.String(64), nullable=False),
)
#: Step 3 carried out (``bot.domain.step3_jobs.Run``) per running deployment, as JSON: the jobs
#: it played and follows. A table of its own, created on any schema version when missing.
step3_runs = sa.Table(
    "step3_runs",
    metadata,
    sa.Column("deployment_id", sa.String(64), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False, default=False, index=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
