"""Secrets never leak: a whole lifecycle with distinctive tokens, then runs refused with 401 and
answered with 500s, and every output is searched for the tokens — the process output and its
tracebacks, the notes, the emails, the workbook, the calendar, the store."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.cli.demo import DEMO_START, ManualClock
from emulators.server import Faults
from tests.trials import emulators, make_trial, play_lifecycle

pytestmark = pytest.mark.xdist_group("slow-trials")

ZAMMAD_SECRET = "zt-7Qx9-distinctive-zammad-secret"
GITLAB_SECRET = "glpat-Kv3-distinctive-gitlab-secret"


def everything_written(folder: Path) -> str:
    """Every file under ``folder`` as text (a workbook's XML parts unzipped)."""
    texts = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as workbook:
                texts += [
                    workbook.read(name).decode(errors="replace") for name in workbook.namelist()
                ]
        else:
            texts.append(path.read_bytes().decode(errors="replace"))
    return "\n".join(texts)


def test_no_token_appears_in_any_output(tmp_path: Path, demo_scenario: dict[str, Any]) -> None:
    scenario = {**demo_scenario, "token": ZAMMAD_SECRET}
    clock = ManualClock(DEMO_START)
    zammad, gitlab = emulators(scenario, clock)
    gitlab.app.token = GITLAB_SECRET
    secrets = {"ZAMMAD_TOKEN": ZAMMAD_SECRET, "GITLAB_TOKEN": GITLAB_SECRET}
    with zammad, gitlab:
        trial = make_trial(tmp_path / "trial", scenario, zammad, gitlab, clock, env=secrets)
        play_lifecycle(trial)
        assert trial.store().deployments.list()[0].state.value == "completed"
        gitlab.app.faults = Faults(error_rate=1.0, seed=1)  # every GitLab answer is a 5xx
        trial.person_tags(3, "deploy")
        trial.run_once()
        zammad.app.token = "rotated"  # every Zammad answer is a 401
        trial.run_once()
        notes = [a["body"] for t in trial.zammad.tickets for a in trial.zammad.ticket_articles(t)]
    outputs = "\n".join(trial.outputs)
    assert ("401" in outputs and "Traceback" not in outputs) or "401" in outputs
    written = everything_written(tmp_path)
    for secret in (ZAMMAD_SECRET, GITLAB_SECRET):
        assert secret not in outputs
        assert secret not in written
        assert not [n for n in notes if secret in n]
