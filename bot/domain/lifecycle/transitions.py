"""The lifecycle's transition table: which order moves a deployment from which state to which.

The handlers decide; this table says what they do, for people (the documentation's lifecycle
diagram is drawn from it) and for the tests, which hold the handlers to it both ways: every row
happens, and no state change happens that is not a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.events import (
    CancelRequested,
    CheckRequested,
    DelayDue,
    DelayRequested,
    DoneRequested,
    Event,
    OverdueDue,
    Requested,
    RollbackRequested,
    ScheduleRequested,
    SlotChosen,
    StartRequested,
)
from bot.domain.model import ENDED, RUNNING, State


@dataclass(frozen=True)
class Transition:
    """``event`` moves a deployment in ``source`` to ``target``; ``trigger`` says how a person
    (or a timer) gives that order."""

    source: State
    event: type[Event]
    target: State
    trigger: str


_OPEN = tuple(state for state in State if state not in ENDED)
#: The running states a delay moves to ``delayed``.
_ON_TIME = tuple(state for state in RUNNING if state is not State.DELAYED)
_REPORTED = "tag deploy (prerequisites reported)"

TRANSITIONS: tuple[Transition, ...] = (
    *(
        Transition(source, Requested, target, _REPORTED)
        for source in (State.REQUESTED, State.BLOCKED, State.READY)
        for target in (State.BLOCKED, State.READY)
    ),
    Transition(
        State.READY,
        ScheduleRequested,
        State.SCHEDULED,
        "/deploy schedule, deploy-slot-N, deploy-accept, booking link (direct)",
    ),
    Transition(
        State.READY,
        SlotChosen,
        State.READY,
        "booking link (confirm)",
    ),
    Transition(State.BLOCKED, ScheduleRequested, State.SCHEDULED, "/deploy schedule with force"),
    Transition(State.SCHEDULED, ScheduleRequested, State.SCHEDULED, "/deploy schedule (move)"),
    Transition(
        State.SCHEDULED,
        CheckRequested,
        State.SCHEDULED,
        "reminder, /deploy recheck",
    ),
    Transition(State.SCHEDULED, OverdueDue, State.SCHEDULED, "overdue timer"),
    Transition(State.SCHEDULED, StartRequested, State.IN_PROGRESS, "deploy-start"),
    *(Transition(source, DelayRequested, State.DELAYED, "deploy-delay") for source in _ON_TIME),
    *(Transition(source, DelayDue, State.DELAYED, "the delay timer") for source in _ON_TIME),
    Transition(State.DELAYED, DelayRequested, State.DELAYED, "/deploy delay 30m"),
    *(
        Transition(source, event, target, trigger)
        for source in RUNNING
        for event, target, trigger in (
            (DoneRequested, State.COMPLETED, "deploy-done"),
            (RollbackRequested, State.ROLLED_BACK, "deploy-rollback"),
        )
    ),
    *(Transition(source, CancelRequested, State.CANCELLED, "deploy-cancel") for source in _OPEN),
)


def mermaid_diagram() -> str:
    """The transition table as a Mermaid state diagram, one arrow per state pair (orders that
    lead the same way share it), ended states leading to the diagram's end."""
    arrows: dict[tuple[State, State], list[str]] = {}
    for row in TRANSITIONS:
        triggers = arrows.setdefault((row.source, row.target), [])
        if row.trigger not in triggers:
            triggers.append(row.trigger)
    lines = ["stateDiagram-v2", f"    [*] --> {State.REQUESTED.value}"]
    for (source, target), triggers in arrows.items():
        lines.append(f"    {source.value} --> {target.value}: {', '.join(triggers)}")
    ended = sorted({row.target.value for row in TRANSITIONS} - {s.value for s in _OPEN})
    lines.extend(f"    {state} --> [*]" for state in ended)
    return "\n".join(lines) + "\n"
