"""A customer's choice waiting for the team (``confirm`` mode): the reminder after
``booking.accept_within`` of working time, and the lapse after ``booking.choice_expires``
working days — the slot is freed and the customer gets fresh proposals and a new link."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.calendar.rules import rules_for
from bot.domain.calendar.working import WorkingTime
from bot.domain.effects import TimerKind
from bot.domain.events import ChoiceLapsed, ChoiceReminderDue
from bot.domain.lifecycle.builder import Builder, say_op
from bot.domain.model import Deployment, State
from bot.domain.rendering import moment_words, note_language
from bot.domain.waiting import accept_how, since_words, slot_words

REMINDER: TimerKind = "choice-reminder"
LAPSE: TimerKind = "choice-lapse"


def arm_choice_timers(b: Builder) -> None:
    """Arm the reminder and the lapse of the choice just kept."""
    config = b.config
    settings = config.customer(b.deployment.customer).booking
    side = rules_for(config, config.customer(b.deployment.customer)).provider
    hours = config.provider.office_hours
    working = WorkingTime(side, config.provider.tz, hours.start, hours.end)
    b.timer(REMINDER, working.after_hours(b.now, settings.accept_within))
    b.timer(LAPSE, working.after_days(b.now, settings.choice_expires))


def disarm_choice_timers(b: Builder, before: Deployment) -> None:
    """The choice was booked, cancelled or lapsed: nothing more to say of it."""
    if before.chosen is not None:
        b.timer(REMINDER, None)
        b.timer(LAPSE, None)


def _still_waiting(d: Deployment) -> bool:
    return d.state is State.READY and d.chosen is not None


def on_choice_reminder(b: Builder, event: ChoiceReminderDue) -> None:
    """The choice still waits: a note tells the team how to accept it."""
    b.timer(REMINDER, None)
    d = b.deployment
    if not _still_waiting(d) or d.chosen is None:
        return
    language, tz = note_language(b.config), b.config.provider.tz
    message = say_op(b, "waiting_reminder", slot=slot_words(d.chosen.start, language, tz),
                     since=since_words(d.chosen.at, b.now, tz),
                     how=accept_how(d, b.config))  # fmt: skip
    b.status("choice_reminder", message=message)


def on_choice_lapsed(b: Builder, event: ChoiceLapsed) -> None:
    """The choice lapses: the slot is free again, the team is told, and the customer — in
    their language — gets the slots free now with a new link."""
    d = b.deployment
    if not _still_waiting(d) or d.chosen is None:
        disarm_choice_timers(b, d)
        return
    # Imported here: booking arms these timers, so it imports this module first.
    from bot.domain.lifecycle.booking import booking_link, offer_slots

    language, tz = note_language(b.config), b.config.provider.tz
    chosen = d.chosen
    starts = tuple(slot.start for slot in event.proposals)
    b.deployment = replace(d, chosen=None, proposals=starts or d.proposals,
                           proposal_round=d.proposal_round + 1)  # fmt: skip
    disarm_choice_timers(b, d)
    message = say_op(b, "waiting_lapsed", slot=slot_words(chosen.start, language, tz),
                     since=since_words(chosen.at, b.now, tz))  # fmt: skip
    b.status("choice_lapsed", message=message)
    tags = b.config.zammad.tags
    b.tags(tags.ready, consumed=[tags.chosen, tags.accept])
    link = booking_link(b, event.links)
    if link and event.proposals:
        customer_language = b.config.customer(d.customer).language
        lapsed = moment_words(chosen.start, b.config, customer_language)
        offer_slots(b, event.proposals, link, lapsed=lapsed)
