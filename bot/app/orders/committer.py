"""Committing what the domain decided: a transition with its effects, or an answer that changes
no deployment — each in one transaction with the markers of what caused it.

Every order, whoever gave it (a tag, a note, GitLab, the command line, a timer, a booking page),
ends here, so a crash leaves either the decision and its cause's marker both recorded or neither.

Here too the decision lock is taken — per decision, only to check that what the decision rests on
is still as read and to commit: the outside systems were read before, and the lifecycle (which
renders the notes and emails) ran before, all without it. A decision whose deployment another
decision changed since it was read (its revision moved) is never committed over the newer state:
:class:`StaleRead` sends it back to be taken again, its facts gathered again; one whose slots
held changed (a booking meanwhile) is decided again on them (:meth:`Committer.decide`).
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from bot.app.store import Change, DecisionLock, LockBusyError, Store
from bot.config.models import Config
from bot.domain.calendar.rules import Booking
from bot.domain.events import EVENT_NAMES, Event
from bot.domain.lifecycle import Outcome, transition
from bot.domain.model import Deployment
from bot.domain.rendering import Renderer
from bot.domain.routing import Reply

log = logging.getLogger("deploybot")

#: The slots held (booked, running, chosen and awaiting the team) that a decision rests on.
Slots = tuple[Booking, ...]
#: How many times a decision is taken in all when other decisions keep changing what it read.
TRIES = 3


class Withheld(Exception):
    """An order that was decided but not committed (:meth:`Committer.withholding`): refused,
    or a dry run — what it would have done travels with it."""

    def __init__(self, before: Deployment, outcome: Outcome, event: str) -> None:
        super().__init__(f"{before.id}: {event} not committed")
        self.before = before
        self.outcome = outcome
        self.event = event


class StaleRead(LockBusyError):
    """A decision read a deployment that another decision changed since: nothing was committed,
    it is taken again on the deployment as it stands (``current``), its facts gathered again.

    A :class:`LockBusyError` to whoever does not take it again (a cycle's step, a booking
    page): nothing was decided, it is tried again later."""

    def __init__(self, read: Deployment, current: Deployment | None) -> None:
        now = f"revision {current.revision}" if current is not None else "not stored"
        super().__init__(0.0, f"{read.id} changed since it was read (revision {read.revision}, "
                              f"now {now}): decided again")  # fmt: skip
        self.read = read
        self.current = current


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
        lock: DecisionLock | None = None,
    ) -> None:
        self.config = config
        #: Held per decision, while it re-reads the store, decides and commits.
        self.lock = lock or store.decision_lock()
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.observer = observer
        self._withhold: bool | None = None  # None: commit; False: not refusals; True: nothing
        #: The markers of the cause this committer commits for (:meth:`caused_by`), until a
        #: commit takes them.
        self._markers: dict[str, str] = {}

    def caused_by(self, markers: Mapping[str, str]) -> Committer:
        """A committer for one cause's orders: its first commit also records ``markers`` (what
        caused it is handled), in the same transaction, so a crash leaves either both or
        neither; :meth:`settle` records them when no commit did. This committer stays as it is:
        a booking committed meanwhile (while a cycle's order waits on its live checks, the
        decision lock given up) carries none of that cause's markers."""
        caused = copy.copy(self)
        caused._markers = dict(markers)
        return caused

    def settle(self) -> None:
        """Record the markers no commit took: the cause's orders were carried out and
        committed nothing (not called when they failed: their cause is then not handled)."""
        self.store.markers.remember_many(self._take_markers())

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
        """Apply an event to the deployment as read and commit the new state with its effects
        (one transaction); :class:`StaleRead` (nothing committed) when the deployment changed
        since it was read."""
        new = self._commit(deployment, event, details, held=None)
        assert new is not None  # only a decision on the slots held finds them changed
        return new

    def decide(
        self,
        deployment: Deployment,
        event_of: Callable[[Slots], Event],
        details: dict[str, Any] | None = None,
    ) -> Deployment:
        """Like :meth:`handle`, for an event that rests on the slots held (a slot booked or
        chosen, proposals): ``event_of`` builds it on the slots held as read; should they change
        before the commit, it is built and decided again on them (the last time holding the
        lock throughout, so that it ends)."""
        for _ in range(TRIES - 1):
            held = self.store.deployments.held()
            new = self._commit(deployment, event_of(held), details, held=held)
            if new is not None:
                return new
        with self.lock.holding():
            new = self._commit(
                deployment, event_of(self.store.deployments.held()), details, held=None
            )
        assert new is not None
        return new

    def _commit(
        self,
        read: Deployment,
        event: Event,
        details: dict[str, Any] | None,
        *,
        held: Slots | None,
    ) -> Deployment | None:
        """Decide without the lock (the lifecycle renders its notes and emails), then take it to
        check the deployment (and ``held``, the slots the event rests on) are still as read and
        commit; None, nothing committed, when the slots changed meanwhile."""
        name, now = EVENT_NAMES[type(event)], self.clock()
        outcome = transition(read, event, now, self.config, self.renderer)
        new = outcome.deployment
        if self._withhold is not None and (outcome.refusal or self._withhold):
            raise Withheld(read, outcome, name)
        details = dict(details or {})
        if outcome.refusal:
            details["refused"] = list(outcome.refusal)
        with self.lock.holding():
            stored = self.store.deployments.get(read.id)
            if (stored.revision if stored is not None else 0) != read.revision:
                raise StaleRead(read, stored)  # one not yet stored is read at revision 0
            if held is not None and self.store.deployments.held() != held:
                return None
            self.store.commit(
                Change(
                    deployment=new,
                    effects=outcome.effects,
                    now=now,
                    source=event.origin.source,
                    actor=event.origin.actor,
                    event=name,
                    old_state=read.state,
                    details=details,
                    seen_markers=self._take_markers(),
                )
            )
        changed = f"{read.state.value}->{new.state.value}"
        origin = event.origin
        log.info("event=%s deployment=%s state=%s source=%s actor=%s effects=%d", name, new.id,
                 changed, origin.source, origin.actor, len(outcome.effects))  # fmt: skip
        self.observer(f"{new.id}: {name} ({event.origin.source}) {changed}")
        return new

    def reply(self, reply: Reply, *, settles: bool = True) -> None:
        """Commit an answer that changes no deployment: its audit entry and its effects (without
        the decision lock: it books nothing, and its effects are keyed, queued once).

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
