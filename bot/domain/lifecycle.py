"""The deployment lifecycle: ``apply(deployment, event, now, config) -> (deployment, effects)``.

Pure: everything the decision needs (the prerequisite report, other bookings, the proposals)
travels in the event, and the result is the new deployment plus effects as data. An event that
is not valid in the current state changes nothing but the revision and yields a note saying
why and what to do instead. DESIGN.md, "The deployment lifecycle", is the specification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.config.models import Config, EmailKind
from bot.domain.calendar.rules import day_reasons, rules_for, slot_reasons
from bot.domain.effects import (
    CalendarEvent,
    Effect,
    PostNote,
    PublishCalendarEvent,
    ScheduleTimer,
    SendEmail,
    SetTags,
    UpsertLogRow,
)
from bot.domain.events import (
    EVENT_NAMES,
    CancelRequested,
    DelayDue,
    DelayRequested,
    DetailsChanged,
    DoneRequested,
    Event,
    Origin,
    Requested,
    RollbackRequested,
    ScheduleRequested,
    StartRequested,
)
from bot.domain.model import Deployment, State
from bot.domain.notifications import (
    calendar_event,
    compose_email,
    log_row,
)
from bot.domain.problems import Problem
from bot.domain.rendering import Renderer, note_language
from bot.domain.texts import say

PENDING = (State.REQUESTED, State.BLOCKED, State.READY)
RUNNING = (State.IN_PROGRESS, State.DELAYED)


def new_deployment(
    deployment_id: str, customer: str, environment: str, now: datetime, *, requested_by: str = ""
) -> Deployment:
    """A fresh deployment in state ``requested``."""
    return Deployment(
        id=deployment_id,
        customer=customer,
        environment=environment,
        state=State.REQUESTED,
        requested_at=now,
        requested_by=requested_by,
    )


@dataclass
class _Builder:
    """Collects the effects of one transition, numbering their keys."""

    deployment: Deployment
    config: Config
    renderer: Renderer
    now: datetime
    origin: Origin
    effects: list[Effect] = field(default_factory=list)
    _event: tuple[Deployment, CalendarEvent] | None = None

    def key(self) -> str:
        return f"{self.deployment.id}/{self.deployment.revision}/{len(self.effects)}"

    @property
    def home_ticket(self) -> int | None:
        if self.origin.ticket_id is not None:
            return self.origin.ticket_id
        ids = [ticket.id for ticket in self.deployment.tickets if ticket.id is not None]
        return ids[0] if ids else None

    def note(self, html: str, *, ticket_id: int | None = None) -> None:
        target = ticket_id if ticket_id is not None else self.home_ticket
        if target is not None:
            self.effects.append(PostNote(self.key(), target, html))

    def status(self, event: str, **extra: object) -> None:
        self.note(
            self.renderer.deployment_note(
                "status", self.deployment, self.config, now=self.now, event=event, **extra
            )
        )

    def comment(self, ticket_id: int, html: str) -> None:
        self.effects.append(PostNote(self.key(), ticket_id, html, public=True))

    def tags(self, status: str | None, consumed: Sequence[str] = ()) -> None:
        """Set the status tag on every ticket; remove the other status tags and ``consumed``."""
        remove = [t for t in [*self.config.zammad.tags.statuses, *consumed] if t != status]
        for ticket in self.deployment.tickets:
            if ticket.id is not None:
                add = (status,) if status else ()
                self.effects.append(
                    SetTags(self.key(), ticket.id, add, tuple(dict.fromkeys(remove)))
                )

    def event(self) -> CalendarEvent:
        """The calendar event of the deployment as it is now (built once per state)."""
        if self._event is None or self._event[0] is not self.deployment:
            event = calendar_event(self.deployment, self.config, self.renderer, now=self.now)
            self._event = (self.deployment, event)
        return self._event[1]

    def email(self, kind: EmailKind, **extra: str) -> None:
        email = compose_email(
            kind,
            self.deployment,
            self.config,
            self.renderer,
            now=self.now,
            invitation=self.event() if kind == "invitation" else None,
            **extra,
        )
        if email.to:
            self.effects.append(SendEmail(self.key(), email))

    def calendar(self) -> None:
        self.effects.append(PublishCalendarEvent(self.key(), self.event()))

    def log(self) -> None:
        row = log_row(self.deployment, self.config)
        self.effects.append(UpsertLogRow(self.key(), self.deployment.customer, row))

    def timer(self, name: str, due: datetime | None) -> None:
        self.effects.append(ScheduleTimer(self.key(), name, due))


def _say(b: _Builder, key: str, **values: object) -> str:
    """A sentence for the operator's notes, the log and the audit, in the operator's language."""
    return say(note_language(b.config), key, **values)


def _ignored(b: _Builder, event: Event, case: str) -> None:
    """The note for an event that does not apply in the deployment's state."""
    d = b.deployment
    language = b.config.provider.language
    state = say(language, f"state_{d.state.value}")
    message = say(
        language,
        "ignored",
        name=EVENT_NAMES[type(event)],
        id=d.id,
        why=say(language, f"ignored_{case}", state=state),
    )
    b.status("ignored", message=message)


def apply(
    deployment: Deployment,
    event: Event,
    now: datetime,
    config: Config,
    renderer: Renderer | None = None,
) -> tuple[Deployment, list[Effect]]:
    """The deployment after ``event`` at ``now`` and the effects to carry out, in order."""
    deployment = replace(deployment, revision=deployment.revision + 1)
    b = _Builder(deployment, config, renderer or Renderer.for_config(config), now, event.origin)
    _dispatch(b, event)
    return b.deployment, b.effects


# -- handlers ----------------------------------------------------------------------------------


def _on_requested(b: _Builder, event: Requested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state not in (*PENDING,):
        _ignored(b, event, "not_pending")
        b.tags(None, consumed=[tags.request])
        return
    known = {t.number for t in d.tickets}
    tickets = d.tickets + tuple(t for t in event.tickets if t.number not in known)
    customer = b.config.customer(d.customer)
    ready = event.report.ready
    b.deployment = replace(
        d,
        state=State.READY if ready else State.BLOCKED,
        tickets=tickets,
        components=event.components,
        environment=event.environment,
        duration=d.duration if d.planned_start else customer.default_duration,
        proposals=tuple(slot.start for slot in event.proposals) if ready else (),
        awaiting_gitlab=event.gitlab_unanswered,
        rollback_guide=event.rollback_guide,
    )
    b.note(b.renderer.prerequisites_note(event.report, b.config))
    b.tags(tags.ready if ready else tags.blocked, consumed=[tags.request])
    if ready and event.proposals:
        b.note(b.renderer.proposals_note(b.deployment, b.config, event.proposals, now=b.now))


def _on_schedule(b: _Builder, event: ScheduleRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    consumed = tags.slots
    if d.state not in (State.READY, State.BLOCKED, State.SCHEDULED):
        _ignored(b, event, "awaiting_report" if d.state is State.REQUESTED else "not_schedulable")
        b.tags(_status_tag(b.config, d.state), consumed=consumed)
        return
    duration = event.duration or d.duration
    problems: list[str] = []
    customer = b.config.customer(d.customer)
    rules = rules_for(b.config, customer)
    others = tuple(booking for booking in event.bookings if booking.id != d.id)
    for reason in slot_reasons(
        rules, event.start, event.start + duration, now=b.now, bookings=others
    ):
        problems.append(reason.text)
    limit = b.config.workflow.max_days_ahead
    if event.start > b.now + timedelta(days=limit):
        problems.append(_say(b, "too_far_ahead", days=limit))
    report = event.report
    if report is not None and not report.ready:
        problems.extend(f"{c.code}: {c.message}" for c in report.failed)
    if problems and not event.force:
        b.status(
            "refused",
            details=problems,
            message=_say(b, "refused_fix_or_force"),
        )
        b.tags(_status_tag(b.config, d.state), consumed=consumed)
        return
    rescheduling = d.state is State.SCHEDULED
    notes = d.notes
    forced = d.forced
    if event.force and problems:
        forced = event.force
        notes = (
            *notes,
            Problem.of("note_forced", problems="; ".join(problems), reason=event.force),
        )
    b.deployment = replace(
        d,
        state=State.SCHEDULED,
        planned_start=event.start,
        duration=duration,
        calendar_sequence=d.calendar_sequence + 1 if rescheduling else d.calendar_sequence,
        notes=notes,
        forced=forced,
        proposals=(),
    )
    b.log()
    b.calendar()
    b.email("schedule")
    b.email("invitation")
    details = [notes[-1].text(note_language(b.config))] if forced != d.forced else []
    b.status("scheduled", details=details)
    b.tags(tags.scheduled, consumed=consumed)


def _status_tag(config: Config, state: State) -> str | None:
    tags = config.zammad.tags
    return {
        State.BLOCKED: tags.blocked,
        State.READY: tags.ready,
        State.SCHEDULED: tags.scheduled,
        State.IN_PROGRESS: tags.in_progress,
        State.DELAYED: tags.delayed,
    }.get(state)


def _delay_due_at(config: Config, start: datetime, duration: timedelta) -> datetime:
    return start + duration + config.workflow.delay_grace


def _on_start(b: _Builder, event: StartRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state is not State.SCHEDULED:
        _ignored(b, event, "already_started" if d.state in RUNNING else "not_scheduled")
        b.tags(_status_tag(b.config, d.state), consumed=[tags.start])
        return
    problems = _start_problems(b, d)
    report = event.report
    if report is not None and not report.ready:
        problems.extend(f"{c.code}: {c.message}" for c in report.failed)
    if problems and not event.force:
        b.status("start_refused", details=problems, message=_say(b, "start_fix_or_force"))
        b.tags(tags.scheduled, consumed=[tags.start])
        return
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
    b.note(b.renderer.deployment_note("checklist", b.deployment, b.config, now=b.now))
    b.log()
    b.timer("delay", _delay_due_at(b.config, b.now, d.duration))
    b.tags(tags.in_progress, consumed=[tags.start])


def _start_problems(b: _Builder, d: Deployment) -> list[str]:
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
        text = _say(b, "start_outside_slot", slot=slot, earliest=f"{earliest.astimezone(tz):%H:%M}")
        problems.append(text)
    if not (inside and d.forced):
        rules = rules_for(b.config, b.config.customer(d.customer))
        problems.extend(r.text for r in day_reasons(rules, b.now.astimezone(tz).date()))
    return problems


def _send_delay(b: _Builder, expected_end: datetime | None) -> None:
    d = b.deployment
    b.deployment = replace(d, state=State.DELAYED, delays=d.delays + 1)
    end_text = (
        expected_end.astimezone(b.config.provider.tz).strftime("%H:%M") if expected_end else ""
    )
    b.email("delay", expected_end_time=end_text)
    b.log()
    b.status("delayed")
    b.tags(b.config.zammad.tags.delayed, consumed=[b.config.zammad.tags.delay])


def _on_delay(b: _Builder, event: DelayRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state not in RUNNING:
        _ignored(b, event, "not_running")
        b.tags(_status_tag(b.config, d.state), consumed=[tags.delay])
        return
    start = d.actual_start or b.now
    if event.extension is None:
        if d.state is State.DELAYED:
            _ignored(b, event, "already_delayed")
            b.tags(tags.delayed, consumed=[tags.delay])
            return
        _send_delay(b, None)
        return
    b.deployment = replace(d, duration=d.duration + event.extension)
    expected_end = start + b.deployment.duration
    b.timer("delay", _delay_due_at(b.config, start, b.deployment.duration))
    _send_delay(b, expected_end)


def _on_delay_due(b: _Builder, event: DelayDue) -> None:
    b.timer("delay", None)
    if b.deployment.state not in RUNNING:
        return  # a timer of a deployment that ended meanwhile: nothing to say
    _send_delay(b, None)


def _on_done(b: _Builder, event: DoneRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state not in RUNNING:
        _ignored(b, event, "not_started" if d.state is State.SCHEDULED else "not_running")
        b.tags(_status_tag(b.config, d.state), consumed=[tags.done])
        return
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
    b.status("completed")
    b.tags(tags.deployed, consumed=[tags.done, tags.delay, tags.start])


def _on_rollback(b: _Builder, event: RollbackRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if d.state not in RUNNING:
        _ignored(b, event, "not_running")
        b.tags(_status_tag(b.config, d.state), consumed=[tags.rollback])
        return
    reason = event.reason or "-"
    b.deployment = replace(
        d,
        state=State.ROLLED_BACK,
        actual_end=b.now,
        notes=(*d.notes, Problem.of("note_rolled_back", reason=reason)),
    )
    b.email("rollback")
    b.log()
    b.timer("delay", None)
    b.status("rolled_back", message=event.reason)
    b.tags(tags.rolled_back, consumed=[tags.rollback, tags.delay, tags.done, tags.start])


def _on_cancel(b: _Builder, event: CancelRequested) -> None:
    d = b.deployment
    tags = b.config.zammad.tags
    if not d.is_open:
        _ignored(b, event, "ended")
        b.tags(None, consumed=[tags.cancel])
        return
    was_scheduled = d.state is State.SCHEDULED or d.state in RUNNING
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
    b.status("cancelled", message=event.reason)
    b.tags(None, consumed=[tags.cancel, *tags.slots])


def _on_details(b: _Builder, event: DetailsChanged) -> None:
    d = b.deployment
    if not d.is_open:
        _ignored(b, event, "ended")
        return
    lines = []
    if event.restarts is not None:
        d = replace(d, restarts=event.restarts)
        lines.append(_say(b, "detail_restart", text=event.restarts))
    if event.rollback_plan is not None:
        d = replace(d, rollback_plan=event.rollback_plan)
        lines.append(_say(b, "detail_rollback_plan", text=event.rollback_plan))
    b.deployment = d
    b.status("updated", details=lines)


def _dispatch(b: _Builder, event: Event) -> None:
    if isinstance(event, Requested):
        _on_requested(b, event)
    elif isinstance(event, ScheduleRequested):
        _on_schedule(b, event)
    elif isinstance(event, StartRequested):
        _on_start(b, event)
    elif isinstance(event, DelayRequested):
        _on_delay(b, event)
    elif isinstance(event, DelayDue):
        _on_delay_due(b, event)
    elif isinstance(event, DoneRequested):
        _on_done(b, event)
    elif isinstance(event, RollbackRequested):
        _on_rollback(b, event)
    elif isinstance(event, CancelRequested):
        _on_cancel(b, event)
    else:
        _on_details(b, event)
