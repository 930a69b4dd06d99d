"""``deploybot setup zammad`` against a Zammad with ``tag_new`` off: the plan, --apply, a second
run that changes nothing, a token without rights, and the procedure before and after."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.cli.demo import workbench
from bot.config.loading import load_config
from bot.resources import example_config_path
from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator


@pytest.fixture
def strict_scenario(demo_scenario: dict[str, Any]) -> dict[str, Any]:
    scenario = copy.deepcopy(demo_scenario)
    scenario["zammad"]["tag_new"] = False
    return scenario


@pytest.fixture
def strict(strict_scenario: dict[str, Any]) -> Iterator[RunningEmulator]:
    with RunningEmulator(ZammadEmulator(strict_scenario)) as running:
        yield running


def config_file(tmp_path: Path, zammad_url: str, *, public: bool = False) -> Path:
    text = example_config_path().read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:8081", zammad_url)
    if public:
        text = text.replace(
            "  poll_seconds: 60\n", "  poll_seconds: 60\n  webhook_secret_env: HOOK_SECRET\n", 1
        )
        text = text.replace(
            "  port: 8780\n", "  port: 8787\n  public_url: https://deploybot.example\n"
        )
    path = tmp_path / "deploybot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def setup(path: Path, *args: str, token: str = "admin-token") -> Result:
    env = {"ZAMMAD_ADMIN_TOKEN": token, "ZAMMAD_TOKEN": "demo-token", "HOOK_SECRET": "s3cret"}
    command = ["setup", "zammad", "--token-env", "ZAMMAD_ADMIN_TOKEN", *args, "--config", str(path)]
    return CliRunner(env=env).invoke(main, command)


def test_a_dry_run_lists_what_is_missing_and_changes_nothing(
    tmp_path: Path, strict: RunningEmulator
) -> None:
    result = setup(config_file(tmp_path, strict.url))
    assert result.exit_code == 0, result.output
    assert "  - tag deploy-ready (missing)" in result.stdout
    assert "  ✓ tag customer-validated (exists)" in result.stdout
    assert "  - overview Deployments (missing)" in result.stdout
    assert "  - macro Deploy: start (missing)" in result.stdout
    assert "Dry run: nothing changed." in result.stdout
    app: ZammadEmulator = strict.app  # type: ignore[assignment]
    assert "deploy-ready" not in app.tag_items


@pytest.mark.both_searches
def test_apply_creates_everything_once_and_a_second_run_changes_nothing(
    tmp_path: Path, strict: RunningEmulator
) -> None:
    path = config_file(tmp_path, strict.url, public=True)
    first = setup(path, "--apply")
    assert first.exit_code == 0, first.output
    assert "  + tag deploy-ready (created)" in first.stdout
    app: ZammadEmulator = strict.app  # type: ignore[assignment]
    assert "deploy-slot-9" in app.tag_items
    overviews = {o["name"]: o for o in app.admin_objects["overviews"].values()}
    overview, waiting = overviews["Deployments"], overviews["Deployments waiting for us"]
    assert overview["role_ids"] == [2] and waiting["role_ids"] == [2]
    assert "deploy-scheduled" in overview["condition"]["ticket.tags"]["value"]
    watched = waiting["condition"]["ticket.tags"]["value"]
    assert watched == "deploy-chosen, deploy-ready, deploy-blocked"
    macros = {
        m["name"]: m["perform"]["ticket.tags"]["value"]
        for m in app.admin_objects["macros"].values()
    }
    assert macros["Deploy: rollback"] == "deploy-rollback"
    assert macros["Deploy: accept"] == "deploy-accept"  # the customer's choice, in one click
    [webhook] = app.admin_objects["webhooks"].values()
    assert webhook["endpoint"] == "https://deploybot.example/webhooks/zammad"
    assert webhook["signature_token"] == "s3cret"
    [trigger] = app.admin_objects["triggers"].values()
    assert trigger["perform"]["notification.webhook"]["webhook_id"] == webhook["id"]
    second = setup(path, "--apply")
    assert second.exit_code == 0, second.output
    assert "Nothing to do" in second.stdout
    assert len(app.admin_objects["macros"]) == 6 and len(app.admin_objects["webhooks"]) == 1
    assert len(app.admin_objects["overviews"]) == 2


def test_a_token_without_admin_rights_is_told_what_an_admin_must_create(
    tmp_path: Path, strict: RunningEmulator
) -> None:
    result = setup(config_file(tmp_path, strict.url), "--apply", token="demo-token")
    assert result.exit_code == 1
    assert "This token may not administer Zammad" in result.stdout
    assert "  - tag deploy-ready (missing)" in result.stdout
    # The tags people already use are read through the agent's tag search, and it says so.
    assert "  ✓ tag customer-validated (exists)" in result.stdout
    assert "  · tags read with the agent's token (not an admin's)" in result.stdout


def test_without_a_public_url_the_webhook_is_skipped_with_the_reason(
    tmp_path: Path, strict: RunningEmulator
) -> None:
    result = setup(config_file(tmp_path, strict.url))
    assert "webhook and trigger: set server.public_url" in result.stdout


@pytest.mark.both_searches
def test_the_procedure_names_the_missing_tags_before_setup_and_works_after(
    tmp_path: Path, strict_scenario: dict[str, Any]
) -> None:
    config = load_config(example_config_path())
    with workbench(config, strict_scenario, tmp_path / "out") as bench:
        bench.person_tags(1, "deploy")
        bench.cycle()
        [pending] = [i for i in bench.store.outbox.pending() if i.last_error]
        assert "Zammad refused to add the tag 'deploy-ready'" in str(pending.last_error)
        assert "deploybot setup zammad --apply" in str(pending.last_error)
        path = config_file(tmp_path, bench.service.config.zammad.url or "")
        applied = setup(path, "--apply")
        assert applied.exit_code == 0, applied.output
        bench.clock.advance(timedelta(hours=1))  # past the retry backoff
        bench.cycle()
        assert "deploy-ready" in bench.zammad.tags[1]
        assert [i for i in bench.store.outbox.pending()] == []


def test_setup_creates_every_tag_the_configuration_names() -> None:
    """The tags setup creates (and doctor checks) are every tag of ``zammad.tags`` — a tag left
    out cannot be added by agents on a Zammad with ``tag_new`` off (deploy-accept was)."""
    from bot.config.sections import ZammadTags
    from bot.domain.zammad_setup import workflow_tags

    config = load_config(example_config_path())
    tags = config.zammad.tags
    named = {getattr(tags, role) for role in ZammadTags.model_fields if role != "slot_prefix"}
    assert named | set(tags.slots) == set(workflow_tags(config))
    assert tags.accept in workflow_tags(config)
