"""``deploybot setup zammad``: create in Zammad what deploybot needs (tags, the "Deployments"
overview, one macro per action, the webhook and trigger that wake it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.base import config_option, counted, fail, load, main
from integrations.secrets import MissingSecretError, read_secret

if TYPE_CHECKING:
    from bot.config.models import Config


@main.group("setup")
def setup() -> None:
    """Prepare Zammad (and GitLab) for deploybot; prints the plan unless --apply."""


@setup.command("zammad")
@click.option("--apply", "apply", is_flag=True, help="Create what is missing (else: a dry run).")
@click.option(
    "--token-env",
    help="Environment variable holding an admin token, for this command only "
    "(default: zammad.token_env).",
)
@config_option
def setup_zammad_command(apply: bool, token_env: str | None, config_path: Path | None) -> None:
    """List what deploybot needs in Zammad and what is missing; --apply creates it.

    Each object is created only if missing, so running it twice changes nothing the second
    time. A token without admin rights gets the list of what an admin must create (exit 1).
    """
    from bot.app.ops.setup_zammad import describe_step, setup_zammad
    from bot.app.run import zammad_admin, zammad_client
    from integrations.zammad import ZammadError

    config = load(config_path)
    if not config.zammad.url:
        fail(f"{config.source}: zammad.url: the Zammad address is needed")
    name = token_env or config.zammad.token_env
    try:
        token = read_secret(name, None if token_env else config.zammad.token_file,
                            what="Zammad admin token")  # fmt: skip
        secret_env = config.zammad.webhook_secret_env
        secret = read_secret(secret_env, None, what="webhook secret") if secret_env else None
    except MissingSecretError as exc:
        fail(str(exc))
    admin = zammad_admin(config.zammad, token)
    agent = zammad_client(config.zammad, token=token)  # the same token, as an agent reads tags
    try:
        outcome = setup_zammad(config, admin, apply=apply, secret=secret,
                               known_tag=agent.known_tag)  # fmt: skip
    except ZammadError as exc:
        fail(f"Zammad {config.zammad.url}: {exc}", code=1)
    click.echo(f"Zammad {config.zammad.url}:")
    created = {(w.kind, w.name) for w in outcome.created}
    for step in outcome.steps:
        click.echo(describe_step(step, created=(step.wanted.kind, step.wanted.name) in created))
    for line in outcome.skipped:
        click.echo(f"  · {line}")
    if outcome.refused:
        click.echo(
            f"This token may not administer Zammad ({outcome.refused}). An admin must create "
            "the objects above, or run this command with an admin token: --token-env NAME."
        )
        raise SystemExit(1)
    missing = len(outcome.missing)
    if not missing:
        click.echo("Nothing to do: Zammad has everything deploybot needs.")
    elif apply:
        click.echo(f"Created {counted(missing, 'object', 'objects')}.")
    else:
        click.echo(
            "Dry run: nothing changed. --apply creates the "
            f"{counted(missing, 'missing object', 'missing objects')}."
        )


@setup.command("gitlab")
@click.option("--apply", "apply", is_flag=True, help="Create the missing hooks (else: a dry run).")
@config_option
def setup_gitlab_command(apply: bool, config_path: Path | None) -> None:
    """Add to each component project a hook sending release and deployment events to
    deploybot (``server.public_url`` + ``/webhooks/gitlab``, signed with the secret named by
    ``gitlab.webhook_secret_env``); --apply creates what is missing."""
    from bot.app.ops.setup_gitlab import setup_gitlab
    from bot.app.run.wiring import gitlab_client
    from integrations.gitlab import GitLabError

    config = load(config_path)
    if not config.server.public_url:
        fail(f"{config.source}: server.public_url: GitLab needs deploybot's public address")
    if not config.gitlab.webhook_secret_env:
        fail(f"{config.source}: gitlab.webhook_secret_env: name the variable holding the secret")
    try:
        secret = read_secret(config.gitlab.webhook_secret_env, None, what="GitLab webhook secret")
        client = gitlab_client(config.gitlab)
        steps = setup_gitlab(config, client, apply=apply, secret=secret)
    except MissingSecretError as exc:
        fail(str(exc))
    except GitLabError as exc:
        fail(f"GitLab {config.gitlab.url}: {exc}", code=1)
    click.echo(f"GitLab {config.gitlab.url}:")
    for step in steps:
        state = "exists" if step.exists else ("created" if step.created else "missing")
        mark = "✓" if step.exists else ("+" if step.created else "-")
        click.echo(f"  {mark} hook on {step.hook.project} → {step.hook.url} ({state})")
    missing = sum(1 for step in steps if not step.exists)
    missing += _gate_variables(config, apply)
    if not missing:
        click.echo("Nothing to do: every component project sends its events to deploybot.")
    elif not apply:
        click.echo(
            "Dry run: nothing changed. --apply creates the "
            f"{counted(missing, 'missing object', 'missing objects')}."
        )
    if (apply or not missing) and not config.gitlab.hooks:
        click.echo(
            "Set gitlab.hooks: true: a hook then re-checks its project at once, and every "
            "project is read only every gitlab.safety_poll_seconds, as a safety net."
        )


def _gate_variables(config: Config, apply: bool) -> int:
    """With ``server.gate_token_env``: the gate's CI/CD variables, listed (created with
    ``apply``); how many were missing."""
    from bot.app.ops.setup_gitlab import setup_variables
    from bot.app.run.wiring import gitlab_client
    from integrations.gitlab import GitLabError

    if not config.server.gate_token_env:
        return 0
    try:
        token = read_secret(config.server.gate_token_env, None, what="gate token")
        steps = setup_variables(config, gitlab_client(config.gitlab), apply=apply, token=token)
    except MissingSecretError as exc:
        fail(str(exc))
    except GitLabError as exc:
        fail(f"GitLab {config.gitlab.url}: {exc}", code=1)
    for step in steps:
        state = "exists" if step.exists else ("created" if step.created else "missing")
        mark = "✓" if step.exists else ("+" if step.created else "-")
        masked = " (masked)" if step.variable.masked else ""
        click.echo(f"  {mark} variable {step.variable.key}{masked} on {step.variable.project} "
                   f"({state})")  # fmt: skip
    return sum(1 for step in steps if not step.exists)


@main.command("doctor")
@config_option
def doctor(config_path: Path | None) -> None:
    """Check everything deploybot needs, one line each: ✓, or ✗ with the fix. Writes nothing.

    Exit 0 only when every check passes.
    """
    from bot.app.ops.doctor import diagnose
    from bot.cli.base import utc_now

    config = load(config_path)
    click.echo(f"✓ configuration: {config.source} is valid")

    def waiting(service: str, attempt: int, attempts: int, why: str) -> None:
        click.echo(f"  … {service}: no answer yet ({attempt}/{attempts}: {why}), trying again")

    failed = 0
    for finding in diagnose(config, now=utc_now(), progress=waiting):
        click.echo(finding.line())  # each as soon as it is known, in order
        failed += not finding.ok
    click.echo(
        f"{counted(failed, 'problem', 'problems')} to fix."
        if failed
        else "Everything deploybot needs is in place."
    )
    raise SystemExit(1 if failed else 0)
