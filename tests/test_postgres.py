"""The store on a real PostgreSQL server (started by the tests on loopback): the schema is
created, upgraded from version 1, and a deployment committed with its effects reads back."""

from __future__ import annotations

import sqlalchemy as sa

from bot.app.store import Store
from bot.domain.model import State
from tests.factories import completed, make_deployment
from tests.postgres import new_database


def test_the_store_is_created_on_postgresql_and_reads_back(postgres: str) -> None:
    store = Store(new_database(postgres))
    assert store.engine.dialect.name == "postgresql"
    deployment = make_deployment(state=State.COMPLETED)
    store.commit(completed(deployment))
    assert store.deployments.get(deployment.id) == deployment
    assert store.reports.deployed_versions("DIBA") == {"addon-diba": "3.2.11", "iam-sync": "3.2.1"}
    assert store.reports.count_by_state() == {State.COMPLETED: 1}


def test_a_schema_1_database_is_upgraded_in_place_on_postgresql(postgres: str) -> None:
    url = new_database(postgres)
    store = Store(url)
    done = make_deployment(state=State.COMPLETED)
    store.commit(completed(done))
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE deployed_versions"))
        connection.execute(sa.text("UPDATE schema_version SET version = 1"))
    store.close()
    upgraded = Store(url)
    assert upgraded.migrate() == 3  # 1 → 2 → 3
    assert upgraded.reports.deployed_versions("DIBA") == {
        "addon-diba": "3.2.11",
        "iam-sync": "3.2.1",
    }
