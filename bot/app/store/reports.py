"""The store's counting queries: deployments by state, refused starts, what each customer runs
— answered in SQL, decoding no deployment (``Store`` inherits them)."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.app.store.schema import audit, deployed_versions, deployments
from bot.domain.model import State


class ReportQueries:
    """Queries over the store's tables for reports, metrics and rollback targets."""

    engine: Engine

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
