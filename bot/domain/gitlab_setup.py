"""What deploybot needs in GitLab: one project hook per component project, sending release and
deployment events to ``/webhooks/gitlab`` with the shared secret.

Pure: :func:`wanted_hooks` lists them from the configuration; :func:`hook_missing` says whether a
project's hooks already include deploybot's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.config.models import Config


@dataclass(frozen=True)
class WantedHook:
    """deploybot's hook on one project."""

    project: str
    url: str
    body: dict[str, Any]


def hook_url(config: Config) -> str | None:
    """Where GitLab sends events: ``server.public_url`` + ``/webhooks/gitlab``."""
    if not config.server.public_url:
        return None
    return config.server.public_url.rstrip("/") + "/webhooks/gitlab"


def component_projects(config: Config) -> list[str]:
    """Every GitLab project of a customer deploybot handles, once each."""
    projects = [
        component.gitlab_project
        for customer in config.customers
        if customer.managed_by != "partner_exclusive"
        for component in customer.components.values()
    ]
    return list(dict.fromkeys(projects))


def wanted_hooks(config: Config, secret: str) -> list[WantedHook]:
    """deploybot's hook on each component project (none without ``server.public_url``)."""
    url = hook_url(config)
    if url is None:
        return []
    body = {
        "url": url,
        "token": secret,
        "releases_events": True,
        "deployment_events": True,
        "push_events": False,
        "enable_ssl_verification": url.startswith("https://"),
    }
    return [WantedHook(project, url, body) for project in component_projects(config)]


def hook_missing(wanted: WantedHook, existing_urls: Iterable[str]) -> bool:
    """Whether the project has no hook to deploybot's address yet."""
    return wanted.url not in set(existing_urls)


#: The CI/CD variables the gate's ``.gitlab-ci.yml`` snippet reads.
GATE_URL_VARIABLE = "DEPLOYBOT_GATE_URL"
GATE_TOKEN_VARIABLE = "DEPLOYBOT_GATE_TOKEN"


@dataclass(frozen=True)
class WantedVariable:
    """A CI/CD variable deploybot's gate snippet needs in one project."""

    project: str
    key: str
    value: str
    masked: bool


def gate_projects(config: Config) -> list[str]:
    """The projects whose pipelines deploy a customer's components through step 3 (each
    component's project, or its deploy step's own project or trigger), once each."""
    projects: list[str] = []
    for customer in config.customers:
        if customer.step3 is None:
            continue
        steps = {step.component: step for step in customer.step3.deploy}
        for name, component in customer.components.items():
            step = steps.get(name)
            if step is not None and step.trigger is not None:
                projects.append(step.trigger.project)
            else:
                projects.append((step.project if step else None) or component.gitlab_project)
    return list(dict.fromkeys(projects))


def wanted_variables(config: Config, token: str) -> list[WantedVariable]:
    """``DEPLOYBOT_GATE_URL`` and the masked ``DEPLOYBOT_GATE_TOKEN`` in each gate project
    (none without ``server.public_url`` and ``server.gate_token_env``)."""
    if not config.server.public_url or not config.server.gate_token_env:
        return []
    url = config.server.public_url.rstrip("/") + "/gate"
    return [
        variable
        for project in gate_projects(config)
        for variable in (
            WantedVariable(project, GATE_URL_VARIABLE, url, masked=False),
            WantedVariable(project, GATE_TOKEN_VARIABLE, token, masked=True),
        )
    ]
