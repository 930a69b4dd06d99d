"""What one decision writes, as one value: ``Store.commit(change)`` records it in one
transaction — the new state of a deployment (a transition), or none (a reply: an answer that
changes no deployment), its audit entry, its effects and timers, and the markers of its cause."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.effects import Effect
from bot.domain.model import Deployment, State


@dataclass(frozen=True, kw_only=True)
class Change:
    """A transition (``deployment`` given) or a reply (``scope`` given, no deployment).

    ``scope`` is what the audit entry and the effects are filed under: the deployment's id for a
    transition (filled in from it), else ``ticket-<id>`` / ``alerts`` or the id of a deployment
    the answer is about. ``seen_markers`` say what caused the change was handled, so that a
    crash cannot make it run twice.
    """

    now: datetime
    source: str
    actor: str
    event: str
    deployment: Deployment | None = None
    scope: str = ""
    effects: Sequence[Effect] = ()
    old_state: State | None = None
    details: Mapping[str, Any] | None = None
    seen_markers: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.deployment is None:
            if not self.scope:
                raise ValueError("a change without a deployment needs the scope it is about")
            return
        if self.scope and self.scope != self.deployment.id:
            raise ValueError(f"a change of {self.deployment.id} filed under {self.scope}")
        object.__setattr__(self, "scope", self.deployment.id)

    @property
    def new_state(self) -> State | None:
        """The deployment's state after the change (None for a reply)."""
        return self.deployment.state if self.deployment is not None else None

    @property
    def completes(self) -> bool:
        """Whether the change completes its deployment (what the customer runs changes)."""
        return self.new_state is State.COMPLETED and self.old_state is not State.COMPLETED
