"""Small factories with defaults: a test overrides only what it is about."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.store import Change
from bot.config.models import Config
from bot.domain.calendar.rules import SlotRules, rules_for
from bot.domain.effects import Effect
from bot.domain.model import ComponentVersion, Deployment, State, TicketRef
from bot.domain.prerequisites.facts import ComponentFacts, Facts, TicketFacts

MADRID = ZoneInfo("Europe/Madrid")


def provider_data(**overrides: Any) -> dict[str, Any]:
    """A provider in ES-IB, like the real one."""
    data: dict[str, Any] = {
        "name": "Soffid",
        "timezone": "Europe/Madrid",
        "language": "es",
        "holidays": {"country": "ES", "subdiv": "IB"},
        "project_team": ["Marta Vidal <marta@soffid.example>"],
        "support_team": ["Soporte <soporte@soffid.example>"],
        "support_portal": "https://support.soffid.example",
        "support_phone": "+34 971 000 000",
    }
    data.update(overrides)
    return data


def customer_data(
    name: str = "DIBA", subdiv: str | None = "CT", **overrides: Any
) -> dict[str, Any]:
    """A customer run by the provider, Monday–Thursday 09:00–13:00."""
    data: dict[str, Any] = {
        "name": name,
        "holidays": {"country": "ES", "subdiv": subdiv},
        "window": {"days": ["mon", "tue", "wed", "thu"], "start": "09:00", "end": "13:00"},
        "contacts": {"managers": [f"Manager <manager@{name.lower()}.example>"]},
    }
    data.update(overrides)
    return data


def make_config(customers: list[dict[str, Any]] | None = None, **provider_overrides: Any) -> Config:
    """A validated configuration (one ES-CT customer unless told otherwise)."""
    return Config.model_validate(
        {
            "provider": provider_data(**provider_overrides),
            "customers": customers if customers is not None else [customer_data()],
        }
    )


def make_rules(customer: dict[str, Any] | None = None, **provider_overrides: Any) -> SlotRules:
    """The slot rules of one customer under an ES-IB provider."""
    config = make_config([customer or customer_data()], **provider_overrides)
    return rules_for(config, config.customers[0])


def at(text: str) -> datetime:
    """A moment written in Madrid local time: ``at("2026-04-01 09:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=MADRID)


#: A "now" well before every date the known-date tests look at.
EARLY_2026 = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def make_deployment(**overrides: Any) -> Deployment:
    """DIBA-2026-0007: two tickets, two components, scheduled Tuesday 1 December 2026 09:30."""
    data: dict[str, Any] = {
        "id": "DIBA-2026-0007",
        "customer": "DIBA",
        "environment": "PRO",
        "state": State.SCHEDULED,
        "requested_at": at("2026-11-24 10:12"),
        "tickets": (
            TicketRef("ES-7412280", "Tractar els ORGANISMES com si fós un ORGÀNIC", id=1),
            TicketRef("ES-7412301", "Error al sincronitzar <usuaris> & grups", id=2),
        ),
        "components": (
            ComponentVersion("addon-diba", "3.2.11", "3.2.10"),
            ComponentVersion("iam-sync", "3.2.1", "3.2.0"),
        ),
        "restarts": "",  # the customer's own, in each reader's language
        "duration": timedelta(minutes=15),
        "planned_start": at("2026-12-01 09:30"),
        "requested_by": "Marta Vidal",
    }
    data.update(overrides)
    return Deployment(**data)


def started(deployment: Deployment, start: str, end: str | None = None) -> Deployment:
    """The deployment as it is once started at ``start`` (and ended at ``end``)."""
    state = State.COMPLETED if end else State.IN_PROGRESS
    return dataclasses.replace(
        deployment, state=state, actual_start=at(start), actual_end=at(end) if end else None
    )


def ticket_facts(**overrides: Any) -> TicketFacts:
    """Ticket 7412280 of DIBA, validated by the customer, with an accepted rollback plan."""
    data: dict[str, Any] = {
        "id": 1,
        "number": "7412280",
        "title": "Tractar els ORGANISMES com si fós un ORGÀNIC",
        "organization": "Diputació de Barcelona",
        "tags": ("deploy", "customer-validated"),
        "rollback_plan": "auto",
        "url": "https://zammad.example/#ticket/zoom/1",
    }
    data.update(overrides)
    return TicketFacts(**data)


def component_facts(**overrides: Any) -> ComponentFacts:
    """addon-diba 3.2.11 as GitLab shows it when every prerequisite is met."""
    data: dict[str, Any] = {
        "component": "addon-diba",
        "project": "soffid/addons/diba",
        "version": "3.2.11",
        "release_found": True,
        "tag": "3.2.11",
        "release_url": "https://gitlab.example/soffid/addons/diba/-/releases/3.2.11",
        "commit_sha": "4d3b8f0a5e6c7d8e9f0a1b2c3d4e5f6a7b8c9da4",
        "latest_version": "3.2.11",
        "pipeline_id": 642,
        "pipeline_status": "success",
        "pipeline_url": "https://gitlab.example/soffid/addons/diba/-/pipelines/642",
        "default_branch": "main",
        "on_default_branch": True,
        "artifact_published": True,
        "test_environments": ("TEST",),
        "test_deployment_id": 71,
        "test_deployment_environment": "TEST",
        "test_deployment_at": datetime(2026, 11, 17, 11, 0, tzinfo=UTC),
        "previous_version": "3.2.10",
    }
    data.update(overrides)
    return ComponentFacts(**data)


def make_facts(**overrides: Any) -> Facts:
    """A DIBA request that meets every prerequisite."""
    data: dict[str, Any] = {
        "tickets": (ticket_facts(),),
        "components": (component_facts(),),
        "components_source": "derived",
    }
    data.update(overrides)
    return Facts(**data)


def by_operator(
    deployment: Deployment,
    event: str,
    *,
    now: datetime,
    effects: Sequence[Effect] = (),
    old_state: State | None = None,
) -> Change:
    """The change an operator's ``event`` at the command line commits for ``deployment``."""
    return Change(deployment=deployment, effects=effects, now=now, source="cli", actor="t",
                  event=event, old_state=old_state)  # fmt: skip


def completed(deployment: Deployment, now: datetime | None = None) -> Change:
    """The change that records ``deployment`` as done by an operator at ``now`` (the first of
    December at ten by default): a store's history in one line."""
    done_at = now or at("2026-12-01 10:00")
    return by_operator(deployment, "deploy-done", now=done_at, old_state=State.IN_PROGRESS)
