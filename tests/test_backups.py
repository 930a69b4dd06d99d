"""The backup and restore commands of docs/operations/backups.md give back what they took: run as
the page writes them (with this test's paths), on SQLite and on a real PostgreSQL server, a
deployment committed after the backup is gone after the restore and the one before is back."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from bot.app.store import Store, sqlite_url
from bot.domain.model import State
from bot.resources import example_config_path
from tests.factories import at, by_operator, make_deployment
from tests.postgres import new_database

PAGE = Path(__file__).parent.parent / "docs" / "operations" / "backups.md"


def block(name: str) -> str:
    """The shell block of the page marked ``<!-- backup: NAME -->``."""
    found = re.search(rf"<!-- backup: {name} -->\n```sh\n(.*?)\n```", PAGE.read_text("utf-8"), re.S)
    assert found is not None, name
    return found.group(1)


def run(script: str, folder: Path, settings: dict[str, str]) -> str:
    """``script`` with its variables set to ``settings`` instead of the page's paths."""
    for name, value in settings.items():
        script = re.sub(rf"^{name}=.*$", f"{name}='{value}'", script, flags=re.M)
        script = f"{name}='{value}'\n{script}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYBOT_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", "-euc", script], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def configured(folder: Path, url: str) -> None:
    """The example configuration with its state at ``url``, as ./deploybot.yaml of ``folder``."""
    config = yaml.safe_load(example_config_path().read_text(encoding="utf-8"))
    config["state"] = {"url": url}
    (folder / "deploybot.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def commit(store: Store, deployment_id: str) -> None:
    deployment = dataclasses.replace(make_deployment(state=State.SCHEDULED), id=deployment_id)
    store.commit(
        by_operator(
            deployment, "deploy-schedule", now=at("2026-11-26 10:00"), old_state=State.READY
        )
    )


def test_an_sqlite_backup_restores_the_state_it_took(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    configured(tmp_path, sqlite_url(state))
    store = Store(sqlite_url(state))
    commit(store, "DIBA-2026-0007")
    settings = {
        "STATE": str(state),
        "BACKUPS": str(tmp_path / "backups"),
        "CONFIG": str(tmp_path / "deploybot.yaml"),
    }
    run(block("sqlite-backup"), tmp_path, settings)
    commit(store, "DIBA-2026-0008")
    store.close()
    assert "DIBA-2026-0008" in run("deploybot status --all", tmp_path, {})
    shown = run(block("sqlite-restore"), tmp_path, settings)
    assert "DIBA-2026-0007" in shown and "DIBA-2026-0008" not in shown
    assert Store(sqlite_url(state)).deployments.get("DIBA-2026-0008") is None


def test_a_postgresql_backup_restores_the_state_it_took(tmp_path: Path, postgres: str) -> None:
    url = new_database(postgres)
    configured(tmp_path, url)
    store = Store(url)
    commit(store, "DIBA-2026-0007")
    settings = {
        "DATABASE": url.replace("postgresql+psycopg://", "postgresql://"),
        "BACKUPS": str(tmp_path / "backups"),
        "CONFIG": str(tmp_path / "deploybot.yaml"),
    }
    run(block("pg-backup"), tmp_path, settings)
    commit(store, "DIBA-2026-0008")
    store.close()
    shown = run(block("pg-restore"), tmp_path, settings)
    assert "DIBA-2026-0007" in shown and "DIBA-2026-0008" not in shown
    assert Store(url).deployments.get("DIBA-2026-0008") is None
