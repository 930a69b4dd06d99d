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
