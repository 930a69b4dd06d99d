"""Committing what the domain decided: a transition with its effects, or an answer that changes
no deployment — each in one transaction with the markers of what caused it.

Every order, whoever gave it (a tag, a note, GitLab, the command line, a timer), ends here, so a
crash leaves either the decision and its cause's marker both recorded or neither.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from bot.app.store.database import Change, Store
from bot.config.models import Config
from bot.domain.events import EVENT_NAMES, Event
from bot.domain.lifecycle import Outcome, transition
from bot.domain.model import Deployment
from bot.domain.rendering import Renderer
from bot.domain.routing import Reply

log = logging.getLogger("deploybot")


class Withheld(Exception):
    """An order that was decided but not committed (:meth:`Committer.withholding`): refused,
    or a dry run — what it would have done travels with it."""

    def __init__(self, before: Deployment, outcome: Outcome, event: str) -> None:
        super().__init__(f"{before.id}: {event} not committed")
        self.before = before
        self.outcome = outcome
        self.event = event


class Committer:
    """Applies events and records answers, with the markers of their cause."""

    def __init__(
        self,
        config: Config,
        store: Store,
        renderer: Renderer,
        *,
        clock: Callable[[], datetime],
        observer: Callable[[str], None],
    ) -> None:
        self.config = config
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.observer = observer
        # Per thread: a booking committed while a cycle's order waits on its live checks (the
        # decision lock given up) must not carry that order's markers.
        self._local = threading.local()
        self._withhold: bool | None = None  # None: commit; False: not refusals; True: nothing

    @property
    def _markers(self) -> dict[str, str]:
        markers: dict[str, str] = getattr(self._local, "markers", {})
        return markers

    @_markers.setter
    def _markers(self, markers: dict[str, str]) -> None:
        self._local.markers = markers

    @contextlib.contextmanager
    def marking(self, markers: dict[str, str]) -> Iterator[None]:
        """Within the block, the first commit also records ``markers`` (what caused it is
        handled), in the same transaction: a crash leaves either both or neither. Markers of an
        order that committed nothing are recorded at the end; none when the order failed."""
        self._markers = dict(markers)
        try:
            yield
        except BaseException:
            self._markers = {}
            raise
        left, self._markers = self._markers, {}
        if left:
            self.store.markers.remember_many(left)

    @contextlib.contextmanager
    def withholding(self, *, everything: bool = False) -> Iterator[None]:
        """Within the block, an order the lifecycle refuses (with ``everything``: any order, a
        dry run) is not committed — no note, no tag, no log row, no audit entry — and raises
        :class:`Withheld` with what it would have done. For orders given at a terminal, where
        the answer is printed instead."""
        self._withhold = everything
        try:
            yield
        finally:
            self._withhold = None

    def _take_markers(self) -> dict[str, str]:
        markers, self._markers = self._markers, {}
        return markers

    def handle(
        self, deployment: Deployment, event: Event, details: dict[str, Any] | None = None
    ) -> Deployment:
        """Apply an event and commit the new state with its effects (one transaction)."""
        now = self.clock()
        outcome = transition(deployment, event, now, self.config, self.renderer)
        new, effects = outcome.deployment, outcome.effects
        name = EVENT_NAMES[type(event)]
        if self._withhold is not None and (outcome.refusal or self._withhold):
            raise Withheld(deployment, outcome, name)
        details = dict(details or {})
        if outcome.refusal:
            details["refused"] = list(outcome.refusal)
        self.store.commit(
            Change(
                deployment=new,
                effects=effects,
                now=now,
                source=event.origin.source,
                actor=event.origin.actor,
                event=name,
                old_state=deployment.state,
                details=details,
                seen_markers=self._take_markers(),
            )
        )
        changed = f"{deployment.state.value}->{new.state.value}"
        log.info(
            "event=%s deployment=%s state=%s source=%s actor=%s effects=%d",
            name,
            new.id,
            changed,
            event.origin.source,
            event.origin.actor,
            len(effects),
        )
        self.observer(f"{new.id}: {name} ({event.origin.source}) {changed}")
        return new

    def reply(self, reply: Reply, *, settles: bool = True) -> None:
        """Commit an answer that changes no deployment: its audit entry and its effects.

        ``settles``: the answer is what its cause asked for (so the cause is marked handled);
        an interim answer (still waiting on GitLab) leaves the cause pending.
        """
        self.store.commit(
            Change(
                scope=reply.scope,
                effects=reply.effects,
                now=self.clock(),
                source=reply.origin.source,
                actor=reply.origin.actor,
                event=reply.event,
                details={"lines": list(reply.details)},
                seen_markers=self._take_markers() if settles else None,
            )
        )
        self.observer(f"{reply.scope}: {reply.event} {'; '.join(reply.details)}".rstrip())
