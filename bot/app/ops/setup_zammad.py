"""``deploybot setup zammad``: read what a Zammad holds, and create what deploybot needs.

The domain (``bot.domain.zammad_setup``) says what is wanted and what is missing; this module
reads and writes through the admin API. Running it twice creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.config.models import Config
from bot.domain.zammad_setup import (
    COLLECTIONS,
    WEBHOOK_NAME,
    Kind,
    Step,
    Wanted,
    setup_plan,
    wanted_objects,
)
from integrations.zammad import ZammadPermissionError
from integrations.zammad_admin import ZammadAdminClient


@dataclass
class SetupOutcome:
    """The plan, what was created, and — when the token may not administer Zammad — why."""

    steps: list[Step]
    created: list[Wanted] = field(default_factory=list)
    refused: str | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[Wanted]:
        """The wanted objects Zammad did not have."""
        return [step.wanted for step in self.steps if not step.exists]


def _existing(admin: ZammadAdminClient) -> dict[Kind, list[str]]:
    existing: dict[Kind, list[str]] = {"tag": admin.tag_names()}
    for kind, collection in COLLECTIONS.items():
        if kind != "tag":
            existing[kind] = [str(item.get("name")) for item in admin.objects(collection)]
    return existing


def _skipped(config: Config, secret: str | None) -> list[str]:
    if not config.server.public_url:
        return ["webhook and trigger: set server.public_url so that Zammad can reach deploybot"]
    if not secret:
        return ["webhook and trigger: set zammad.webhook_secret_env to sign what Zammad sends"]
    return []


def setup_zammad(
    config: Config,
    admin: ZammadAdminClient,
    *,
    apply: bool,
    secret: str | None,
    known_tag: Callable[[str], bool] | None = None,
) -> SetupOutcome:
    """The plan for this Zammad, carried out when ``apply``. A token that may not administer
    Zammad still reads which tags exist through ``known_tag`` (the agent's tag search); the
    other objects only an admin can see are listed as missing, and the outcome says so."""
    skipped = _skipped(config, secret)
    try:
        role = admin.role_id("Agent")
        existing = _existing(admin)
    except ZammadPermissionError as error:
        wanted = wanted_objects(config, webhook_secret=secret)
        steps = [Step(w, w.kind == "tag" and known_tag is not None and known_tag(w.name))
                 for w in wanted]  # fmt: skip
        if known_tag is not None:
            skipped.append("tags read with the agent's token (not an admin's); the overviews, "
                           "macros, webhook and trigger only an admin can see")  # fmt: skip
        return SetupOutcome(steps, refused=str(error), skipped=skipped)
    steps = setup_plan(wanted_objects(config, agent_role_id=role, webhook_secret=secret), existing)
    outcome = SetupOutcome(steps, skipped=skipped)
    if apply:
        webhook_id = _webhook_id(admin) if any(s.wanted.kind == "trigger" for s in steps) else None
        for item in outcome.missing:
            if item.kind == "tag":
                admin.create_tag(item.name)
            else:
                body = item.body
                if item.kind == "trigger":
                    body = _with_webhook(body, webhook_id)
                created = admin.create(COLLECTIONS[item.kind], body)
                if item.kind == "webhook":
                    webhook_id = int(created["id"])
            outcome.created.append(item)
    return outcome


def _webhook_id(admin: ZammadAdminClient) -> int | None:
    found = [w for w in admin.objects(COLLECTIONS["webhook"]) if w.get("name") == WEBHOOK_NAME]
    return int(found[0]["id"]) if found else None


def _with_webhook(body: dict[str, Any], webhook_id: int | None) -> dict[str, Any]:
    return body | {"perform": {"notification.webhook": {"webhook_id": webhook_id}}}


def describe_step(step: Step, *, created: bool) -> str:
    """One line of the plan: ✓ exists, + created, or - to create."""
    mark = "✓" if step.exists else ("+" if created else "-")
    state = "exists" if step.exists else ("created" if created else "missing")
    return f"  {mark} {step.wanted.kind} {step.wanted.name} ({state})"
