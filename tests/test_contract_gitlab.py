"""Contract: the GitLab client parses GitLab's documented answers, and the emulator answers in
the same shapes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import requests

from emulators.server import RunningEmulator
from integrations.gitlab import Release, find_ticket_references
from tests.recordings import assert_same_shape, gitlab_body

DIBA = "soffid%2Faddons%2Fdiba"


def get(emulator: RunningEmulator, path: str) -> requests.Response:
    return requests.get(
        emulator.url + "/api/v4" + path, headers={"PRIVATE-TOKEN": "demo-token"}, timeout=5
    )


def test_parses_a_documented_release() -> None:
    release = Release.from_json("root/awesome-app", gitlab_body("release_get.json"))
    assert release.tag_name == "v0.1"
    assert release.commit_sha == "f8d3d94cbd347e924aa7b715845e439d00e80ca4"
    assert release.released_at == datetime(2019, 1, 3, 1, 55, 18, 203000, tzinfo=UTC)
    assert release.upcoming is False
    assert release.links and release.links[0].url.startswith("https://")


def test_parses_upcoming_releases_in_the_list() -> None:
    releases = [Release.from_json("p", r) for r in gitlab_body("releases_list.json")]
    assert {r.tag_name for r in releases} == {"v0.2", "v0.1"}
    assert any(r.upcoming for r in releases) or all(not r.upcoming for r in releases)


def test_reads_ticket_references_with_the_default_pattern() -> None:
    pattern = re.compile(r"(?:Ticket#\d+|\b[A-Z]{2,5}-\d{4,})")
    text = "Fix ES-7412280 and Ticket#1234, again ES-7412280; not v1-2 nor E-12345"
    assert find_ticket_references(text, pattern) == ["ES-7412280", "Ticket#1234"]


def test_emulator_release_shapes(gitlab: RunningEmulator) -> None:
    assert_same_shape(
        gitlab_body("release_get.json"), get(gitlab, f"/projects/{DIBA}/releases/3.2.11").json()
    )
    listed = get(gitlab, f"/projects/{DIBA}/releases").json()
    assert_same_shape(gitlab_body("releases_list.json"), listed)
    links = get(gitlab, f"/projects/{DIBA}/releases/3.2.11/assets/links").json()
    assert_same_shape(gitlab_body("release_links_list.json"), links)


def test_emulator_tag_pipeline_refs_compare_shapes(gitlab: RunningEmulator) -> None:
    assert_same_shape(
        gitlab_body("tag_get.json"), get(gitlab, f"/projects/{DIBA}/repository/tags/3.2.11").json()
    )
    assert_same_shape(
        gitlab_body("tags_list.json"), get(gitlab, f"/projects/{DIBA}/repository/tags").json()
    )
    assert_same_shape(
        gitlab_body("pipelines_list.json"),
        get(gitlab, f"/projects/{DIBA}/pipelines?ref=3.2.11").json(),
    )
    sha = "4d3b8f0a5e6c7d8e9f0a1b2c3d4e5f6a7b8c9da4"
    refs = get(gitlab, f"/projects/{DIBA}/repository/commits/{sha}/refs?type=all").json()
    assert_same_shape(gitlab_body("commit_refs.json"), refs)
    assert {"type": "branch", "name": "main"} in refs
    compare = get(gitlab, f"/projects/{DIBA}/repository/compare?from=3.2.10&to=3.2.11").json()
    assert_same_shape(gitlab_body("compare.json"), compare)
    assert len(compare["commits"]) == 3


def test_emulator_environment_deployment_package_shapes(gitlab: RunningEmulator) -> None:
    assert_same_shape(
        gitlab_body("environments_list.json"), get(gitlab, f"/projects/{DIBA}/environments").json()
    )
    deployments = get(
        gitlab, f"/projects/{DIBA}/deployments?environment=TEST&status=success"
    ).json()
    assert_same_shape(gitlab_body("deployments_list.json"), deployments)
    assert [d["environment"]["name"] for d in deployments] == ["TEST"]
    packages = get(gitlab, "/projects/12/packages?package_name=iam-sync").json()
    assert_same_shape(gitlab_body("packages_list.json"), packages)
    assert {p["name"] for p in packages} == {"iam-sync", "iam-sync-legacy"}  # fuzzy, as GitLab


def test_emulator_paginates_with_gitlab_headers(gitlab: RunningEmulator) -> None:
    answer = requests.get(
        gitlab.url + f"/api/v4/projects/{DIBA}/releases?per_page=1",
        headers={"PRIVATE-TOKEN": "demo-token"},
        timeout=5,
    )
    assert (answer.headers["X-Page"], answer.headers["X-Next-Page"]) == ("1", "2")
    assert answer.headers["X-Total"] == "2"
    assert 'rel="next"' in answer.headers["Link"] and DIBA in answer.headers["Link"]


def test_emulator_refuses_a_bad_token(gitlab: RunningEmulator) -> None:
    answer = requests.get(
        gitlab.url + "/api/v4/projects/11", headers={"PRIVATE-TOKEN": "x"}, timeout=5
    )
    assert (answer.status_code, answer.json()) == (401, {"message": "401 Unauthorized"})
    bearer = requests.get(
        gitlab.url + "/api/v4/projects/11",
        headers={"Authorization": "Bearer demo-token"},
        timeout=5,
    )
    assert bearer.status_code == 200
