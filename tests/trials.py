"""Whole lifecycles played against the real ``deploybot run --once`` process, for the kill,
chaos and secrets trials: emulated Zammad and GitLab in this process, real files and a real
SQLite store in a folder, the clock set per step with ``--now``.

A trial's *artifacts* are everything a person would see — deploybot's notes per ticket (by
their keys), the emails (by Message-ID), the log rows, the calendar events, the final tags —
so that two trials can be compared: a trial with faults must end exactly like a clean one.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app.store import Store, sqlite_url
from bot.cli.demo import DEMO_START, ManualClock
from bot.resources import example_config_path
from emulators.gitlab import GitLabEmulator
from emulators.server import Faults, RunningEmulator
from emulators.zammad import ZammadEmulator
from integrations.deployment_log import DeploymentLog
from integrations.zammad import MARKER

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "demo-token"


@dataclass(frozen=True)
class Artifacts:
    """What a lifecycle left behind, in a form two runs can be compared in."""

    notes: dict[int, tuple[str, ...]]
    emails: tuple[str, ...]
    log_rows: tuple[tuple[object, ...], ...]
    events: tuple[str, ...]
    tags: dict[int, tuple[str, ...]]
    states: tuple[tuple[str, str], ...]
    pending: int


@dataclass
class Trial:
    """One lifecycle in a folder of its own."""

    folder: Path
    zammad: ZammadEmulator
    gitlab: GitLabEmulator
    clock: ManualClock
    config: Path
    env: dict[str, str]
    rng: random.Random
    kills: int = 0
    runs: int = 0
    outputs: list[str] = field(default_factory=list)

    def run_once(self, *, kill_after: float | None = None) -> bool:
        """One ``deploybot run --once`` at the trial's time; True when it was not killed."""
        command = [sys.executable, "-m", "bot.cli", "run", "--once", "--now",
                   self.clock().isoformat(), "--config", str(self.config)]  # fmt: skip
        process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.runs += 1
        if kill_after is not None:
            try:
                process.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                self.kills += 1
                return False
        out, _ = process.communicate(timeout=120)
        self.outputs.append(out.decode(errors="replace"))
        return True

    def settle(self, *, kill_probability: float = 0.0, max_kill_delay: float = 0.9) -> None:
        """Run cycles until two complete in a row and nothing is left to do; with
        ``kill_probability``, runs are killed (SIGKILL) at a random moment first."""
        quiet = 0
        for _ in range(40):
            kill = None
            if self.rng.random() < kill_probability:
                kill = self.rng.uniform(0.15, max_kill_delay)
            if not self.run_once(kill_after=kill):
                quiet = 0
                continue
            quiet += 1
            if quiet >= 2 and not self.store().outbox.pending():
                return
        raise AssertionError(f"the trial did not settle: {self.outputs[-1:]}")

    def store(self) -> Store:
        return Store(sqlite_url(self.folder / "deploybot-state.sqlite"))

    def person_tags(self, ticket_id: int, *tags: str) -> None:
        self.zammad.set_tags(ticket_id, [*self.zammad.tags[ticket_id], *tags], by="marta")

    def person_notes(self, ticket_id: int, text: str) -> None:
        self.zammad.add_article(ticket_id, body=f"<p>{text}</p>", internal=True,
                                type_="note", sender="Agent", author="marta")  # fmt: skip
        self.zammad._touch(ticket_id)

    def artifacts(self) -> Artifacts:
        return artifacts_of(self)


def without_step3(text: str) -> str:
    """The example configuration with step 3 done by hand: a trial settles after two quiet
    cycles, which would leave step 3's jobs wherever the kills put them (step 3 carried out
    and restarted mid-job: tests/test_step3_gitlab.py)."""
    start = text.index("    # Step 3 carried out")
    end = text.index("\n", text.index("      timeout: 30m", start)) + 1
    stripped = text[:start] + text[end:]
    assert "step3:" not in stripped
    return stripped


def make_trial(
    folder: Path,
    scenario: dict[str, Any],
    zammad: RunningEmulator,
    gitlab: RunningEmulator,
    clock: ManualClock,
    *,
    seed: int = 0,
    env: dict[str, str] | None = None,
) -> Trial:
    """A trial folder with the example configuration pointed at the running emulators."""
    folder.mkdir(parents=True, exist_ok=True)
    text = without_step3(example_config_path().read_text(encoding="utf-8"))
    text = text.replace("http://127.0.0.1:8081", zammad.url).replace(
        "http://127.0.0.1:8082", gitlab.url
    )
    config = folder / "deploybot.yaml"
    config.write_text(text, encoding="utf-8")
    environment = {**os.environ, "ZAMMAD_TOKEN": TOKEN, "GITLAB_TOKEN": TOKEN, **(env or {})}
    return Trial(
        folder, zammad.app, gitlab.app, clock, config, environment,  # type: ignore[arg-type]
        random.Random(seed),
    )  # fmt: skip


def play_lifecycle(trial: Trial, *, kill_probability: float = 0.0) -> None:
    """The demo's procedure: tag → schedule → start → the delay timer → done."""
    trial.person_tags(1, "deploy")
    trial.person_tags(2, "deploy")
    trial.settle(kill_probability=kill_probability)
    [deployment] = trial.store().deployments.list()
    first = deployment.proposals[0]
    trial.clock.advance(timedelta(minutes=20))
    trial.person_notes(1, f"/deploy schedule {first.astimezone(DEMO_START.tzinfo):%Y-%m-%d %H:%M}")
    trial.settle(kill_probability=kill_probability)
    trial.clock.set(first)
    trial.person_tags(1, "deploy-start")
    trial.settle(kill_probability=kill_probability)
    trial.clock.set(first + deployment.duration + timedelta(minutes=11))
    trial.settle(kill_probability=kill_probability)
    trial.clock.advance(timedelta(minutes=9))
    trial.person_tags(1, "deploy-done")
    trial.settle(kill_probability=kill_probability)


def artifacts_of(trial: Trial) -> Artifacts:
    """Everything the lifecycle left behind; duplicates among notes stay visible."""
    notes = {}
    for ticket_id in sorted(trial.zammad.tickets):
        keys = [
            a["body"].split(MARKER)[1].split("<")[0]
            for a in trial.zammad.ticket_articles(ticket_id)
            if MARKER in a["body"]
        ]
        notes[ticket_id] = tuple(sorted(keys))
    mail = trial.folder / "mail-out"
    emails = tuple(sorted(p.name.split("_")[0] for p in mail.iterdir())) if mail.exists() else ()
    log = DeploymentLog(trial.folder / "DEPLOYMENTS", "DIBA")
    rows = tuple(
        (r["deployment_id"], r["status"], r["actual_start"], r["actual_end"])
        for r in (log.read_rows() if log.path.exists() else [])
    )
    calendar = trial.folder / "calendar"
    events = tuple(
        sorted(f"{p.name}:{_sequence(p)}" for p in calendar.iterdir()) if calendar.exists() else ()
    )
    store = trial.store()
    return Artifacts(
        notes=notes,
        emails=emails,
        log_rows=rows,
        events=events,
        tags={i: tuple(sorted(trial.zammad.tags[i])) for i in sorted(trial.zammad.tags)},
        states=tuple((d.id, d.state.value) for d in store.deployments.list()),
        pending=len(store.outbox.pending()),
    )


def _sequence(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("SEQUENCE:"):
            return line.removeprefix("SEQUENCE:")
    return "?"


def duplicated_notes(artifacts: Artifacts) -> dict[int, list[str]]:
    """Per ticket, the note keys that appear more than once."""
    found = {}
    for ticket_id, keys in artifacts.notes.items():
        twice = [key for key, count in Counter(keys).items() if count > 1]
        if twice:
            found[ticket_id] = twice
    return found


def emulators(
    scenario: dict[str, Any], clock: ManualClock, *, faults: Faults | None = None
) -> tuple[RunningEmulator, RunningEmulator]:
    """Zammad and GitLab emulators on the scenario, their time the trial's."""
    zammad = RunningEmulator(ZammadEmulator(scenario, clock=clock))
    gitlab = RunningEmulator(GitLabEmulator(scenario, clock=clock))
    if faults is not None:
        zammad.app.faults = faults
    return zammad, gitlab
