"""What deploybot needs in a Zammad, and what is missing from one.

Pure: the configuration says which tags, which overview, which macros and (when deploybot can be
reached) which webhook and trigger it wants; :func:`setup_plan` compares that with what a
Zammad holds and lists what to create. ``deploybot setup zammad`` prints or carries out the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.config.models import Config

Kind = Literal["tag", "overview", "macro", "webhook", "trigger"]

#: The admin collection of each kind of object (``/api/v1/<collection>``).
COLLECTIONS: dict[Kind, str] = {
    "tag": "tag_list",
    "overview": "overviews",
    "macro": "macros",
    "webhook": "webhooks",
    "trigger": "triggers",
}

OVERVIEW_NAME = "Deployments"
WAITING_OVERVIEW_NAME = "Deployments waiting for us"
WEBHOOK_NAME = "deploybot"
TRIGGER_NAME = "deploybot: wake on an internal note"
#: The one-click actions an engineer takes, each adding its tag.
MACRO_ACTIONS = ("start", "done", "delay", "cancel", "rollback", "accept")


@dataclass(frozen=True)
class Wanted:
    """One object deploybot wants: its kind, its name and what to send to create it."""

    kind: Kind
    name: str
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One line of the plan: the object and whether it already exists."""

    wanted: Wanted
    exists: bool


def workflow_tags(config: Config) -> list[str]:
    """Every tag deploybot reads or writes: each tag of ``zammad.tags`` in the order it is
    declared (the order people meet them), the slot prefix as its numbered slot tags."""
    t = config.zammad.tags
    named: list[str] = []
    for role in type(t).model_fields:
        named.extend(t.slots if role == "slot_prefix" else [getattr(t, role)])
    return named


def _overview(config: Config, agent_role_id: int | None) -> Wanted:
    t = config.zammad.tags
    return _tag_overview(OVERVIEW_NAME, "deployments", 1500, [*t.statuses, t.overdue],
                         agent_role_id)  # fmt: skip


def _waiting_overview(config: Config, agent_role_id: int | None) -> Wanted:
    """The requests that wait for the team: a customer's choice to accept, ready (proposals
    out), blocked (a prerequisite to fix)."""
    t = config.zammad.tags
    return _tag_overview(WAITING_OVERVIEW_NAME, "deployments_waiting", 1490,
                         [t.chosen, t.ready, t.blocked], agent_role_id)  # fmt: skip


def _tag_overview(
    name: str, link: str, prio: int, watched: Sequence[str], agent_role_id: int | None
) -> Wanted:
    columns = ["number", "title", "organization", "owner", "updated_at"]
    return Wanted(
        "overview",
        name,
        {
            "name": name,
            "link": link,
            "prio": prio,
            "role_ids": [agent_role_id] if agent_role_id is not None else [],
            # Zammad's selector wants the tags of a "contains one" rule as one string.
            "condition": {"ticket.tags": {"operator": "contains one", "value": ", ".join(watched)}},
            "order": {"by": "updated_at", "direction": "DESC"},
            "view": {"s": columns, "d": columns, "m": columns, "view_mode_default": "s"},
            "active": True,
        },
    )


def _macros(config: Config) -> list[Wanted]:
    t = config.zammad.tags
    tags = {"start": t.start, "done": t.done, "delay": t.delay, "cancel": t.cancel,
            "rollback": t.rollback, "accept": t.accept}  # fmt: skip
    return [
        Wanted(
            "macro",
            f"Deploy: {action}",
            {
                "name": f"Deploy: {action}",
                "perform": {"ticket.tags": {"operator": "add", "value": tags[action]}},
                "ux_flow_next_up": "none",
                "note": f"Adds {tags[action]}: deploybot takes it from there.",
                "active": True,
            },
        )
        for action in MACRO_ACTIONS
    ]


def _wake_up(public_url: str, secret: str) -> list[Wanted]:
    endpoint = public_url.rstrip("/") + "/webhooks/zammad"
    webhook = Wanted(
        "webhook",
        WEBHOOK_NAME,
        {
            "name": WEBHOOK_NAME,
            "endpoint": endpoint,
            "signature_token": secret,
            "ssl_verify": endpoint.startswith("https://"),
            "note": "Wakes deploybot when an agent writes an internal note.",
            "active": True,
        },
    )
    trigger = Wanted(
        "trigger",
        TRIGGER_NAME,
        {
            "name": TRIGGER_NAME,
            "condition": {
                "ticket.action": {"operator": "is", "value": "update"},
                "article.internal": {"operator": "is", "value": "true"},
            },
            # The webhook's id is filled in once the webhook exists.
            "perform": {"notification.webhook": {"webhook_id": None}},
            "activator": "action",
            "execution_condition_mode": "selective",
            "active": True,
        },
    )
    return [webhook, trigger]


def wanted_objects(
    config: Config, *, agent_role_id: int | None = None, webhook_secret: str | None = None
) -> list[Wanted]:
    """Everything deploybot wants in Zammad: its tags, the "Deployments" overview and the
    "Deployments waiting for us" one, one macro
    per action, and — when ``server.public_url`` and the webhook secret are known — the webhook
    and trigger that wake it on an agent's internal note."""
    wanted = [Wanted("tag", name, {"name": name}) for name in workflow_tags(config)]
    wanted.append(_overview(config, agent_role_id))
    wanted.append(_waiting_overview(config, agent_role_id))
    wanted.extend(_macros(config))
    if config.server.public_url and webhook_secret:
        wanted.extend(_wake_up(config.server.public_url, webhook_secret))
    return wanted


def setup_plan(wanted: Sequence[Wanted], existing: Mapping[Kind, Sequence[str]]) -> list[Step]:
    """Each wanted object and whether Zammad has it already (tags by name in any case, other
    objects by exact name)."""
    steps = []
    for item in wanted:
        names = existing.get(item.kind, ())
        if item.kind == "tag":
            exists = item.name.casefold() in {name.casefold() for name in names}
        else:
            exists = item.name in names
        steps.append(Step(item, exists))
    return steps
