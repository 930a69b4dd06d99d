"""The GitLab emulator's CI jobs through python-gitlab, as deploybot's step 3 drives them:
a manual job played with variables, followed by the emulator's clock or by polls, its trace;
a job that is not playable answered as GitLab does; a pipeline triggered with its token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import gitlab
import pytest
import requests

from emulators.gitlab import GitLabEmulator
from emulators.server import RunningEmulator

OPS = "soffid/ops/diba"
STEPS = "\n".join(f"step {n}" for n in range(30))


class Clock:
    """The emulator's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def scenario() -> dict[str, Any]:
    sha = "4d3b8f0a5e6c7d8e9f0a1b2c3d4e5f6a7b8c9da4"
    jobs = [
        {"id": 7001, "name": "build", "stage": "build", "status": "success"},
        {"id": 7002, "name": "deploy-production", "when": "manual", "status": "manual",
         "run": {"result": "success", "seconds": 60}, "trace": "copying addon\nrestarting"},
        {"id": 7003, "name": "smoke", "when": "manual", "status": "manual",
         "run": {"result": "failed", "polls": 2}, "trace": STEPS},
        {"id": 7004, "name": "notify", "when": "on_success", "status": "created"},
    ]  # fmt: skip
    return {
        "gitlab": {
            "projects": [
                {"id": 1, "path": OPS, "commits": [{"sha": sha, "message": "ops"}],
                 "pipelines": [{"id": 640, "ref": "3.2.11", "sha": sha, "jobs": jobs}],
                 "trigger": {"token": "trigger-secret",
                             "jobs": [{"name": "deploy", "run": {"result": "success", "polls": 1}}],
                             }},
            ]
        }
    }  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> Iterator[RunningEmulator]:
    with RunningEmulator(GitLabEmulator(scenario(), clock=clock)) as running:
        yield running


@pytest.fixture
def project(emulator: RunningEmulator) -> Any:
    return gitlab.Gitlab(emulator.url, private_token="demo-token").projects.get(OPS)


def test_a_played_job_runs_with_its_variables_and_succeeds_after_its_seconds(
    project: Any, clock: Clock
) -> None:
    [pipeline] = project.pipelines.list(ref="3.2.11", get_all=True)
    jobs = {j.name: j for j in pipeline.jobs.list(get_all=True)}
    assert jobs["deploy-production"].status == "manual"
    job = project.jobs.get(jobs["deploy-production"].id, lazy=True)
    variables = [{"key": "CUSTOMER", "value": "DIBA"}, {"key": "ENVIRONMENT", "value": "PRO"}]
    job.play(post_data={"job_variables_attributes": variables})
    assert job.status == "pending"
    clock.now += timedelta(seconds=30)
    assert project.jobs.get(7002).status == "running"
    clock.now += timedelta(seconds=30)
    done = project.jobs.get(7002)
    assert (done.status, done.duration) == ("success", 30.0)
    trace = done.trace().decode()
    assert "CUSTOMER=DIBA" in trace and trace.rstrip().endswith("Job succeeded")


def test_a_job_that_fails_after_two_polls_has_its_trace(project: Any) -> None:
    project.jobs.get(7003, lazy=True).play()
    assert project.jobs.get(7003).status == "running"
    failed = project.jobs.get(7003)
    assert (failed.status, failed.failure_reason) == ("failed", "script_failure")
    lines = failed.trace().decode().splitlines()
    assert lines[-2:] == ["step 29", "ERROR: Job failed: exit code 1"]
    assert project.pipelines.get(640).status == "failed"


@pytest.mark.parametrize("job_id", [7001, 7004])
def test_a_job_that_is_not_a_manual_action_is_unplayable(project: Any, job_id: int) -> None:
    with pytest.raises(gitlab.GitlabJobPlayError) as error:
        project.jobs.get(job_id, lazy=True).play()
    assert error.value.response_code == 400
    assert "Unplayable Job" in str(error.value.error_message)


def test_a_running_job_is_unplayable_and_a_finished_one_is_retried_as_a_new_job(
    project: Any,
) -> None:
    job = project.jobs.get(7003, lazy=True)
    job.play()
    with pytest.raises(gitlab.GitlabJobPlayError):
        job.play()  # pending: neither manual nor retryable
    project.jobs.get(7003), project.jobs.get(7003)
    again = project.jobs.get(7003, lazy=True)
    again.play()
    assert again.id == 7003 and again.status == "failed"  # the old job, answered as it was
    latest = {j.name: j for j in project.pipelines.get(640).jobs.list(get_all=True)}
    assert latest["smoke"].id != 7003 and latest["smoke"].status in ("pending", "running")
    with_retried = project.pipelines.get(640).jobs.list(get_all=True, include_retried=True)
    assert next(j.id for j in with_retried if j.name == "smoke") == 7003


def test_play_refuses_variables_without_a_value(emulator: RunningEmulator) -> None:
    answer = requests.post(
        f"{emulator.url}/api/v4/projects/1/jobs/7002/play",
        json={"job_variables_attributes": [{"key": "CUSTOMER"}]},
        headers={"PRIVATE-TOKEN": "demo-token"}, timeout=5,
    )  # fmt: skip
    assert answer.status_code == 400


def test_a_triggered_pipeline_runs_its_jobs_with_the_variables(project: Any) -> None:
    pipeline = project.trigger_pipeline("main", "trigger-secret", variables={"VERSION": "3.2.1"})
    [job] = project.pipelines.get(pipeline.id).jobs.list(get_all=True)
    assert (pipeline.source, job.status) == ("trigger", "success")
    assert "VERSION=3.2.1" in project.jobs.get(job.id).trace().decode()


def test_a_trigger_with_a_wrong_token_is_not_found_without_an_api_token(
    emulator: RunningEmulator,
) -> None:
    url = f"{emulator.url}/api/v4/projects/{OPS.replace('/', '%2F')}/trigger/pipeline"
    wrong = requests.post(url, data={"ref": "main", "token": "nope"}, timeout=5)
    right = requests.post(
        url, data={"ref": "main", "token": "trigger-secret", "variables[A]": "1"}, timeout=5
    )
    assert (wrong.status_code, right.status_code) == (404, 201)


def test_the_jobs_list_checks_its_scope(emulator: RunningEmulator) -> None:
    url = f"{emulator.url}/api/v4/projects/1/jobs"
    headers = {"PRIVATE-TOKEN": "demo-token"}
    manual = requests.get(url, params={"scope[]": "manual"}, headers=headers, timeout=5)
    bad = requests.get(url, params={"scope[]": "sleeping"}, headers=headers, timeout=5)
    assert sorted(j["id"] for j in manual.json()) == [7002, 7003]
    assert bad.status_code == 400
