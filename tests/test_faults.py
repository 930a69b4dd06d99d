"""The faults an adversarial trial found: each test failed before its fix.

Run end to end (emulators, real files) where the fault lives in a real part, in-process on the
fakes where it lives in the service.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app.demo import Workbench
from bot.domain.model import State
from integrations.deployment_log import DeploymentLog


def log_rows(bench: Workbench) -> list[dict[str, object]]:
    return DeploymentLog(bench.out / "DEPLOYMENTS", "DIBA").read_rows()


def schedule_first_proposal(bench: Workbench) -> str:
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    bench.cycle()
    [deployment] = bench.store.deployments()
    first = deployment.proposals[0].astimezone(bench.config.provider.tz)
    bench.person_notes(1, f"/deploy schedule {first:%Y-%m-%d %H:%M}")
    bench.cycle()
    return deployment.id


def test_control_characters_in_a_title_do_not_block_the_deployment(bench: Workbench) -> None:
    bench.zammad.tickets[1]["title"] = "Bell\x07 vertical\x0b tab and nul\x00 end"
    deployment_id = schedule_first_proposal(bench)
    assert bench.deployment(deployment_id).state is State.SCHEDULED
    assert bench.store.pending() == []
    [row] = log_rows(bench)
    assert "Bell vertical tab and nul end" in str(row["tickets"])
    assert [p.suffix for p in (bench.out / "calendar").iterdir()] == [".ics"]


def test_a_permanently_failing_effect_holds_up_no_other_channel(
    bench: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: DeploymentLog, row: object) -> int:
        raise ValueError("this row can never be written")

    monkeypatch.setattr(DeploymentLog, "upsert_row", refuse)
    deployment_id = schedule_first_proposal(bench)
    bench.cycle()  # the alert the failure raised goes out
    sent = sorted(p.name.split("_")[0] for p in (bench.out / "mail").iterdir())
    assert f"{deployment_id}.schedule.0" in sent and f"{deployment_id}.invitation.0" in sent
    assert [p.suffix for p in (bench.out / "calendar").iterdir()] == [".ics"]
    assert "deploy-scheduled" in bench.zammad.tags[1]
    [failed] = [i for i in bench.store.outbox_items(deployment_id) if i.status == "failed"]
    assert "can never be written" in (failed.last_error or "")
    assert bench.store.pending() == []
    alerts = [n for n in bench.notes(1) if "Atención" in n["body"]]
    assert len(alerts) == 1
    bench.clock.advance(timedelta(hours=3))
    bench.cycle()
    assert len([n for n in bench.notes(1) if "Atención" in n["body"]]) == 1
