"""Random kill -9 of the real deploybot process during whole lifecycles: every trial must end
exactly like a clean run — every note, email, log row and calendar event once, nothing pending.

``DEPLOYBOT_KILLS`` sets how many kills a run of the suite makes at least (30 by default).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli.demo import DEMO_START, ManualClock
from tests.trials import (
    Artifacts,
    Trial,
    duplicated_notes,
    emulators,
    make_trial,
    play_lifecycle,
)

KILLS = int(os.environ.get("DEPLOYBOT_KILLS", "30"))

pytestmark = pytest.mark.xdist_group("kill-trials")


def lifecycle(folder: Path, scenario: dict[str, Any], *, seed: int, kill: float) -> Iterator[Trial]:
    clock = ManualClock(DEMO_START)
    zammad, gitlab = emulators(scenario, clock)
    with zammad, gitlab:
        trial = make_trial(folder, scenario, zammad, gitlab, clock, seed=seed)
        play_lifecycle(trial, kill_probability=kill)
        yield trial


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory, shipped_scenario: dict[str, Any]
) -> Artifacts:
    """What an uninterrupted lifecycle leaves behind."""
    for trial in lifecycle(tmp_path_factory.mktemp("clean"), shipped_scenario, seed=0, kill=0.0):
        return trial.artifacts()
    raise AssertionError("no trial")


def test_the_clean_lifecycle_completes_with_every_channel(reference: Artifacts) -> None:
    assert reference.states == (("DIBA-2026-0001", "completed"),)
    assert reference.pending == 0
    assert [e.split(".")[1] for e in reference.emails] == [
        "delay", "end", "invitation", "schedule", "start",
    ]  # fmt: skip
    assert duplicated_notes(reference) == {}


def test_random_kills_never_duplicate_or_lose_anything(
    tmp_path: Path, demo_scenario: dict[str, Any], reference: Artifacts
) -> None:
    kills = trials = 0
    seed = 1
    while kills < KILLS:
        for trial in lifecycle(tmp_path / f"seed-{seed}", demo_scenario, seed=seed, kill=0.4):
            found = trial.artifacts()
            assert duplicated_notes(found) == {}, f"seed {seed}"
            assert found == reference, f"seed {seed}: {trial.kills} kills"
            kills += trial.kills
        trials += 1
        seed += 1
    print(f"kill trials: {trials} lifecycles, {kills} kill -9, duplicates 0, lost 0")
