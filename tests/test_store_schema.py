"""The state database survives a first start killed half-way (issue: 27 of 40 kills in the first
30 ms left a half-built schema that every later start refused)."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.app.outbox.runner import dead_claims, instance_identity
from bot.app.store import Store, sqlite_url
from bot.app.store import schema as store_module
from bot.app.store.schema import SCHEMA_VERSION
from bot.domain.effects import PostNote
from bot.domain.model import (
    ComponentVersion,
    State,
    deployment_from_json,
    deployment_to_json,
    note_texts,
)
from tests.factories import at, by_operator, completed, make_deployment


def half_built(path: Path, tables: int) -> str:
    """What a kill during the first start leaves: some tables, an empty schema_version."""
    url = sqlite_url(path)
    engine = sa.create_engine(url)
    version_table = store_module.schema_version
    others = [t for t in store_module.metadata.sorted_tables if t is not version_table]
    wanted = [version_table, *others[:tables]]
    store_module.metadata.create_all(engine, tables=wanted)
    engine.dispose()
    return url


def test_a_start_after_a_kill_during_schema_creation_finishes_the_schema(tmp_path: Path) -> None:
    for tables in range(len(store_module.metadata.sorted_tables)):
        url = half_built(tmp_path / f"state-{tables}.sqlite", tables)
        store = Store(url)
        assert store.migrate() == SCHEMA_VERSION
        names = set(sa.inspect(store.engine).get_table_names())
        assert names == set(store_module.metadata.tables)
        assert store.deployments.next_id("DIBA", 2026) == "DIBA-2026-0001"


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "state.sqlite"))
    with store.engine.begin() as connection:
        connection.execute(store_module.schema_version.update().values(version=SCHEMA_VERSION + 1))
    try:
        Store(store.url)
    except RuntimeError as error:
        assert "newer than this deploybot" in str(error)
    else:
        raise AssertionError("a newer schema was accepted")


def test_notes_stored_as_text_by_an_earlier_version_still_read() -> None:
    data = deployment_to_json(make_deployment())
    data["notes"] = ["Forzado (es viernes): urgente"]
    deployment = deployment_from_json(data)
    assert note_texts(deployment, "en") == ("Forzado (es viernes): urgente",)
    again = deployment_from_json(json.loads(json.dumps(deployment_to_json(deployment))))
    assert again == deployment


def test_an_upgrade_from_schema_1_records_what_each_customer_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    store = Store(url)
    old = make_deployment(id="DIBA-2026-0001", state=State.COMPLETED)
    new = make_deployment(
        id="DIBA-2026-0002",
        state=State.COMPLETED,
        components=(ComponentVersion("addon-diba", "3.2.12", "3.2.11"),),
    )
    for deployment in (old, new):
        store.commit(completed(deployment))
    # As a schema-1 database holds it: no table of deployed versions, version 1.
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE deployed_versions"))
        connection.execute(sa.text("UPDATE schema_version SET version = 1"))
    upgraded = Store(url)
    assert upgraded.migrate() == 3  # 1 → 2 → 3
    assert upgraded.reports.deployed_versions("DIBA") == {
        "addon-diba": "3.2.12",
        "iam-sync": "3.2.1",
    }


def test_completing_a_deployment_records_its_versions_in_the_same_commit(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    running = make_deployment(state=State.IN_PROGRESS)
    store.commit(
        by_operator(running, "deploy-start", now=at("2026-12-01 10:00"), old_state=State.SCHEDULED)
    )
    assert store.reports.deployed_versions("DIBA") == {}
    done = dataclasses.replace(running, state=State.COMPLETED)
    store.commit(completed(done, at("2026-12-01 10:20")))
    assert store.reports.deployed_versions("DIBA") == {"addon-diba": "3.2.11", "iam-sync": "3.2.1"}


def test_an_effect_is_claimed_by_one_instance_until_its_lease_ends(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    deployment = make_deployment()
    note = PostNote("DIBA-2026-0007/1/0", 1, "<p>hello</p>")
    store.commit(by_operator(deployment, "deploy", now=at("2026-12-01 09:00"), effects=[note]))
    [item] = store.outbox.pending()
    now, lease = at("2026-12-01 09:00"), timedelta(minutes=5)
    assert store.outbox.claim(item.id, "a", now, lease) == "first"  # nobody tried it: no look-up
    assert store.outbox.claim(item.id, "b", now + timedelta(minutes=1), lease) is None
    assert store.outbox.claim(item.id, "a", now + timedelta(minutes=1), lease) == "again"  # renewed
    assert (
        store.outbox.claim(item.id, "b", now + timedelta(minutes=7), lease) == "again"
    )  # a's lapsed
    store.outbox.mark_done(item.id, now + timedelta(minutes=7))
    assert not store.outbox.claim(
        item.id, "a", now + timedelta(minutes=20), lease
    )  # done: not pending


def test_a_schema_2_outbox_gets_its_claim_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    store = Store(url)
    with store.engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE outbox DROP COLUMN claimed_by"))
        connection.execute(sa.text("ALTER TABLE outbox DROP COLUMN claimed_until"))
        connection.execute(sa.text("UPDATE schema_version SET version = 2"))
    assert Store(url).migrate() == 3
    columns = {c["name"] for c in sa.inspect(Store(url).engine).get_columns("outbox")}
    assert {"claimed_by", "claimed_until"} <= columns


def test_two_instances_on_one_host_never_share_a_claim(tmp_path: Path) -> None:
    """Claims were keyed by the host: a second instance on the same host took the first's claim
    and carried the same email out again."""
    store = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    note = PostNote("DIBA-2026-0007/1/0", 1, "<p>hello</p>")
    store.commit(
        by_operator(make_deployment(), "deploy", now=at("2026-12-01 09:00"), effects=[note])
    )
    [item] = store.outbox.pending()
    first = instance_identity()
    assert first == instance_identity()  # one per process start
    script = "from bot.app.outbox.runner import instance_identity; print(instance_identity())"
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True).stdout.strip()  # fmt: skip
    assert first != second and first.split("/")[0] == second.split("/")[0]  # one host
    now, lease = at("2026-12-01 09:00"), timedelta(minutes=5)
    assert store.outbox.claim(item.id, first, now, lease)
    assert not store.outbox.claim(item.id, second, now + timedelta(seconds=1), lease)


def test_the_claims_of_a_stopped_process_of_this_host_are_taken_back_at_once(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    note = PostNote("DIBA-2026-0007/1/0", 1, "<p>hello</p>")
    store.commit(
        by_operator(make_deployment(), "deploy", now=at("2026-12-01 09:00"), effects=[note])
    )
    [item] = store.outbox.pending()
    stopped = subprocess.Popen([sys.executable, "-c", "pass"])
    stopped.wait()
    host = socket.gethostname()[:60]
    dead, alive = f"{host}/{stopped.pid}/0000", f"{host}/{os.getppid()}/ffff"
    other_host = f"elsewhere.example/{stopped.pid}/0000"
    assert dead_claims([dead, alive, other_host]) == [dead]
    now, lease = at("2026-12-01 09:00"), timedelta(minutes=5)
    assert store.outbox.claim(item.id, dead, now, lease) == "first"
    assert store.outbox.release_claims(dead_claims(store.outbox.claim_owners())) == 1
    assert store.outbox.claim_owners() == []  # taken back once, not at every start
    # The stopped instance may have carried it out: whoever takes it looks first.
    assert (
        store.outbox.claim(item.id, instance_identity(), now + timedelta(seconds=1), lease)
        == "again"
    )
    # The process's own claims it takes back by being the same owner (a restarted service).
    assert store.outbox.claim(item.id, instance_identity(), now + timedelta(seconds=2), lease)
