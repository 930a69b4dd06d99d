"""The versions each customer runs, as the store keeps them (table ``deployed_versions``):
written in the transaction that completes a deployment, filled once from history when a
schema-1 database is upgraded."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.app.store.schema import deployed_versions, deployments
from bot.domain.model import Deployment, State, deployment_from_json


def record_deployed(connection: Connection, deployment: Deployment) -> None:
    """The deployment's versions are now what the customer runs (same transaction)."""
    for component in deployment.components:
        key = (deployed_versions.c.customer == deployment.customer) & (
            deployed_versions.c.component == component.name
        )
        values = {"version": component.version, "deployment_id": deployment.id}
        if connection.execute(deployed_versions.update().where(key).values(**values)).rowcount:
            continue
        connection.execute(
            deployed_versions.insert().values(
                customer=deployment.customer, component=component.name, **values
            )
        )


def backfill_deployed_versions(connection: Connection) -> None:
    """Schema 1 → 2: fill ``deployed_versions`` from the completed deployments, oldest first."""
    rows: Sequence[str] = (
        connection.execute(
            sa.select(deployments.c.data)
            .where(deployments.c.state == State.COMPLETED.value)
            .order_by(deployments.c.updated_at, deployments.c.id)
        )
        .scalars()
        .all()
    )
    for data in rows:
        record_deployed(connection, deployment_from_json(json.loads(data)))
