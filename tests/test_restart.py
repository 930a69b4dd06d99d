"""deploybot stopped after any single effect of the happy path and started again on the same
store finishes the procedure with every note, email, log row and calendar event exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from bot.app.outbox.executors import Channels, execute
from bot.cli.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.domain.effects import OutboxEffect
from bot.domain.model import State
from bot.resources import example_config_path
from integrations.deployment_log import DeploymentLog

#: The example's customers with step 3 done by hand: the happy path here tags its way through
#: (step 3 carried out, restarted mid-job: tests/test_step3_gitlab.py).
CONFIG = load_config(example_config_path())
CONFIG = CONFIG.model_copy(
    update={"customers": [c.model_copy(update={"step3": None}) for c in CONFIG.customers]}
)

pytestmark = [pytest.mark.xdist_group("restart"), pytest.mark.both_stores]


class Crash(BaseException):
    """The process dies (not an outside error: nothing catches it)."""


def happy_path(bench: Workbench, cycle: Callable[[], None]) -> str:
    tz = bench.config.provider.tz
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    cycle()
    [deployment] = bench.store.deployments.list()
    first = deployment.proposals[0]
    bench.clock.advance(timedelta(minutes=20))
    bench.person_notes(1, f"/deploy schedule {first.astimezone(tz):%Y-%m-%d %H:%M}")
    cycle()
    bench.clock.set(first)
    bench.person_tags(1, "deploy-start")
    cycle()
    bench.clock.advance(timedelta(minutes=26))
    cycle()
    bench.clock.advance(timedelta(minutes=9))
    bench.person_tags(1, "deploy-done")
    cycle()
    cycle()
    return deployment.id


class Sent:
    """Counts the messages a mailer really handed over, by Message-ID."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()


def counting(bench: Workbench, sent: Sent) -> None:
    mailer = bench.service.channels.mailer

    class Counting:
        def send(self, message: EmailMessage) -> bool:
            handed = mailer.send(message)
            if handed:
                sent.count[str(message["Message-ID"])] += 1
            return handed

    bench.service.channels.mailer = Counting()


def outcome(bench: Workbench, deployment_id: str, sent: Sent) -> dict[str, Any]:
    notes = {
        ticket: Counter(
            a["body"].split("deploybot ref ")[1].split("<")[0]
            for a in bench.zammad.ticket_articles(ticket)
            if "deploybot ref" in a["body"]
        )
        for ticket in (1, 2)
    }
    rows = DeploymentLog(bench.out / "DEPLOYMENTS", "DIBA").read_rows()
    return {
        "state": bench.deployment(deployment_id).state,
        "notes": {t: sorted(c) for t, c in notes.items()},
        "duplicate_notes": [k for c in notes.values() for k, n in c.items() if n > 1],
        "emails": sorted(sent.count),
        "emails_twice": [k for k, n in sent.count.items() if n > 1],
        "rows": [(r["deployment_id"], r["status"]) for r in rows],
        "ics": sorted(p.name for p in (bench.out / "calendar").iterdir()),
        "audit": [e.event for e in bench.store.audit.trail(deployment_id)],
        "tags": {t: sorted(bench.zammad.tags[t]) for t in (1, 2)},
        "pending": len(bench.store.outbox.pending()),
    }


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory, shipped_scenario: dict[str, Any]
) -> dict[str, Any]:
    """What an uninterrupted run produces, and how many effects it carries out."""
    executed: list[str] = []
    real = execute

    def recording(effect: OutboxEffect, channels: Channels, *, now: Any, first_try: bool) -> None:
        real(effect, channels, now=now, first_try=first_try)
        executed.append(effect.key)

    out = tmp_path_factory.mktemp("reference")
    with workbench(CONFIG, shipped_scenario, out) as bench, pytest.MonkeyPatch.context() as patch:
        patch.setattr("bot.app.outbox.runner.execute", recording)
        sent = Sent()
        counting(bench, sent)
        deployment_id = happy_path(bench, bench.cycle)
        result = outcome(bench, deployment_id, sent)
    result["effects"] = len(executed)
    return result


EFFECTS_IN_HAPPY_PATH = 29


def test_the_reference_run_is_the_happy_path(reference: dict[str, Any]) -> None:
    assert reference["state"] is State.COMPLETED
    assert reference["effects"] == EFFECTS_IN_HAPPY_PATH
    assert reference["duplicate_notes"] == [] and reference["emails_twice"] == []
    assert len(reference["emails"]) == 5
    assert reference["rows"] == [("DIBA-2026-0001", "Completat")]


def _run_with_a_crash(
    tmp_path: Path, scenario: dict[str, Any], crash_at: int, *, before_recording: bool
) -> dict[str, Any]:
    executed = 0
    real = execute

    def crashing(effect: OutboxEffect, channels: Channels, *, now: Any, first_try: bool) -> None:
        nonlocal executed
        executed += 1
        if executed == crash_at and before_recording:
            # Done, but the process dies before recording it.
            real(effect, channels, now=now, first_try=first_try)
            raise Crash
        real(effect, channels, now=now, first_try=first_try)
        if executed == crash_at:
            raise Crash

    sent = Sent()
    with (
        workbench(CONFIG, scenario, tmp_path / "out") as bench,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr("bot.app.outbox.runner.execute", crashing)
        counting(bench, sent)

        def cycle() -> None:
            try:
                bench.cycle()
            except Crash:
                bench.restart()
                counting(bench, sent)
                bench.cycle()

        deployment_id = happy_path(bench, cycle)
        return outcome(bench, deployment_id, sent)


CRASH_POINTS = list(range(1, EFFECTS_IN_HAPPY_PATH + 1))


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_restart_after_any_effect_does_everything_exactly_once(
    tmp_path: Path, demo_scenario: dict[str, Any], reference: dict[str, Any], crash_at: int
) -> None:
    # The harshest moment: the effect was carried out but not yet recorded as done.
    result = _run_with_a_crash(tmp_path, demo_scenario, crash_at, before_recording=True)
    expected = {k: v for k, v in reference.items() if k != "effects"}
    assert result == expected
