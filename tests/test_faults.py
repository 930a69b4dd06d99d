"""The faults an adversarial trial found: each test failed before its fix.

Run end to end (emulators, real files) where the fault lives in a real part, in-process on the
fakes where it lives in the service.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.demo import Workbench
from bot.domain.model import State
from bot.resources import example_config_path
from integrations.deployment_log import DeploymentLog
from tests.scenes import book_first_proposal

pytestmark = pytest.mark.both_stores


ROOT = Path(__file__).resolve().parent.parent


def log_rows(bench: Workbench) -> list[dict[str, object]]:
    return DeploymentLog(bench.out / "DEPLOYMENTS", "DIBA").read_rows()


def test_control_characters_in_a_title_do_not_block_the_deployment(bench: Workbench) -> None:
    bench.zammad.tickets[1]["title"] = "Bell\x07 vertical\x0b tab and nul\x00 end"
    deployment_id = book_first_proposal(bench)
    assert bench.deployment(deployment_id).state is State.SCHEDULED
    assert bench.store.outbox.pending() == []
    [row] = log_rows(bench)
    assert "Bell vertical tab and nul end" in str(row["tickets"])
    assert [p.suffix for p in (bench.out / "calendar").iterdir()] == [".ics"]


def test_a_permanently_failing_effect_holds_up_no_other_channel(
    bench: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: DeploymentLog, row: object) -> int:
        raise ValueError("this row can never be written")

    monkeypatch.setattr(DeploymentLog, "upsert_row", refuse)
    deployment_id = book_first_proposal(bench)
    bench.cycle()  # the alert the failure raised goes out
    sent = sorted(p.name.split("_")[0] for p in (bench.out / "mail").iterdir())
    assert f"{deployment_id}.schedule.0" in sent and f"{deployment_id}.invitation.0" in sent
    assert [p.suffix for p in (bench.out / "calendar").iterdir()] == [".ics"]
    assert "deploy-scheduled" in bench.zammad.tags[1]
    [failed] = [i for i in bench.store.outbox.items(deployment_id) if i.status == "failed"]
    assert "can never be written" in (failed.last_error or "")
    assert bench.store.outbox.pending() == []
    alerts = [n for n in bench.notes(1) if "Atención" in n["body"]]
    assert len(alerts) == 1
    bench.clock.advance(timedelta(hours=3))
    bench.cycle()
    assert len([n for n in bench.notes(1) if "Atención" in n["body"]]) == 1


WRITER = """
import sys
from pathlib import Path
from bot.app.run.wiring import deployment_log
from bot.config.loading import load_config
from bot.domain.effects import LogRow

config = load_config(Path(sys.argv[1]))
log = deployment_log(config, "DIBA")
for n in range(int(sys.argv[3])):
    log.upsert_row(LogRow(f"DIBA-2026-{sys.argv[2]}{n:03d}", "planned"))
"""


def test_two_writers_with_different_temp_folders_lose_no_row(tmp_path: Path) -> None:
    text = example_config_path().read_text(encoding="utf-8")
    text = text.replace("sqlite:///deploybot-state.sqlite", "sqlite:///state/deploybot.sqlite")
    config = tmp_path / "deploybot.yaml"
    config.write_text(text, encoding="utf-8")
    writers = []
    for name in ("1", "2"):
        private_tmp = tmp_path / f"tmp-{name}"
        private_tmp.mkdir()
        env = {**os.environ, "TMPDIR": str(private_tmp)}
        command = [sys.executable, "-c", WRITER, str(config), name, "25"]
        writers.append(subprocess.Popen(command, env=env, cwd=ROOT))
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    rows = DeploymentLog(tmp_path / "DEPLOYMENTS", "DIBA").read_rows()
    assert len(rows) == 50
    assert (tmp_path / "state" / "locks").is_dir()
    assert not [p for p in (tmp_path / "DEPLOYMENTS").iterdir() if p.suffix == ".lock"]
