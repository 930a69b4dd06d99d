"""``deploybot gate``: the change gate for runners that reach deploybot's state directly (the
same answer as ``GET /gate``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.base import config_option, load, main, utc_now


@main.command("gate")
@click.option("--project", required=True, help="The GitLab project (path) the pipeline deploys.")
@click.option("--ref", required=True, help="The version (the tag) it deploys.")
@click.option("--env", "environment", required=True, help="The environment it deploys to.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@config_option
def gate_command(
    project: str, ref: str, environment: str, as_json: bool, config_path: Path | None
) -> None:
    """The change gate: exit 0 while a deployment of the project at that version is in
    progress for the environment; otherwise say why and which one is next (exit 1)."""
    from bot.app.run.wiring import state_url
    from bot.app.store import Store
    from bot.app.web.gate import answer

    config = load(config_path)
    found = answer(config, Store(state_url(config)), project, ref, environment, utc_now())
    if as_json:
        click.echo(json.dumps({"open": found.open, "deployment": found.deployment or None,
                               "reason": found.reason}, ensure_ascii=False))  # fmt: skip
    else:
        click.echo(found.reason)
    raise SystemExit(0 if found.open else 1)
