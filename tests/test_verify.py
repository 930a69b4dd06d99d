"""Prerequisites gathered live from the Zammad and GitLab emulators on the demo scenario: the
valid request passes, and each mutation of the outside world fails exactly its own check."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.app.orders.gather import DeploymentRequest, FactGatherer
from bot.app.outside.zammad_reads import ZammadReads
from bot.cli import main
from bot.config.loading import load_config
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.prerequisites.result import Report
from bot.domain.rendering import Renderer
from bot.resources import example_config_path
from emulators.server import Faults, RunningEmulator
from integrations.gitlab import GitLabClient
from integrations.zammad import ZammadClient

CONFIG = load_config(example_config_path())
DIBA_TICKETS = ("7412280", "7412301")


def verify(
    zammad_client: ZammadClient,
    gitlab_client: GitLabClient,
    *numbers: str,
    components: tuple[tuple[str, str], ...] | None = None,
) -> Report:
    gatherer = FactGatherer(CONFIG, ZammadReads(zammad_client), gitlab_client)
    facts = gatherer.gather(DeploymentRequest(numbers or DIBA_TICKETS, None, components))
    return check_prerequisites(facts, CONFIG, language="en")


def project(gitlab: RunningEmulator, path: str) -> dict[str, Any]:
    found: dict[str, Any] | None = gitlab.app.find_project(path)  # type: ignore[attr-defined]
    assert found is not None
    return found


@pytest.mark.both_searches
def test_the_demo_request_passes_every_check(
    zammad_client: ZammadClient, gitlab_client: GitLabClient
) -> None:
    result = verify(zammad_client, gitlab_client)
    assert result.ready, [(c.code, c.message) for c in result.failed]
    assert result.check("components_identified").message == (
        "addon-diba 3.2.11, iam-sync 3.2.1 (from the GitLab releases that mention the tickets)"
    )
    assert result.check("rollback_ready").message == (
        "rollback: addon-diba to 3.2.10, iam-sync to 3.2.0, with the generated guide"
    )


def _remove_test_deployment(zammad: RunningEmulator, gitlab: RunningEmulator) -> None:
    diba = project(gitlab, "soffid/addons/diba")
    diba["deployments"] = [d for d in diba["deployments"] if d["environment"] != "TEST"]


def _newer_release(zammad: RunningEmulator, gitlab: RunningEmulator) -> None:
    diba = project(gitlab, "soffid/addons/diba")
    sha = "5e4c9f1b6a7d8e9f0a1b2c3d4e5f6a7b8c9dae05"
    diba["commits"].append({"sha": sha, "message": "Refactor", "created_at": "2026-11-20T09:00:00Z",
                            "branches": ["main"]})  # fmt: skip
    diba["tags"].append({"name": "3.2.12", "sha": sha})
    diba["releases"].append({"tag": "3.2.12", "released_at": "2026-11-20T10:00:00Z",
                             "description": "Refactor"})  # fmt: skip
    diba["pipelines"].append({"id": 700, "ref": "3.2.12", "sha": sha, "status": "success"})


def _failed_pipeline(zammad: RunningEmulator, gitlab: RunningEmulator) -> None:
    for pipeline in project(gitlab, "soffid/addons/diba")["pipelines"]:
        if pipeline["ref"] == "3.2.11":
            pipeline["status"] = "failed"


def _side_branch(zammad: RunningEmulator, gitlab: RunningEmulator) -> None:
    for commit in project(gitlab, "soffid/iam-sync")["commits"]:
        if commit["sha"].startswith("6f5d0b2c"):
            commit["branches"] = ["feature/deactivated-users"]


def _no_package(zammad: RunningEmulator, gitlab: RunningEmulator) -> None:
    iam = project(gitlab, "soffid/iam-sync")
    iam["packages"] = [p for p in iam["packages"] if p["version"] != "3.2.1"]


def _no_customer_validation(zammad: RunningEmulator, gitlab: RunningEmulator) -> None:
    for ticket_id in (1, 2):
        zammad.app.set_tags(ticket_id, [])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("mutate", "code", "says"),
    [
        (_remove_test_deployment, "validated_in_test",
         "addon-diba 3.2.11: commit 4d3b8f0a was not successfully deployed to TEST (TEST)"),
        (_newer_release, "release_is_latest",
         "addon-diba 3.2.11 is not the latest release: 3.2.12 (20/11/2026) is newer"),
        (_failed_pipeline, "pipeline_succeeded", "addon-diba 3.2.11: pipeline #642 is failed"),
        (_side_branch, "on_default_branch",
         "iam-sync 3.2.1: commit 6f5d0b2c is not on the default branch main"),
        (_no_package, "artifact_published",
         "package iam-sync 3.2.1 is not in the package registry"),
        (_no_customer_validation, "customer_validated",
         "the customer has not validated it: the customer-validated tag is missing"),
    ],
)  # fmt: skip
def test_each_mutation_fails_exactly_its_check(
    zammad: RunningEmulator,
    gitlab: RunningEmulator,
    zammad_client: ZammadClient,
    gitlab_client: GitLabClient,
    mutate: Callable[[RunningEmulator, RunningEmulator], None],
    code: str,
    says: str,
) -> None:
    mutate(zammad, gitlab)
    result = verify(zammad_client, gitlab_client)
    assert [check.code for check in result.failed] == [code]
    assert says in result.check(code).message


def test_gitlab_errors_fail_the_affected_checks_and_nothing_crashes(
    zammad_client: ZammadClient, gitlab: RunningEmulator
) -> None:
    gitlab.app.faults = Faults(error_rate=1.0, seed=1)
    client = GitLabClient(gitlab.url, "demo-token", max_retries=0)
    result = verify(zammad_client, client, components=(("addon-diba", "3.2.11"),))
    assert not result.ready
    message = result.check("release_exists").message
    assert message.startswith("addon-diba: GitLab did not answer:")
    assert result.check("customer_validated").status == "passed"


@pytest.mark.both_searches
def test_explicit_components_from_a_note_command(
    zammad: RunningEmulator, zammad_client: ZammadClient, gitlab_client: GitLabClient
) -> None:
    zammad.app.add_article(  # type: ignore[attr-defined]
        1, body="<p>/deploy components addon-diba 3.2.10</p>", internal=True,
        type_="note", sender="Agent", author="marta.vidal@soffid.example",
    )  # fmt: skip
    result = verify(zammad_client, gitlab_client)
    assert result.check("components_identified").message == "addon-diba 3.2.10 (given by hand)"
    # 3.2.10 is older than 3.2.11 and was never in TEST; as the first release it is uninstalled
    # to roll back, which the generated guide says.
    assert [check.code for check in result.failed] == ["release_is_latest", "validated_in_test"]
    assert "addon-diba (first version: uninstalled)" in result.check("rollback_ready").message


def test_a_customer_command_in_a_public_article_is_ignored(
    zammad: RunningEmulator, zammad_client: ZammadClient, gitlab_client: GitLabClient
) -> None:
    zammad.app.add_article(  # type: ignore[attr-defined]
        1, body="/deploy components addon-diba 3.2.10", internal=False, type_="email",
        sender="Customer", author="npuig@diba.example",
    )  # fmt: skip
    assert verify(zammad_client, gitlab_client).ready


def test_partner_exclusive_gives_the_single_not_handled_note(
    zammad_client: ZammadClient, gitlab: RunningEmulator, gitlab_client: GitLabClient
) -> None:
    before = len(gitlab.app.log)
    result = verify(zammad_client, gitlab_client, "7413200")
    assert not result.handled
    assert len(gitlab.app.log) == before
    note = Renderer().prerequisites_note(result, CONFIG)
    assert "deploybot no gestiona este despliegue" in note
    assert "Sur Sistemas" in note
    assert "<ul>" not in note


def test_one_lookup_per_component_version_per_cycle(
    zammad_client: ZammadClient, gitlab: RunningEmulator, gitlab_client: GitLabClient
) -> None:
    verify(zammad_client, gitlab_client)
    release_lists = [
        entry for entry in gitlab.app.log
        if entry.path.endswith("/releases") and entry.method == "GET"
    ]  # fmt: skip
    assert len(release_lists) == 2  # one per project: addon-diba and iam-sync


def test_verify_command_exits_zero_and_prints_the_report() -> None:
    result = CliRunner().invoke(
        main, ["verify", *DIBA_TICKETS, "--emulate", "demo", "--config", str(example_config_path())]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "DIBA PRO: se cumplen los 13 prerrequisitos"
    assert "  ✓ pipeline_succeeded" in result.stdout


def test_verify_command_json_and_exit_one() -> None:
    result = CliRunner().invoke(
        main,
        ["verify", "7412280", "--env", "DES", "--json", "--emulate", "demo",
         "--config", str(example_config_path())],
    )  # fmt: skip
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ready"] is False
    failed = [check["code"] for check in data["checks"] if check["status"] == "failed"]
    assert failed == ["environment_productive"]


def test_verify_command_rejects_malformed_components() -> None:
    result = CliRunner().invoke(
        main,
        ["verify", "7412280", "--components", "addon-diba", "--emulate", "demo",
         "--config", str(example_config_path())],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'addon-diba' is not 'name version'" in result.output


def test_verify_command_finds_the_tickets_on_a_zammad_with_elasticsearch(
    tmp_path: Path, shipped_scenario: dict[str, Any]
) -> None:
    scenario = copy.deepcopy(shipped_scenario)
    scenario["zammad"].update(search="es", index_lag_seconds=3600)  # nothing indexed yet
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario, default=str), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["verify", *DIBA_TICKETS, "--emulate", str(path), "--config", str(example_config_path())],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "DIBA PRO: se cumplen los 13 prerrequisitos"


def test_an_unknown_customer_is_said_once_not_as_twelve_unchecked_checks(
    tmp_path: Path, shipped_scenario: dict[str, Any]
) -> None:
    scenario = copy.deepcopy(shipped_scenario)
    scenario["zammad"]["tickets"].append(
        {"id": 9, "number": "7419000", "title": "Otro", "organization": "Ajuntament de Palma"}
    )
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario, default=str), encoding="utf-8")
    config = str(example_config_path())
    result = CliRunner().invoke(
        main, ["verify", "7419000", "--emulate", str(path), "--config", config]
    )
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert len(lines) == 2, lines
    assert "'Ajuntament de Palma'" in lines[1] and "no se comprueba" not in result.stdout
