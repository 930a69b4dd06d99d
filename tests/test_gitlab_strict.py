"""The GitLab emulator is as strict as GitLab where deploybot's queries could go wrong, and the
client's queries pass on both the current and the older deployments finder."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulators.gitlab import GitLabEmulator
from emulators.server import RunningEmulator
from integrations.gitlab import GitLabClient

DIBA = "soffid/addons/diba"
DIBA_URL = "soffid%2Faddons%2Fdiba"


def running(scenario: dict[str, Any], **gitlab: Any) -> RunningEmulator:
    changed = copy.deepcopy(scenario)
    changed["gitlab"].update(gitlab)
    return RunningEmulator(GitLabEmulator(changed)).start()


@pytest.fixture(params=["current", "legacy"])
def finder(
    request: pytest.FixtureRequest, demo_scenario: dict[str, Any]
) -> Iterator[RunningEmulator]:
    emulator = running(demo_scenario, deployments_finder=request.param)
    yield emulator
    emulator.stop()


def deployments(emulator: RunningEmulator, **query: str) -> requests.Response:
    return requests.get(
        f"{emulator.url}/api/v4/projects/{DIBA_URL}/deployments",
        params=query,
        headers={"PRIVATE-TOKEN": "demo-token"},
        timeout=5,
    )


def test_sorting_by_finished_at_without_a_finished_filter_is_a_400_on_both_finders(
    finder: RunningEmulator,
) -> None:
    answer = deployments(finder, order_by="finished_at", sort="desc")
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("400 Bad request - ")


def test_the_older_finder_wants_the_finished_at_filter_paired_with_its_sorting(
    demo_scenario: dict[str, Any],
) -> None:
    emulator = running(demo_scenario, deployments_finder="legacy")
    try:
        answer = deployments(emulator, order_by="finished_at", status="success")
        assert answer.status_code == 400
        assert "`finished_at` filter and `finished_at` sorting must be paired" in answer.text
        unpaired = deployments(emulator, finished_after="2020-01-01T00:00:00Z")
        assert unpaired.status_code == 400
    finally:
        emulator.stop()


def test_the_current_finder_accepts_sorting_by_finished_at_for_successful_ones(
    demo_scenario: dict[str, Any],
) -> None:
    emulator = running(demo_scenario, deployments_finder="current")
    try:
        assert deployments(emulator, order_by="finished_at", status="success").status_code == 200
    finally:
        emulator.stop()


def test_the_clients_test_deployment_query_works_on_both_finders(finder: RunningEmulator) -> None:
    client = GitLabClient(finder.url, "demo-token", max_retries=0)
    release = client.release(DIBA, "3.2.11")
    assert release is not None and release.commit_sha is not None
    found = client.test_deployment_of(DIBA, release.commit_sha)
    assert found is not None and found.environment == "TEST"


def test_a_deployment_created_through_the_api_has_no_deployable(
    demo_scenario: dict[str, Any],
) -> None:
    scenario = copy.deepcopy(demo_scenario)
    project = scenario["gitlab"]["projects"][0]
    for deployment in project["deployments"]:
        deployment["created_via"] = "api"
    emulator = running(scenario)
    try:
        listed = deployments(emulator).json()
        assert listed and all(item["deployable"] is None for item in listed)
        client = GitLabClient(emulator.url, "demo-token", max_retries=0)
        release = client.release(DIBA, "3.2.11")
        assert release is not None and release.commit_sha is not None
        found = client.test_deployment_of(DIBA, release.commit_sha)
        assert found is not None and found.finished_at is not None
    finally:
        emulator.stop()


def test_every_release_says_whether_it_is_upcoming(gitlab: RunningEmulator) -> None:
    releases = requests.get(
        f"{gitlab.url}/api/v4/projects/{DIBA_URL}/releases",
        headers={"PRIVATE-TOKEN": "demo-token"},
        timeout=5,
    ).json()
    assert releases and all(isinstance(r["upcoming_release"], bool) for r in releases)


def test_pipeline_status_and_environment_search_filters_are_honoured(
    gitlab: RunningEmulator,
) -> None:
    headers = {"PRIVATE-TOKEN": "demo-token"}
    base = f"{gitlab.url}/api/v4/projects/{DIBA_URL}"
    failed = requests.get(f"{base}/pipelines", params={"status": "failed"}, headers=headers,
                          timeout=5).json()  # fmt: skip
    assert all(p["status"] == "failed" for p in failed)
    found = requests.get(f"{base}/environments", params={"search": "TES"}, headers=headers,
                         timeout=5).json()  # fmt: skip
    assert [e["name"] for e in found] == ["TEST"]


def test_commit_refs_are_asked_for_by_type(gitlab: RunningEmulator) -> None:
    client = GitLabClient(gitlab.url, "demo-token", max_retries=0)
    release = client.release(DIBA, "3.2.11")
    assert release is not None and release.commit_sha is not None
    assert client.on_default_branch(DIBA, release.commit_sha)
    app: GitLabEmulator = gitlab.app  # type: ignore[assignment]
    [refs] = [entry for entry in app.log if entry.path.endswith("/refs")]
    assert "type=branch" in refs.query and "ref_type" not in refs.query
