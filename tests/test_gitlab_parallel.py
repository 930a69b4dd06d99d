"""A GitLab poll reads its projects in parallel, ``gitlab.concurrency`` at a time, each request
still under the one retry policy (issue: a provider with hundreds of customers)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from emulators.gitlab import GitLabEmulator
from emulators.server import Faults, RunningEmulator
from integrations.gitlab import GitLabClient, GitLabError
from integrations.retry import RetryPolicy

LATENCY = 0.1
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def projects(count: int) -> dict[str, Any]:
    """``count`` projects, the even ones with a release after :data:`SINCE`."""
    return {
        "gitlab": {
            "projects": [
                {"id": n + 1, "path": f"fleet/p{n:03d}",
                 "commits": [{"sha": f"{n:040x}", "message": "release"}],
                 "tags": [{"name": "1.0.0", "sha": f"{n:040x}"}],
                 "releases": [{"tag": "1.0.0", "released_at":
                               "2026-11-16T10:00:00Z" if n % 2 == 0 else "2026-10-01T10:00:00Z"}]}
                for n in range(count)
            ]
        }
    }  # fmt: skip


def test_forty_slow_projects_are_read_in_parallel_with_the_same_answers() -> None:
    paths = [f"fleet/p{n:03d}" for n in range(40)]
    app = GitLabEmulator(projects(40), faults=Faults(latency=LATENCY))
    with RunningEmulator(app) as gitlab:
        started = time.perf_counter()
        found = GitLabClient(gitlab.url, "demo-token", concurrency=8).releases_since_each(
            paths, SINCE
        )
        elapsed = time.perf_counter() - started
    # One after another: 40 × 0.1 s = 4 s; eight at a time: 0.5 s (and a noisy machine).
    assert elapsed < 2.0, elapsed
    assert list(found) == paths
    assert [bool(found[path]) for path in paths] == [n % 2 == 0 for n in range(40)]
    assert {r.tag_name for path in paths for r in found[path]} == {"1.0.0"}
    assert len(app.log) == 40  # one request per project, as one after another


def test_a_rate_limited_project_is_retried_after_the_wait_gitlab_asked() -> None:
    paths = [f"fleet/p{n:03d}" for n in range(12)]
    app = GitLabEmulator(projects(12), faults=Faults(retry_after=2))
    app.faults.script.extend([429])
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=3, sleep=sleeps.append)
    with RunningEmulator(app) as gitlab:
        client = GitLabClient(gitlab.url, "demo-token", concurrency=4, policy=policy)
        found = client.releases_since_each(paths, SINCE)
    assert len(found) == 12 and sum(1 for path in paths if found[path]) == 6
    assert sleeps and sleeps[0] == 2.0  # what Retry-After said, not a backoff of ours
    assert [r.status for r in app.log].count(429) == 1 and len(app.log) == 13


def test_a_project_gitlab_does_not_answer_fails_the_whole_read() -> None:
    paths = [f"fleet/p{n:03d}" for n in range(6)] + ["fleet/missing"]
    with RunningEmulator(GitLabEmulator(projects(6))) as gitlab:
        client = GitLabClient(gitlab.url, "demo-token", concurrency=4)
        with pytest.raises(GitLabError, match="404"):
            client.releases_since_each(paths, SINCE)


def test_a_scenario_can_slow_every_answer_of_its_system() -> None:
    scenario = projects(1)
    scenario["gitlab"]["latency"] = 0.2
    app = GitLabEmulator(scenario)
    with RunningEmulator(app) as gitlab:
        started = time.perf_counter()
        GitLabClient(gitlab.url, "demo-token").releases_since_each(["fleet/p000"], SINCE)
        assert time.perf_counter() - started >= 0.2
    assert GitLabEmulator(projects(1)).faults.latency == 0
