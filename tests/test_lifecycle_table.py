"""The lifecycle's transition table says what the handlers do, both ways: every row happens (the
order carried out: nothing refused or ignored, and a note saying what it did), and no order
changes a deployment's state in a way the table does not list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from datetime import datetime, timedelta
from typing import get_args

from bot.config.loading import load_config
from bot.domain.calendar.rules import Slot
from bot.domain.effects import PostNote
from bot.domain.events import (
    CancelRequested,
    CheckRequested,
    DelayDue,
    DelayRequested,
    DoneRequested,
    Event,
    Origin,
    OverdueDue,
    Requested,
    RollbackRequested,
    ScheduleRequested,
    SlotChosen,
    StartRequested,
)
from bot.domain.lifecycle import transition
from bot.domain.lifecycle.transitions import TRANSITIONS, mermaid_diagram
from bot.domain.model import PENDING, RUNNING, State
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.rendering import Renderer
from bot.resources import example_config_path
from tests.factories import at, component_facts, make_deployment, make_facts

CONFIG = load_config(example_config_path())
TAG = Origin("tag", "marta", 1)
LINK = Origin("booking", "Núria Puig", 1)
TIMER = Origin("timer", "deploybot")
SLOT = at("2026-12-01 09:30")
NOW = at("2026-11-26 10:00")
READY = check_prerequisites(make_facts(), CONFIG)
FAILING = check_prerequisites(
    make_facts(components=(component_facts(latest_version="3.2.12"),)), CONFIG
)
Variant = tuple[Callable[[], Event], datetime]


def _request(ready: bool) -> Event:
    d = make_deployment()
    slots = (Slot(SLOT, SLOT + timedelta(minutes=15)),)
    return Requested(TAG, READY if ready else FAILING, d.tickets, d.components, "PRO", slots)


# Each kind of order in the ways it can be given: plainly, and where it matters forced or with
# a report that fails.
VARIANTS: dict[type[Event], list[Variant]] = {
    Requested: [(lambda: _request(True), NOW), (lambda: _request(False), NOW)],
    ScheduleRequested: [
        (lambda: ScheduleRequested(TAG, SLOT, report=READY), NOW),
        (lambda: ScheduleRequested(TAG, SLOT, report=FAILING, force="customer asked"), NOW),
        (lambda: ScheduleRequested(LINK, SLOT, comment="after 9, please"), NOW),
    ],
    SlotChosen: [(lambda: SlotChosen(LINK, SLOT, "after 9, please"), NOW)],
    StartRequested: [(lambda: StartRequested(TAG, READY), SLOT)],
    DelayRequested: [(lambda: DelayRequested(TAG, timedelta(minutes=30)), SLOT)],
    DelayDue: [(lambda: DelayDue(TIMER), SLOT + timedelta(minutes=30))],
    DoneRequested: [(lambda: DoneRequested(TAG), SLOT + timedelta(minutes=21))],
    RollbackRequested: [(lambda: RollbackRequested(TAG, "login loop"), SLOT)],
    CancelRequested: [(lambda: CancelRequested(TAG, "freeze"), NOW)],
    CheckRequested: [
        (lambda: CheckRequested(TIMER, READY, reminder=True), SLOT - timedelta(hours=20)),
        (lambda: CheckRequested(TAG, READY), NOW),
    ],
    OverdueDue: [(lambda: OverdueDue(TIMER), SLOT + timedelta(hours=1))],
}
# Every other kind that needs nothing but its origin, given plainly during the slot.
VARIANTS |= {
    kind: [(lambda kind=kind: kind(TAG), SLOT)]
    for kind in get_args(Event)
    if kind not in VARIANTS
    and [f.name for f in fields(kind) if f.default is MISSING and f.default_factory is MISSING]
    == ["origin"]
}


def _in(state: State):  # type: ignore[no-untyped-def]
    started = SLOT if state in RUNNING else None
    planned = None if state in PENDING else SLOT
    proposals = (SLOT,) if state is State.READY else ()
    return make_deployment(
        state=state, planned_start=planned, actual_start=started, proposals=proposals
    )


def _observed(carried_out: bool) -> set[tuple[State, type[Event], State]]:
    """Each order in each state and the state it leads to; with ``carried_out`` only the orders
    the handler carried out (nothing refused or ignored, a note saying what it did)."""
    seen = set()
    for state in State:
        for kind, variants in VARIANTS.items():
            for event, now in variants:
                outcome = transition(_in(state), event(), now, CONFIG, Renderer())
                noted = any(isinstance(e, PostNote) for e in outcome.effects)
                if not carried_out or (noted and not outcome.refusal):
                    seen.add((state, kind, outcome.deployment.state))
    return seen


def test_every_state_change_the_handlers_make_is_in_the_table() -> None:
    table = {(row.source, row.event, row.target) for row in TRANSITIONS}
    changes = {(s, kind, t) for s, kind, t in _observed(carried_out=False) if s is not t}
    assert changes - table == set()


def test_every_row_of_the_table_happens() -> None:
    table = {(row.source, row.event, row.target) for row in TRANSITIONS}
    assert table - _observed(carried_out=True) == set()


def test_the_table_names_every_order_that_acts_on_a_booking() -> None:
    rows = {(row.source, row.event, row.target): row.trigger for row in TRANSITIONS}
    assert "deploy-accept" in rows[State.READY, ScheduleRequested, State.SCHEDULED]
    assert "booking link" in rows[State.READY, ScheduleRequested, State.SCHEDULED]
    assert "booking link" in rows[State.READY, SlotChosen, State.READY]
    assert "reminder" in rows[State.SCHEDULED, CheckRequested, State.SCHEDULED]
    assert "overdue" in rows[State.SCHEDULED, OverdueDue, State.SCHEDULED]


def test_the_diagram_draws_every_state_and_ends_in_the_ended_ones() -> None:
    diagram = mermaid_diagram()
    assert diagram.startswith("stateDiagram-v2\n    [*] --> requested\n")
    for state in State:
        assert f"--> {state.value}" in diagram
    for ended in ("completed", "rolled_back", "cancelled"):
        assert f"    {ended} --> [*]" in diagram
    assert "    scheduled --> in_progress: deploy-start" in diagram
