"""The change gate: whether a pipeline may deploy ``project`` at ``ref`` to ``environment``
now — only while a deployment that includes that project's component at that version is in
progress for that environment — and, when not, why and which deployment of it is next.

Pure: the shell hands in the deployments (``bot.app.web.gate`` for HTTP, ``deploybot gate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.config.models import Config
from bot.domain.lifecycle import RUNNING
from bot.domain.model import Deployment, State
from bot.domain.rendering import moment_words
from bot.domain.texts import say


@dataclass(frozen=True)
class GateAnswer:
    """Open (``deployment``: the one in progress) or closed, with the reason in the operator's
    language and the next deployment of the project, if one is booked."""

    open: bool
    reason: str
    deployment: str = ""
    customer: str = ""
    component: str = ""
    next_deployment: str = ""
    next_start: datetime | None = None


def _component(config: Config, deployment: Deployment, project: str) -> tuple[str, str] | None:
    """The deployment's component that is ``project`` (name, version), if any."""
    customer = config.customer(deployment.customer)
    for component in deployment.components:
        known = customer.components.get(component.name)
        if known is not None and known.gitlab_project == project:
            return component.name, component.version
    return None


def _same_version(version: str, ref: str) -> bool:
    return ref in (version, f"v{version}") or version == f"v{ref}"


def decide(
    config: Config, deployments: Iterable[Deployment], project: str, ref: str, environment: str,
    now: datetime,
) -> GateAnswer:  # fmt: skip
    """Open only inside a started deployment of ``project`` at ``ref`` to ``environment``."""
    language = config.provider.language
    place = environment.casefold()
    candidates = [d for d in deployments if d.environment.casefold() == place]
    for deployment in candidates:
        found = _component(config, deployment, project)
        if deployment.state in RUNNING and found and _same_version(found[1], ref):
            reason = say(language, "gate_open", deployment=deployment.id, project=project,
                         version=ref, environment=deployment.environment)  # fmt: skip
            return GateAnswer(True, reason, deployment.id, deployment.customer, found[0])
    booked = sorted(
        (d for d in candidates if d.state is State.SCHEDULED and d.planned_start
         and d.planned_start >= now and _component(config, d, project)),
        key=lambda d: d.planned_start or now,
    )  # fmt: skip
    closed = say(language, "gate_closed", project=project, version=ref, environment=environment)
    if not booked:
        return GateAnswer(False, f"{closed}; {say(language, 'gate_none')}")
    first = booked[0]
    when = moment_words(first.planned_start, config, language)
    reason = f"{closed}; {say(language, 'gate_next', when=f'{when} ({first.id})')}"
    return GateAnswer(False, reason, next_deployment=first.id, next_start=first.planned_start)
