"""GitLab project hooks: ``POST /webhooks/gitlab`` verifies ``X-Gitlab-Token`` and re-checks
at once the pending requests a new release or TEST deployment affects."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from werkzeug.test import Client

from bot.app.intake.gitlab_poll import DAEMON_STARTED
from bot.app.ops.doctor import gitlab_hooks
from bot.app.ops.setup_gitlab import setup_gitlab
from bot.app.run.wiring import gitlab_client
from bot.app.web.webhook import ControlApp
from bot.cli import main
from bot.cli.demo import Workbench, workbench
from bot.config.loading import ConfigError, load_config, parse_config
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
    [blocked] = bench.store.deployments.list()
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
    [blocked] = bench.store.deployments.list()
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


# -- hooks first, polling as a safety net ---------------------------------------------------


@contextlib.contextmanager
def hooked_bench(tmp_path: Path, demo_scenario: dict[str, Any]) -> Iterator[Workbench]:
    """The example with ``gitlab.hooks: true`` (and what hooks need), on the emulators."""
    base = load_config(example_config_path())
    gitlab = base.gitlab.model_copy(update={"hooks": True, "webhook_secret_env": "HOOK"})
    server = base.server.model_copy(update={"port": 8787, "public_url": "https://db.example"})
    config = base.model_copy(update={"gitlab": gitlab, "server": server})
    with workbench(config, demo_scenario, tmp_path / "out") as built:
        yield built


def publish(bench: Workbench, tag: str) -> None:
    """DIBA's project publishes ``tag``, fixing ticket ES-7412280."""
    diba = bench.gitlab.find_project(DIBA)
    assert diba is not None
    sha = f"{abs(hash(tag)):040x}"[:40]
    released = bench.clock().isoformat()
    diba["commits"].append({"sha": sha, "message": f"ES-7412280 {tag}", "created_at": released,
                            "branches": ["main"]})  # fmt: skip
    diba["tags"].append({"name": tag, "sha": sha})
    diba["releases"].append({"tag": tag, "released_at": released, "description": "ES-7412280"})


def release_reads(bench: Workbench) -> list[str]:
    """The projects whose releases one GitLab cycle listed, each once, in path order."""
    before = len(bench.gitlab.log)
    bench.service.run_cycle(zammad=False, timers=False)
    keys = [r.path.removeprefix("/api/v4/projects/").removesuffix("/releases")
            for r in bench.gitlab.log[before:] if r.path.endswith("/releases")]  # fmt: skip
    projects = [bench.gitlab.find_project(key) for key in keys]
    return sorted({str(project["path"]) for project in projects if project is not None})


def announced(bench: Workbench, tag: str) -> int:
    return len([n for n in bench.notes(1) if f"addon-diba {tag}" in n["body"]])


def test_with_hooks_every_project_is_read_only_every_safety_interval(
    tmp_path: Path, demo_scenario: dict[str, Any]
) -> None:
    with hooked_bench(tmp_path, demo_scenario) as bench:
        release_reads(bench)  # the first poll only remembers "now"
        bench.clock.advance(timedelta(minutes=5))
        publish(bench, "3.2.12")  # its hook was lost
        bench.clock.advance(timedelta(minutes=5))
        assert release_reads(bench) == []  # the poll interval: nothing read
        bench.clock.advance(timedelta(minutes=50))
        assert len(release_reads(bench)) == 4  # an hour since the last full poll: all four
        assert announced(bench, "3.2.12") == 1


def test_with_hooks_a_hook_reads_and_announces_only_its_project(
    tmp_path: Path, demo_scenario: dict[str, Any]
) -> None:
    with hooked_bench(tmp_path, demo_scenario) as bench:
        release_reads(bench)
        bench.clock.advance(timedelta(minutes=5))
        publish(bench, "3.2.12")
        woken: list[bool] = []
        event = gitlab_body("webhook_release.json")
        event["project"]["path_with_namespace"] = DIBA
        answer = hooks(bench, woken).post("/webhooks/gitlab", data=json.dumps(event).encode(),
                                          headers={"X-Gitlab-Token": SECRET.decode()})  # fmt: skip
        assert answer.status_code == 202 and woken == [True]
        reads = release_reads(bench)
        assert reads == [DIBA]
        assert announced(bench, "3.2.12") == 1
        bench.clock.advance(timedelta(minutes=61))
        assert len(release_reads(bench)) == 4  # the safety poll reads it again …
        assert announced(bench, "3.2.12") == 1  # … and announces nothing twice


def test_without_hooks_every_project_is_read_every_cycle(bench: Workbench) -> None:
    release_reads(bench)
    bench.clock.advance(timedelta(minutes=5))
    assert len(release_reads(bench)) == 4


def test_healthz_says_how_gitlab_is_watched(
    bench: Workbench, tmp_path: Path, demo_scenario: dict[str, Any]
) -> None:
    polling = hooks(bench, []).get("/healthz").json
    assert polling is not None
    assert polling["gitlab_watch"]["mode"] == "polling"
    assert polling["gitlab_watch"]["full_poll_seconds"] == 300
    with hooked_bench(tmp_path / "hooked", demo_scenario) as hooked:
        http = hooks(hooked, [])
        watch = http.get("/healthz").json
        assert watch is not None and watch["gitlab_watch"]["mode"] == "hooks"
        assert watch["gitlab_watch"]["full_poll_seconds"] == 3600
        assert watch["gitlab_watch"]["last_hook_at"] is None
        http.post("/webhooks/gitlab", data=deployment_event(DIBA),
                  headers={"X-Gitlab-Token": SECRET.decode()})  # fmt: skip
        after = http.get("/healthz").json
        assert after is not None
        assert after["gitlab_watch"]["last_hook_at"] == hooked.clock().isoformat()


def test_doctor_checks_each_projects_hook_and_a_delivery_since_the_daemon_started(
    tmp_path: Path, demo_scenario: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "demo-token")
    with hooked_bench(tmp_path, demo_scenario) as bench:

        def lines() -> list[str]:
            return [finding.line() for finding in gitlab_hooks(bench.config)]

        before = lines()
        assert before[0].startswith(f"✗ GitLab hook on {DIBA}: missing — run `deploybot setup")
        assert before[-1].startswith("✗ GitLab hook deliveries: the daemon has not started")
        client = gitlab_client(bench.config.gitlab)
        setup_gitlab(bench.config, client, apply=True, secret=SECRET.decode())
        bench.store.markers.remember(DAEMON_STARTED, bench.clock().isoformat())
        waiting = lines()
        assert all(line.startswith("✓ GitLab hook on ") for line in waiting[:-1]), waiting
        assert len(waiting) == 5  # the four component projects, then the deliveries
        assert waiting[-1].startswith("✗ GitLab hook deliveries: none received since the daemon")
        assert "https://db.example/webhooks/gitlab" in waiting[-1]
        bench.clock.advance(timedelta(minutes=1))
        hooks(bench, []).post("/webhooks/gitlab", data=deployment_event(DIBA),
                              headers={"X-Gitlab-Token": SECRET.decode()})  # fmt: skip
        assert lines()[-1].startswith("✓ GitLab hook deliveries: the last at")


def test_doctor_says_polling_runs_without_hooks(bench: Workbench) -> None:
    [line] = [finding.line() for finding in gitlab_hooks(bench.config)]
    assert line == "✓ GitLab changes: every project read every 300 s (no hooks)"


def test_hooks_without_a_secret_or_an_endpoint_is_a_configuration_error() -> None:
    text = example_config_path().read_text(encoding="utf-8")
    text = text.replace("  token_env: GITLAB_TOKEN\n", "  token_env: GITLAB_TOKEN\n  hooks: true\n")
    with pytest.raises(ConfigError, match="hooks: true needs webhook_secret_env"):
        parse_config(text)
    text = text.replace("  hooks: true\n", "  hooks: true\n  webhook_secret_env: HOOK\n")
    text = text.replace("  port: 8780\n", "")  # the example's endpoint, taken away
    with pytest.raises(ConfigError, match=r":\d+: gitlab.hooks: hooks: true needs server.port"):
        parse_config(text)
