"""GitLab project hooks: ``POST /webhooks/gitlab`` verifies ``X-Gitlab-Token`` and re-checks
at once the pending requests a new release or TEST deployment affects."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from werkzeug.test import Client

from bot.app.demo import Workbench
from bot.app.webhook import ControlApp
from bot.cli import main
from bot.domain.model import State
from bot.resources import example_config_path
from emulators.gitlab import GitLabEmulator
from emulators.server import RunningEmulator
from tests.recordings import gitlab_body

pytestmark = pytest.mark.both_stores

SECRET = b"gitlab-hook-secret"
DIBA = "soffid/addons/diba"


def hooks(bench: Workbench, woken: list[bool], secret: bytes | None = SECRET) -> Client:
    app = ControlApp(bench.service, None, lambda: None, gitlab_secret=secret,
                     wake_gitlab=lambda: woken.append(True))  # fmt: skip
    return Client(app)


def deployment_event(project: str) -> bytes:
    event = gitlab_body("webhook_deployment.json")
    event["project"]["path_with_namespace"] = project
    return json.dumps(event).encode()


def test_a_deployment_hook_rechecks_a_blocked_request_within_a_second(bench: Workbench) -> None:
    project = bench.gitlab.find_project(DIBA)
    assert project is not None
    deployments, project["deployments"] = project["deployments"], []  # not in TEST yet
    bench.person_tags(1, "deploy")
    bench.cycle()
    [blocked] = bench.store.deployments()
    assert blocked.state is State.BLOCKED
    project["deployments"] = deployments  # the pipeline deploys it to TEST
    woken: list[bool] = []
    started = time.monotonic()
    answer = hooks(bench, woken).post(
        "/webhooks/gitlab", data=deployment_event(DIBA), headers={"X-Gitlab-Token": SECRET.decode()}
    )
    assert answer.status_code == 202 and woken == [True]
    bench.service.run_cycle(zammad=False, timers=False)  # what the woken GitLab job runs
    assert time.monotonic() - started < 1.0
    assert bench.deployment(blocked.id).state is State.READY


def test_a_hook_without_the_right_token_is_refused_and_changes_nothing(bench: Workbench) -> None:
    woken: list[bool] = []
    http = hooks(bench, woken)
    body = deployment_event(DIBA)
    assert http.post("/webhooks/gitlab", data=body).status_code == 401
    wrong = {"X-Gitlab-Token": "guess"}
    assert http.post("/webhooks/gitlab", data=body, headers=wrong).status_code == 401
    assert woken == []
    off = hooks(bench, woken, secret=None).post("/webhooks/gitlab", data=body)
    assert off.status_code == 404 and "gitlab.webhook_secret_env" in off.text


def test_other_events_are_acknowledged_and_ignored(bench: Workbench) -> None:
    woken: list[bool] = []
    body = json.dumps({"object_kind": "push", "project": {"path_with_namespace": DIBA}}).encode()
    answer = hooks(bench, woken).post(
        "/webhooks/gitlab", data=body, headers={"X-Gitlab-Token": SECRET.decode()}
    )
    assert answer.status_code == 200 and woken == []
    garbage = hooks(bench, woken).post(
        "/webhooks/gitlab", data=b"not json", headers={"X-Gitlab-Token": SECRET.decode()}
    )
    assert garbage.status_code == 400


def test_setup_gitlab_adds_one_hook_per_component_project_once(
    tmp_path: Path, gitlab: RunningEmulator
) -> None:
    text = example_config_path().read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:8082", gitlab.url)
    text = text.replace("  token_env: GITLAB_TOKEN\n", "  token_env: GITLAB_TOKEN\n"
                        "  webhook_secret_env: GITLAB_HOOK_SECRET\n", 1)  # fmt: skip
    text = text.replace("  port: 8780\n", "  port: 8787\n  public_url: https://deploybot.example\n")
    path = tmp_path / "deploybot.yaml"
    path.write_text(text, encoding="utf-8")
    env = {"GITLAB_TOKEN": "demo-token", "GITLAB_HOOK_SECRET": SECRET.decode()}

    def run(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, ["setup", "gitlab", *args, "--config", str(path)])

    dry = run()
    assert dry.exit_code == 0, dry.output
    assert f"  - hook on {DIBA} → https://deploybot.example/webhooks/gitlab (missing)" in dry.stdout
    applied = run("--apply")
    assert applied.exit_code == 0, applied.output
    app: GitLabEmulator = gitlab.app  # type: ignore[assignment]
    project = app.find_project(DIBA)
    assert project is not None
    [hook] = project["hooks"]
    assert hook["token"] == SECRET.decode()
    assert hook["releases_events"] and hook["deployment_events"] and not hook["push_events"]
    again = run("--apply")
    assert "Nothing to do" in again.stdout and len(project["hooks"]) == 1


def test_a_release_hook_rechecks_a_blocked_request_within_a_second(bench: Workbench) -> None:
    project = bench.gitlab.find_project(DIBA)
    assert project is not None
    releases, project["releases"] = project["releases"], project["releases"][:-1]  # not yet
    bench.person_tags(1, "deploy")
    bench.cycle()
    [blocked] = bench.store.deployments()
    assert blocked.state is State.BLOCKED
    project["releases"] = releases  # 3.2.11 is published
    event = gitlab_body("webhook_release.json")
    event["project"]["path_with_namespace"] = DIBA
    woken: list[bool] = []
    started = time.monotonic()
    answer = hooks(bench, woken).post(
        "/webhooks/gitlab",
        data=json.dumps(event).encode(),
        headers={"X-Gitlab-Token": SECRET.decode()},
    )
    assert answer.status_code == 202
    bench.service.run_cycle(zammad=False, timers=False)
    assert time.monotonic() - started < 1.0
    assert bench.deployment(blocked.id).state is State.READY
