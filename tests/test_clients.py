"""How the clients behave against the emulators: pagination, retries, giving up, auth, secrets."""

from __future__ import annotations

import copy
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app.run.wiring import gitlab_client, zammad_client
from bot.config.models import GitLabConfig, ZammadConfig
from emulators.gitlab import GitLabEmulator
from emulators.server import Faults, RunningEmulator
from emulators.zammad import ZammadEmulator
from integrations.gitlab import GitLabClient, GitLabError
from integrations.retry import RetryPolicy, retry_after_seconds
from integrations.secrets import MissingSecretError
from integrations.zammad import (
    ZammadAuthError,
    ZammadClient,
    ZammadError,
    ZammadNotFoundError,
    ZammadUnavailableError,
)
from tests.servers import free_port

DIBA = "soffid/addons/diba"


def zammad_with(scenario: dict[str, Any], faults: Faults | None = None) -> RunningEmulator:
    return RunningEmulator(ZammadEmulator(scenario, faults=faults)).start()


# -- Zammad -----------------------------------------------------------------------------------


def test_pages_through_450_tagged_tickets() -> None:
    tickets = [
        {
            "number": str(70000 + n),
            "title": f"T{n}",
            "tags": ["deploy" if n % 2 else "deploy-start"],
        }
        for n in range(450)
    ] + [{"number": "99999", "title": "untagged", "tags": ["other"]}]
    emulator = zammad_with({"zammad": {"tickets": tickets}})
    try:
        client = ZammadClient(emulator.url, "demo-token")
        found = client.find_tickets_with_tags(["deploy", "deploy-start"])
        assert len(found) == 450
        assert len({t.id for t in found}) == 450
        assert "99999" not in {t.number for t in found}
        assert emulator.app.counters["ticket_search"] == 3  # 200 + 200 + 50
    finally:
        emulator.stop()


def test_list_shaped_search_answers_are_read_too(demo_scenario: dict[str, Any]) -> None:
    scenario = copy.deepcopy(demo_scenario)
    scenario["zammad"]["search_shape"] = "list"
    emulator = zammad_with(scenario)
    try:
        found = ZammadClient(emulator.url, "demo-token").find_tickets_with_tags(["risk-accepted"])
        assert [t.number for t in found] == ["7413010"]
    finally:
        emulator.stop()


def test_retries_after_429_honouring_retry_after(
    zammad: RunningEmulator, sleeps: list[float], zammad_client: ZammadClient
) -> None:
    zammad.app.faults.retry_after = 7
    zammad.app.faults.script.extend([429])
    assert zammad_client.tags(1) == ["customer-validated"]
    assert sleeps == [7.0]


def test_retries_after_two_502s(
    zammad: RunningEmulator, sleeps: list[float], zammad_client: ZammadClient
) -> None:
    zammad.app.faults.script.extend([502, 502])
    assert zammad_client.ticket(1).tags == ("customer-validated",)
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0] * 0.9  # grows (with jitter)
    assert [r.status for r in zammad.app.log] == [502, 502, 200]


def test_retries_a_dropped_connection(
    zammad: RunningEmulator, sleeps: list[float], zammad_client: ZammadClient
) -> None:
    zammad.app.faults.script.extend(["drop"])
    assert zammad_client.organization(1).name == "Diputació de Barcelona"
    assert len(sleeps) == 1


def test_gives_up_with_a_typed_error(zammad: RunningEmulator, sleeps: list[float]) -> None:
    zammad.app.faults.script.extend([503] * 10)
    client = ZammadClient(
        zammad.url, "demo-token", retry=RetryPolicy(max_attempts=4, sleep=sleeps.append)
    )
    with pytest.raises(ZammadUnavailableError, match="after 4 attempt"):
        client.tags(1)
    assert len(zammad.app.log) == 4
    assert len(sleeps) == 3


def test_bad_token_is_a_typed_auth_error(zammad: RunningEmulator) -> None:
    with pytest.raises(ZammadAuthError) as caught:
        ZammadClient(zammad.url, "wrong").ticket(1)
    assert caught.value.status == 401
    assert "Can't find User for Token" in str(caught.value)


def test_missing_ticket_is_a_typed_not_found(zammad_client: ZammadClient) -> None:
    with pytest.raises(ZammadNotFoundError, match="Couldn't find Ticket with 'id'=404"):
        zammad_client.ticket(404)


def test_tags_notes_and_public_articles_round_trip(
    zammad: RunningEmulator, zammad_client: ZammadClient
) -> None:
    zammad_client.add_tag(2, "deploy")
    zammad_client.add_tag(2, "deploy")
    zammad_client.remove_tag(2, "customer-validated")
    assert zammad_client.tags(2) == ["deploy"]
    note = zammad_client.post_note(2, "<p>informe</p>")
    public = zammad_client.post_public_article(2, "<p>desplegado</p>", subject="Despliegue")
    articles = zammad_client.articles(2)
    assert [(a.id, a.internal) for a in articles] == [(note.id, True), (public.id, False)]
    assert articles[1].subject == "Despliegue"
    assert articles[0].content_type == "text/html"


def test_finds_organization_by_exact_name(zammad_client: ZammadClient) -> None:
    org = zammad_client.organization_by_name("govern de les illes balears")
    assert org is not None and org.id == 3
    assert zammad_client.organization_by_name("Govern") is None


def test_sends_token_and_user_agent(zammad: RunningEmulator, zammad_client: ZammadClient) -> None:
    assert zammad_client.session.headers["Authorization"] == "Token token=demo-token"
    assert str(zammad_client.session.headers["User-Agent"]).startswith("deploybot/")
    assert "demo-token" not in repr(zammad_client)


def test_token_comes_from_env_or_file(tmp_path: Path, zammad: RunningEmulator) -> None:
    config = ZammadConfig(url=zammad.url, token_env="MY_ZAMMAD")
    client = zammad_client(config, environ={"MY_ZAMMAD": "demo-token"})
    assert client.tags(1) == ["customer-validated"]
    with pytest.raises(MissingSecretError, match="set the environment variable MY_ZAMMAD"):
        zammad_client(config, environ={})
    secret = tmp_path / "token"
    secret.write_text("demo-token\n", encoding="utf-8")
    from_file = zammad_client(ZammadConfig(url=zammad.url, token_file=secret), environ={})
    assert from_file.tags(1) == ["customer-validated"]


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Thu, 26 Nov 2026 12:00:10 GMT", now) == 10.0
    assert retry_after_seconds("soon") is None


# -- GitLab -----------------------------------------------------------------------------------


def many_releases(count: int) -> dict[str, Any]:
    commits = [{"sha": f"{n:040x}", "message": f"r{n}"} for n in range(count)]
    releases: list[dict[str, Any]] = [
        {
            "tag": f"1.0.{n}",
            "released_at": "2026-01-01T00:00:00Z"
            if n == 0
            else f"2026-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
        }
        for n in range(count)
    ]
    releases[-1]["released_at"] = "2026-12-31T00:00:00Z"
    releases.append({"tag": "9.9.9", "released_at": "2027-01-01T00:00:00Z", "upcoming": True})
    releases.append({"tag": "nightly", "released_at": "2027-01-02T00:00:00Z"})
    tags = [
        {"name": r["tag"], "sha": commits[min(i, count - 1)]["sha"]} for i, r in enumerate(releases)
    ]
    return {
        "gitlab": {
            "projects": [
                {
                    "id": 1,
                    "path": "big/project",
                    "commits": commits,
                    "tags": tags,
                    "releases": releases,
                }
            ]
        }
    }


def test_latest_release_reads_one_page_and_ignores_upcoming_and_other_tags() -> None:
    emulator = RunningEmulator(GitLabEmulator(many_releases(250))).start()
    try:
        client = GitLabClient(emulator.url, "demo-token")
        latest = client.latest_release("big/project")
        assert latest is not None and latest.tag_name == "1.0.249"
        # Newest first: the first page answers (GitLab sends 252 releases in 3 pages).
        assert emulator.app.counters["releases_list"] == 1
        everything = client.production_releases("big/project")
        assert len(everything) == 250 and emulator.app.counters["releases_list"] == 4
    finally:
        emulator.stop()


def test_one_component_version_of_a_project_with_1000_releases_costs_at_most_7_requests() -> None:
    emulator = RunningEmulator(GitLabEmulator(many_releases(1000))).start()
    try:
        client = GitLabClient(emulator.url, "demo-token")
        with client.cycle():
            release = next(r for r in client.releases("big/project") if r.tag_name == "1.0.998")
            assert client.latest_release("big/project") is not None
            previous = client.previous_release("big/project", release.tag_name)
            assert previous is not None and previous.released_at is not None
            assert release.released_at is not None and previous.released_at <= release.released_at
            client.ticket_references("big/project", release.tag_name)
        # project, one page of releases, the tag, the compare with the previous release
        assert len(emulator.app.log) <= 7, [entry.path for entry in emulator.app.log]
    finally:
        emulator.stop()


def test_an_idle_gitlab_poll_costs_one_request_per_project() -> None:
    emulator = RunningEmulator(GitLabEmulator(many_releases(1000))).start()
    try:
        client = GitLabClient(emulator.url, "demo-token")
        client.project("big/project")  # read once for the client's life
        before = len(emulator.app.log)
        since = datetime(2026, 12, 31, 1, tzinfo=UTC)  # after the newest release
        assert client.releases_since(["big/project"], since) == []
        assert len(emulator.app.log) - before == 1
    finally:
        emulator.stop()


def test_gitlab_retries_502s_and_429(
    gitlab: RunningEmulator, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    gitlab.app.faults.retry_after = 3
    gitlab.app.faults.script.extend([502, 502, 429])
    client = GitLabClient(gitlab.url, "demo-token", policy=RetryPolicy(6, sleep=sleeps.append))
    release = client.release(DIBA, "3.2.11")
    assert release is not None and release.commit_sha
    assert len(sleeps) == 3 and sleeps[-1] == 3


def test_gitlab_gives_up_with_a_typed_error(
    gitlab: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitlab.app.faults.script = deque([503] * 10)
    client = GitLabClient(gitlab.url, "demo-token", policy=RetryPolicy(3, sleep=lambda _: None))
    with pytest.raises(GitLabError, match="GitLab did not answer"):
        client.latest_release(DIBA)
    assert len(gitlab.app.log) == 3


def test_gitlab_bad_token(gitlab: RunningEmulator) -> None:
    with pytest.raises(GitLabError, match="401"):
        GitLabClient(gitlab.url, "wrong").latest_release(DIBA)


def test_release_facts(gitlab_client: GitLabClient) -> None:
    release = gitlab_client.release(DIBA, "3.2.11")
    assert release is not None
    assert gitlab_client.release(DIBA, "3.2.99") is None
    pipeline = gitlab_client.pipeline_for(DIBA, "3.2.11", release.commit_sha)
    assert pipeline is not None and pipeline.succeeded
    assert gitlab_client.on_default_branch(DIBA, str(release.commit_sha))
    assert gitlab_client.artifact_published(DIBA, release)
    deployment = gitlab_client.latest_test_deployment(DIBA)
    assert deployment is not None and deployment.sha == release.commit_sha
    assert deployment.environment == "TEST"
    previous = gitlab_client.previous_release(DIBA, "3.2.11")
    assert previous is not None and previous.tag_name == "3.2.10"
    assert gitlab_client.ticket_references(DIBA, "3.2.11") == ["ES-7412280", "ES-7412301"]


def test_package_registry_name_is_compared_exactly(gitlab_client: GitLabClient) -> None:
    packages = gitlab_client.packages("soffid/iam-sync", "iam-sync")
    assert {(p.name, p.version) for p in packages} == {("iam-sync", "3.2.1"), ("iam-sync", "3.2.0")}
    release = gitlab_client.release("soffid/iam-sync", "3.2.1")
    assert release is not None
    assert gitlab_client.artifact_published("soffid/iam-sync", release, package_name="iam-sync")
    assert not gitlab_client.artifact_published("soffid/iam-sync", release, package_name="iam")


def test_commit_on_a_side_branch_is_not_on_the_default_branch(
    demo_scenario: dict[str, Any],
) -> None:
    scenario = copy.deepcopy(demo_scenario)
    commits = scenario["gitlab"]["projects"][0]["commits"]
    commits[-1]["branches"] = ["feature/organismes"]
    emulator = RunningEmulator(GitLabEmulator(scenario)).start()
    try:
        client = GitLabClient(emulator.url, "demo-token")
        assert not client.on_default_branch(DIBA, commits[-1]["sha"])
    finally:
        emulator.stop()


def test_test_environment_by_tier_or_by_name(gitlab_client: GitLabClient) -> None:
    assert gitlab_client.test_environments("soffid/iam-sync") == ["staging"]
    assert gitlab_client.test_environments(DIBA, "PRO") == ["PRO"]
    deployment = gitlab_client.latest_test_deployment("soffid/iam-sync")
    assert deployment is not None and deployment.environment == "staging"


def test_releases_since_for_polling(gitlab_client: GitLabClient) -> None:
    from datetime import UTC, datetime

    found = gitlab_client.releases_since(
        [DIBA, "soffid/iam-sync"], datetime(2026, 11, 1, tzinfo=UTC)
    )
    assert [(r.project, r.tag_name) for r in found] == [
        ("soffid/iam-sync", "3.2.1"),
        (DIBA, "3.2.11"),
    ]


def test_gitlab_token_from_config(gitlab: RunningEmulator) -> None:
    config = GitLabConfig(url=gitlab.url, token_env="MY_GITLAB")
    client = gitlab_client(config, environ={"MY_GITLAB": "demo-token"})
    assert client.latest_release(DIBA) is not None
    assert "demo-token" not in repr(client)


def test_survives_a_seeded_error_rate(demo_scenario: dict[str, Any], sleeps: list[float]) -> None:
    emulator = zammad_with(demo_scenario, Faults(error_rate=0.3, seed=7))
    try:
        client = ZammadClient(
            emulator.url, "demo-token", retry=RetryPolicy(max_attempts=8, sleep=sleeps.append)
        )
        for _ in range(20):
            assert client.tags(1) == ["customer-validated"]
        statuses = [r.status for r in emulator.app.log]
        assert statuses.count(200) == 20
        assert any(status >= 500 for status in statuses)
        assert len(sleeps) == len(statuses) - 20
    finally:
        emulator.stop()


def test_gitlab_down_is_said_in_plain_words() -> None:
    client = GitLabClient(f"http://127.0.0.1:{free_port()}", "demo-token", max_retries=0)
    with pytest.raises(GitLabError) as raised:
        client.releases(DIBA)
    assert raised.value.reason == "connection refused"
    assert "Error" not in str(raised.value) and "HTTPConnectionPool" not in str(raised.value)


def test_zammad_down_is_said_in_plain_words() -> None:
    client = ZammadClient(
        f"http://127.0.0.1:{free_port()}", "demo-token", retry=RetryPolicy(max_attempts=2,
                                                                           sleep=lambda _: None)
    )  # fmt: skip
    with pytest.raises(ZammadError) as caught:
        client.me()
    message = str(caught.value)
    assert "Zammad did not answer after 2 attempt(s): connection refused" in message
    assert "HTTPConnectionPool" not in message and "Errno" not in message
