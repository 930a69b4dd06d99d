"""The deployment lifecycle: ``apply(deployment, event, now, config) -> (deployment, effects)``.

Pure: everything the decision needs (the prerequisite report, other bookings, the proposals)
travels in the event, and the result is the new deployment plus effects as data. An event that
is not valid in the current state changes nothing but the revision and yields a note saying
why and what to do instead. DESIGN.md, "The deployment lifecycle", is the specification.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import assert_never

from bot.config.models import Config
from bot.domain.effects import Effect
from bot.domain.events import (
    CancelRequested,
    CheckRequested,
    ChoiceLapsed,
    ChoiceReminderDue,
    DelayDue,
    DelayRequested,
    DetailsChanged,
    DoneRequested,
    Event,
    OverdueDue,
    Requested,
    RollbackRequested,
    ScheduleRequested,
    SlotChosen,
    StartRequested,
    VerifyRequested,
)
from bot.domain.lifecycle import booking, choosing, reminders, running, verifying
from bot.domain.lifecycle.builder import Builder, new_deployment
from bot.domain.model import PENDING, RUNNING, Deployment
from bot.domain.rendering import Renderer

__all__ = ["PENDING", "RUNNING", "Outcome", "apply", "new_deployment", "transition"]


@dataclass(frozen=True)
class Outcome:
    """What an event did: the new deployment, the effects in order, and — when the order was
    not carried out — why, in the operator's words."""

    deployment: Deployment
    effects: list[Effect]
    refusal: tuple[str, ...] = ()


def transition(
    deployment: Deployment,
    event: Event,
    now: datetime,
    config: Config,
    renderer: Renderer | None = None,
) -> Outcome:
    """The outcome of ``event`` at ``now`` for ``deployment``."""
    deployment = replace(deployment, revision=deployment.revision + 1)
    b = Builder(deployment, config, renderer or Renderer.for_config(config), now, event.origin)
    _dispatch(b, event)
    return Outcome(b.deployment, b.effects, b.refusal)


def apply(
    deployment: Deployment,
    event: Event,
    now: datetime,
    config: Config,
    renderer: Renderer | None = None,
) -> tuple[Deployment, list[Effect]]:
    """The deployment after ``event`` at ``now`` and the effects to carry out, in order."""
    outcome = transition(deployment, event, now, config, renderer)
    return outcome.deployment, outcome.effects


def _dispatch(b: Builder, event: Event) -> None:
    """The one handler of each kind of event; a kind without one is a type error."""
    match event:
        case Requested():
            booking.on_requested(b, event)
        case ScheduleRequested():
            booking.on_schedule(b, event)
        case StartRequested():
            running.on_start(b, event)
        case DelayRequested():
            running.on_delay(b, event)
        case DelayDue():
            running.on_delay_due(b, event)
        case DoneRequested():
            running.on_done(b, event)
        case RollbackRequested():
            running.on_rollback(b, event)
        case CancelRequested():
            booking.on_cancel(b, event)
        case DetailsChanged():
            booking.on_details(b, event)
        case CheckRequested():
            reminders.on_check(b, event)
        case OverdueDue():
            reminders.on_overdue(b, event)
        case VerifyRequested():
            verifying.on_verify(b, event)
        case SlotChosen():
            booking.on_chosen(b, event)
        case ChoiceReminderDue():
            choosing.on_choice_reminder(b, event)
        case ChoiceLapsed():
            choosing.on_choice_lapsed(b, event)
        case _:
            assert_never(event)
