"""The store's counting queries — deployments by state, refused starts — answered in SQL,
decoding no deployment; and what each customer runs (table ``deployed_versions``): written in
the transaction that completes a deployment, filled once from history when a schema-1 database
is upgraded, read as the next deployment's rollback target."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.app.store.schema import audit, deployed_versions, deployments
from bot.domain.model import Deployment, State, deployment_from_json


class Reports:
    """``store.reports``: queries over the store's tables for reports, metrics and rollback
    targets."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count_by_state(self, customer: str | None = None) -> dict[State, int]:
        """How many deployments are in each state (one grouped query)."""
        query = sa.select(deployments.c.state, sa.func.count()).group_by(deployments.c.state)
        if customer is not None:
            query = query.where(deployments.c.customer == customer)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return {State(str(row[0])): cast(int, row[1]) for row in rows}

    def refused_starts(self) -> dict[str, int]:
        """How many starts each deployment had refused (from the audit trail, one query)."""
        query = (
            sa.select(audit.c.deployment_id, sa.func.count())
            .where(audit.c.event == "deploy-start", audit.c.details.like('%"refused"%'))
            .group_by(audit.c.deployment_id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return {str(row[0]): cast(int, row[1]) for row in rows}

    def deployed_versions(self, customer: str) -> dict[str, str]:
        """What deploybot last deployed of each of the customer's components (one query)."""
        query = sa.select(deployed_versions.c.component, deployed_versions.c.version).where(
            deployed_versions.c.customer == customer
        )
        with self.engine.connect() as connection:
            return {str(name): str(version) for name, version in connection.execute(query)}


def record_deployed(connection: Connection, deployment: Deployment) -> None:
    """The deployment's versions are now what the customer runs (the caller's transaction)."""
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
