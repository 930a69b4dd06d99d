"""Transitions of a deployment under way: the guarded start, delays, the end and the rollback."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.calendar.rules import day_reasons, rules_for
from bot.domain.events import (
    DelayDue,
    DelayRequested,
    DoneRequested,
    RollbackRequested,
    StartRequested,
)
from bot.domain.lifecycle import verifying
from bot.domain.lifecycle.builder import (
    Builder,
    delay_due_at,
    ignored,
    say_op,
    status_tag,
)
from bot.domain.lifecycle.reminders import disarm_booking_timers
from bot.domain.model import RUNNING, Deployment, State
from bot.domain.problems import Problem
from bot.domain.rendering import note_language
from bot.domain.step3 import verified_sentence


def on_start(b: Builder, event: StartRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state is not State.SCHEDULED:
        ignored(b, event, "already_started" if d.state in RUNNING else "not_scheduled")
        b.tags(status_tag(b.config, d.state), consumed=[tags.start])
        return
    problems = start_problems(b, d)
    report = event.report
    if report is not None and not report.ready:
        problems.extend(f"{c.code}: {c.message}" for c in report.failed)
    down = verifying.preflight_problems(b, event)
    problems.extend(down)
    if problems and not event.force:
        choices = "step3_start_choices" if down and len(down) == len(problems) else None
        message = say_op(b, choices or "start_fix_or_force")
        b.status("start_refused", details=problems, message=message)
        b.tags(tags.scheduled, consumed=[tags.start])
        return
    d = verifying.remember_start(event, d)
    notes = d.notes
    forced = event.force and problems
    if forced:
        note = Problem.of("note_started_forced", problems="; ".join(problems), reason=event.force)
        notes = (*notes, note)
    b.deployment = replace(
        d, state=State.IN_PROGRESS, actual_start=b.now, performed_by=event.origin.actor, notes=notes
    )
    b.email("start")
    if forced:
        b.status("started", message=notes[-1].text(note_language(b.config)))
    live = verifying.preflight_lines(b, event)
    b.note(b.renderer.deployment_note("checklist", b.deployment, b.config, now=b.now,
                                      live_checks=live))  # fmt: skip
    b.log()
    b.timer("delay", delay_due_at(b.config, b.now, d.duration))
    disarm_booking_timers(b)
    b.tags(tags.in_progress, consumed=[tags.start, tags.overdue])


def start_problems(b: Builder, d: Deployment) -> list[str]:
    """Why starting now is refused: outside the booked slot (from ``workflow.start_early``
    before its start to its end), or on a day the slot rules refuse (unless the booking itself
    was forced onto that day)."""
    start, end = d.planned_start, d.planned_end
    if start is None or end is None:
        return []
    tz = b.config.provider.tz
    earliest = start - b.config.workflow.start_early
    problems = []
    inside = earliest <= b.now <= end
    if not inside:
        slot = f"{start.astimezone(tz):%d/%m/%Y %H:%M}–{end.astimezone(tz):%H:%M}"
        text = say_op(
            b, "start_outside_slot", slot=slot, earliest=f"{earliest.astimezone(tz):%H:%M}"
        )
        problems.append(text)
    if not (inside and d.forced):
        rules = rules_for(b.config, b.config.customer(d.customer))
        problems.extend(r.text for r in day_reasons(rules, b.now.astimezone(tz).date()))
    return problems


def send_delay(b: Builder, expected_end: datetime | None) -> None:
    d = b.deployment
    b.deployment = replace(d, state=State.DELAYED, delays=d.delays + 1)
    end_text = (
        expected_end.astimezone(b.config.provider.tz).strftime("%H:%M") if expected_end else ""
    )
    b.email("delay", expected_end_time=end_text)
    b.log()
    b.status("delayed")
    b.tags(b.config.zammad.tags.delayed, consumed=[b.config.zammad.tags.delay])


def on_delay(b: Builder, event: DelayRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state not in RUNNING:
        ignored(b, event, "not_running")
        b.tags(status_tag(b.config, d.state), consumed=[tags.delay])
        return
    start = d.actual_start or b.now
    if event.extension is None:
        if d.state is State.DELAYED:
            ignored(b, event, "already_delayed")
            b.tags(tags.delayed, consumed=[tags.delay])
            return
        send_delay(b, None)
        return
    b.deployment = replace(
        d, duration=d.duration + event.extension, extended=d.extended + event.extension
    )
    expected_end = start + b.deployment.duration
    b.timer("delay", delay_due_at(b.config, start, b.deployment.duration))
    send_delay(b, expected_end)


def on_delay_due(b: Builder, event: DelayDue) -> None:
    b.timer("delay", None)
    if b.deployment.state not in RUNNING:
        return  # a timer of a deployment that ended meanwhile: nothing to say
    send_delay(b, None)


def on_done(b: Builder, event: DoneRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state not in RUNNING:
        ignored(b, event, "not_started" if d.state is State.SCHEDULED else "not_running")
        b.tags(status_tag(b.config, d.state), consumed=[tags.done])
        return
    if verifying.held(b, event):
        return
    d = verifying.closing(b, event, d)
    b.deployment = replace(
        d,
        state=State.COMPLETED,
        actual_end=b.now,
        calendar_sequence=d.calendar_sequence + 1,
        performed_by=d.performed_by or event.origin.actor,
    )
    b.email("end")
    html = b.renderer.completion_comment(b.deployment, b.config, now=b.now)
    for ticket in b.deployment.tickets:
        if ticket.id is not None:
            b.comment(ticket.id, html)
    b.log()
    b.calendar()
    b.timer("delay", None)
    checked = verified_sentence(b.deployment.verified, note_language(b.config))
    details = [checked] if checked else []
    b.status("completed", details=[*details, *verifying.unread_lines(b, event)])
    b.tags(tags.deployed, consumed=[tags.done, tags.delay, tags.start])


def on_rollback(b: Builder, event: RollbackRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state not in RUNNING:
        ignored(b, event, "not_running")
        b.tags(status_tag(b.config, d.state), consumed=[tags.rollback])
        return
    reason = event.reason or "-"
    back = [
        f"{c.name} {c.version}" + (f" → {c.rollback_version}" if c.rollback_version else "")
        for c in d.components
    ]
    note = Problem.of("note_rolled_back_to", what=", ".join(back), reason=reason)
    b.deployment = replace(
        d,
        state=State.ROLLED_BACK,
        actual_end=b.now,
        calendar_sequence=d.calendar_sequence + 1,
        notes=(*d.notes, note if back else Problem.of("note_rolled_back", reason=reason)),
    )
    b.email("rollback")
    b.log()
    b.calendar()
    b.timer("delay", None)
    b.status("rolled_back", message=event.reason)
    b.tags(tags.rolled_back, consumed=[tags.rollback, tags.delay, tags.done, tags.start])
