"""``deploybot setup gitlab``: add deploybot's hook to each component project that lacks it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.models import Config
from bot.domain.gitlab_setup import (
    WantedHook,
    WantedVariable,
    hook_missing,
    wanted_hooks,
    wanted_variables,
)
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


@dataclass(frozen=True)
class VariableStep:
    """One CI/CD variable of the gate in one project: there already (kept as it is), or
    created."""

    variable: WantedVariable
    exists: bool
    created: bool = False


def setup_variables(
    config: Config, client: GitLabClient, *, apply: bool, token: str
) -> list[VariableStep]:
    """The gate's variables of each gate project, created where missing when ``apply`` (an
    existing one is never overwritten: it may be the team's own)."""
    steps = []
    known: dict[str, set[str]] = {}
    for variable in wanted_variables(config, token):
        project = client.project(variable.project)
        if variable.project not in known:
            found = project.variables.list(get_all=True)
            known[variable.project] = {str(v.key) for v in found}
        if variable.key in known[variable.project]:
            steps.append(VariableStep(variable, exists=True))
            continue
        if apply:
            project.variables.create({"key": variable.key, "value": variable.value,
                                      "masked": variable.masked, "protected": False})  # fmt: skip
        steps.append(VariableStep(variable, exists=False, created=apply))
    return steps
