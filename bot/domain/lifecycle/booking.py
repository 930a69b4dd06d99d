"""Transitions before a deployment starts: the request and its re-checks, booking a slot,
cancelling, and the details a person adds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from bot.domain.booking_link import BookingLinks, claim_for
from bot.domain.calendar.rules import Booking, Slot, rules_for
from bot.domain.calendar.timing import slot_reasons
from bot.domain.events import (
    CancelRequested,
    DetailsChanged,
    Requested,
    ScheduleRequested,
    SlotChosen,
)
from bot.domain.lifecycle.builder import Builder, ignored, say_op, status_tag
from bot.domain.lifecycle.choosing import arm_choice_timers, disarm_choice_timers
from bot.domain.lifecycle.reminders import arm_booking_timers, disarm_booking_timers
from bot.domain.model import BOOKED, PENDING, Choice, State
from bot.domain.prerequisites.result import Report
from bot.domain.problems import Problem
from bot.domain.rendering import moment_words, note_language, plain_text_html
from bot.domain.request_plan import request_duration


def on_requested(b: Builder, event: Requested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state not in (*PENDING,):
        ignored(b, event, "not_pending")
        b.tags(None, consumed=[tags.request])
        return
    known = {t.number for t in d.tickets}
    tickets = d.tickets + tuple(t for t in event.tickets if t.number not in known)
    customer = b.config.customer(d.customer)
    ready = event.report.ready
    starts = tuple(slot.start for slot in event.proposals) if ready else ()
    issued = bool(starts) and starts != d.proposals
    b.deployment = replace(
        d,
        state=State.READY if ready else State.BLOCKED,
        tickets=tickets,
        components=event.components,
        environment=event.environment,
        duration=request_duration(d, customer),
        proposals=starts,
        proposal_round=d.proposal_round + 1 if issued else d.proposal_round,
        awaiting_gitlab=event.gitlab_unanswered,
        rollback_guide=event.rollback_guide,
    )
    b.note(b.renderer.prerequisites_note(event.report, b.config))
    b.tags(tags.ready if ready else tags.blocked, consumed=[tags.request])
    if ready and event.proposals:
        link = booking_link(b, event.links)
        b.note(b.renderer.proposals_note(b.deployment, b.config, event.proposals, now=b.now,
                                         link=link))  # fmt: skip
        if issued and link:
            offer_slots(b, event.proposals, link)


def booking_link(b: Builder, links: BookingLinks | None) -> str:
    """The customer's booking link for the current proposals ("" when the customer books no
    slot of its own, or links cannot be made here)."""
    settings = b.config.customer(b.deployment.customer).booking
    if links is None or settings.self_service == "off":
        return ""
    return links.url(claim_for(b.deployment, b.now, settings.link_days))


def offer_slots(b: Builder, slots: Sequence[Slot], link: str, lapsed: str = "") -> None:
    """The proposals as the customer receives them, with the link: a public comment on the
    request's first ticket (every issue on the same one, wherever the re-check came from), or an
    email when the request came by email only (``lapsed``: the slot of a choice that lapsed,
    in the customer's words, said first)."""
    home = b.deployment.first_ticket_id
    if home is not None:
        text = b.renderer.proposals_draft(b.deployment, b.config, slots, now=b.now, link=link,
                                          lapsed=lapsed)  # fmt: skip
        b.comment(home, plain_text_html(text))
    else:  # the email renders the same draft itself
        b.email("proposals", link=link, lapsed=lapsed)


def _slot_problems(
    b: Builder,
    start: datetime,
    duration: timedelta,
    bookings: Sequence[Booking],
    report: Report | None = None,
) -> list[str]:
    """Why the slot asked for cannot be booked: calendar rules, other bookings, too far ahead,
    prerequisites that fail."""
    d = b.deployment
    rules = rules_for(b.config, b.config.customer(d.customer))
    others = tuple(booking for booking in bookings if booking.id != d.id)
    end = start + duration
    problems = [r.text for r in slot_reasons(rules, start, end, now=b.now, bookings=others)]
    limit = b.config.workflow.max_days_ahead
    if start > b.now + timedelta(days=limit):
        problems.append(say_op(b, "too_far_ahead", days=limit))
    if report is not None and not report.ready:
        problems.extend(f"{c.code}: {c.message}" for c in report.failed)
    return problems


#: The states a slot can be booked (or moved) in.
SCHEDULABLE = (State.READY, State.BLOCKED, State.SCHEDULED)

#: What booking a slot comes to, given its problems and the force: ``clear`` (no problem),
#: ``refused`` (problems, no force), ``forced`` (problems, a new force: noted) or ``kept`` (the
#: booking moves under the force it was booked with).
Verdict = Literal["clear", "refused", "forced", "kept"]


def schedule_verdict(problems: Sequence[str], force: str, forced_before: str) -> Verdict:
    """What the slot's problems come to with ``force`` (the one asked for now, or the one the
    booking keeps) — see :data:`Verdict`."""
    if not problems:
        return "clear"
    if not force:
        return "refused"
    return "kept" if force == forced_before else "forced"


def on_schedule(b: Builder, event: ScheduleRequested) -> None:
    """Book (or move) the slot. A force given once for the booking is kept when it moves, and
    noted once."""
    d = b.deployment
    if d.state not in SCHEDULABLE:
        ignored(b, event, "awaiting_report" if d.state is State.REQUESTED else "not_schedulable")
        _leave_slot_tags(b, d.state)
        return
    duration = event.duration or d.duration
    problems = _slot_problems(b, event.start, duration, event.bookings, event.report)
    rescheduling = d.state is State.SCHEDULED
    force = event.force or (d.forced if rescheduling else "")
    verdict = schedule_verdict(problems, force, d.forced)
    if verdict == "refused":
        b.status("refused", details=problems, message=say_op(b, "refused_fix_or_force"))
        _leave_slot_tags(b, d.state)
        return
    note = _forced_note(verdict, problems, force)
    _book(b, event, duration, d.forced if verdict == "clear" else force, note)
    b.status("scheduled", details=_booked_details(b, verdict, note, problems, force, event))
    tags = b.config.zammad.tags
    b.tags(tags.scheduled, consumed=[*tags.slots, tags.overdue, tags.accept, tags.chosen])


def _leave_slot_tags(b: Builder, state: State) -> None:
    """A booking not made: the slot tags come off, the status tag stays the state's."""
    tags = b.config.zammad.tags
    b.tags(status_tag(b.config, state), consumed=[*tags.slots, tags.accept])


def _forced_note(verdict: Verdict, problems: Sequence[str], force: str) -> Problem | None:
    """The note a new force leaves on the deployment (None: nothing forced anew)."""
    if verdict != "forced":
        return None
    return Problem.of("note_forced", problems="; ".join(problems), reason=force)


def _booked_details(
    b: Builder,
    verdict: Verdict,
    note: Problem | None,
    problems: Sequence[str],
    force: str,
    event: ScheduleRequested,
) -> list[str]:
    """What the status note of a booking says besides: the force noted anew, or kept as the
    booking moved; what the customer wrote, booking through the link."""
    details = [note.text(note_language(b.config))] if note is not None else []
    if verdict == "kept":
        details.append(say_op(b, "force_kept", problems="; ".join(problems), reason=force))
    if event.comment:
        details.append(say_op(b, "customer_comment", text=event.comment))
    return details


def _book(
    b: Builder, event: ScheduleRequested, duration: timedelta, force: str, note: Problem | None
) -> None:
    """Hold the slot: the deployment scheduled under ``force`` (a move counted, ``note`` kept),
    its log row, calendar event, emails and timers."""
    d = b.deployment
    rescheduling = d.state is State.SCHEDULED
    b.deployment = replace(
        d,
        state=State.SCHEDULED,
        planned_start=event.start,
        duration=duration,
        calendar_sequence=d.calendar_sequence + 1 if rescheduling else d.calendar_sequence,
        notes=(*d.notes, note) if note is not None else d.notes,
        forced=force,
        proposals=(),
        chosen=None,
        reschedules=d.reschedules + 1 if rescheduling else d.reschedules,
    )
    b.log()
    b.calendar()
    moved = d.planned_start if rescheduling and d.planned_start != event.start else None
    customer_language = b.config.customer(d.customer).language
    b.email("schedule", moved_from=moment_words(moved, b.config, customer_language))
    b.email("invitation", moved_from=moment_words(moved, b.config, note_language(b.config)))
    arm_booking_timers(b)
    disarm_choice_timers(b, d)


def on_chosen(b: Builder, event: SlotChosen) -> None:
    """A customer chose a slot through the link (``confirm`` mode): it is kept for the team to
    accept with one tag, and the customer is told it was received. A slot the rules refuse now
    is refused with why, and nothing is kept."""
    d = b.deployment
    if d.state is not State.READY or d.chosen is not None:
        ignored(b, event, "not_schedulable")
        return
    problems = _slot_problems(b, event.start, d.duration, event.bookings)
    if problems:
        b.refusal = tuple(problems)
        return
    b.deployment = replace(d, chosen=Choice(event.start, event.origin.actor, b.now, event.comment))
    language = b.config.customer(d.customer).language
    b.email("chosen", chosen=moment_words(event.start, b.config, language))
    details = [say_op(b, "customer_comment", text=event.comment)] if event.comment else []
    b.status("chosen", details=details, chosen_by=event.origin.actor,
             chosen=moment_words(event.start, b.config, note_language(b.config)),
             accept=b.config.zammad.tags.accept)  # fmt: skip
    b.mark(b.config.zammad.tags.chosen)
    arm_choice_timers(b)


def on_cancel(b: Builder, event: CancelRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if not d.is_open:
        ignored(b, event, "ended")
        b.tags(None, consumed=[tags.cancel])
        return
    was_scheduled = d.state in BOOKED
    reason = event.reason or "-"
    b.deployment = replace(
        d,
        state=State.CANCELLED,
        calendar_sequence=d.calendar_sequence + 1 if was_scheduled else d.calendar_sequence,
        notes=(*d.notes, Problem.of("note_cancelled", reason=reason)),
    )
    if was_scheduled:
        b.calendar()
        b.log()
        b.email("cancel")
        b.email("invitation")
    b.timer("delay", None)
    disarm_booking_timers(b)
    disarm_choice_timers(b, d)
    b.status("cancelled", message=event.reason)
    b.tags(None, consumed=[tags.cancel, *tags.slots, tags.overdue, tags.accept, tags.chosen])


def on_details(b: Builder, event: DetailsChanged) -> None:
    d = b.deployment
    if not d.is_open:
        ignored(b, event, "ended")
        return
    lines = []
    if event.restarts is not None:
        d = replace(d, restarts=event.restarts)
        lines.append(say_op(b, "detail_restart", text=event.restarts))
    if event.rollback_plan is not None:
        d = replace(d, rollback_plan=event.rollback_plan)
        lines.append(say_op(b, "detail_rollback_plan", text=event.rollback_plan))
    b.deployment = d
    b.status("updated", details=lines)
