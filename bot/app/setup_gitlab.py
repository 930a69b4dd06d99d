"""``deploybot setup gitlab``: add deploybot's hook to each component project that lacks it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.models import Config
from bot.domain.gitlab_setup import WantedHook, hook_missing, wanted_hooks
from integrations.gitlab import GitLabClient


@dataclass(frozen=True)
class HookStep:
    """One project: deploybot's hook there, whether it existed, whether it was created."""

    hook: WantedHook
    exists: bool
    created: bool = False


def setup_gitlab(
    config: Config, client: GitLabClient, *, apply: bool, secret: str
) -> list[HookStep]:
    """The hook of each component project, created where missing when ``apply``."""
    steps = []
    for hook in wanted_hooks(config, secret):
        project = client.project(hook.project)
        urls = [str(existing.url) for existing in project.hooks.list(get_all=True)]
        if not hook_missing(hook, urls):
            steps.append(HookStep(hook, exists=True))
            continue
        if apply:
            project.hooks.create(hook.body)
        steps.append(HookStep(hook, exists=False, created=apply))
    return steps
