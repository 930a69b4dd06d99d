"""What deploybot says about a booking before it starts: the reminder the working day before,
an on-demand re-check (``/deploy recheck``), and the note when the booked start passes."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config.models import Config
from bot.domain.events import CheckRequested, OverdueDue
from bot.domain.free_text import team_restarts
from bot.domain.lifecycle.builder import Builder, ignored, say_op
from bot.domain.model import RUNNING, State
from bot.domain.prerequisites.result import Report
from bot.domain.rendering import note_language


def reminder_due(config: Config, start: datetime, now: datetime) -> datetime | None:
    """When to remind of a booking at ``start``: ``workflow.reminder_at`` on the working day
    before it (weekends skipped); None when reminders are off or that moment has passed."""
    at = config.workflow.reminder_at
    if at is None:
        return None
    tz = config.provider.tz
    day = start.astimezone(tz).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    due = datetime.combine(day, at, tzinfo=tz)
    return due if due > now else None


def arm_booking_timers(b: Builder) -> None:
    """Arm (or re-arm, after a move) the reminder and the overdue timer of the booking."""
    start = b.deployment.planned_start
    if start is None:
        return
    b.timer("reminder", reminder_due(b.config, start, b.now))
    b.timer("overdue", start + b.config.workflow.overdue_after)


def disarm_booking_timers(b: Builder) -> None:
    """The booking started or was cancelled: no reminder, no overdue note."""
    b.timer("reminder", None)
    b.timer("overdue", None)


def _due_lines(b: Builder, report: Report | None) -> list[str]:
    """What the team must do for the booking: fix what fails, tag the start, restart."""
    d = b.deployment
    language = note_language(b.config)
    lines = []
    if report is not None:
        lines.append(report.summary(language))
        if not report.ready:
            checks = "; ".join(f"{check.code}: {check.message}" for check in report.failed)
            lines.append(say_op(b, "due_fix", checks=checks))
    if d.planned_start is not None:
        earliest = d.planned_start - b.config.workflow.start_early
        tz = b.config.provider.tz
        tag = b.config.zammad.tags.start
        lines.append(say_op(b, "due_start", tag=tag, earliest=f"{earliest.astimezone(tz):%H:%M}"))
    customer = b.config.customer(d.customer)
    restarts = team_restarts(d.restarts, customer, language)
    if restarts:
        lines.append(say_op(b, "due_restarts", text=restarts))
    return lines


def on_check(b: Builder, event: CheckRequested) -> None:
    """A booked deployment checked again: the report's verdict and what is due."""
    d = b.deployment
    if event.reminder:
        b.timer("reminder", None)
    if d.state is not State.SCHEDULED:
        if not event.reminder:  # a reminder of a booking that moved on says nothing
            case = "already_started" if d.state in RUNNING else "not_scheduled"
            ignored(b, event, "ended" if not d.is_open else case)
        return
    event_name = "reminder" if event.reminder else "rechecked"
    b.status(event_name, details=_due_lines(b, event.report))


def on_overdue(b: Builder, event: OverdueDue) -> None:
    """The booked start passed without a start: say so once and tag the tickets."""
    b.timer("overdue", None)
    d = b.deployment
    if d.state is not State.SCHEDULED or d.planned_start is None or d.planned_end is None:
        return
    tz = b.config.provider.tz
    tags = b.config.zammad.tags
    message = say_op(
        b,
        "overdue_note",
        time=f"{d.planned_start.astimezone(tz):%H:%M}",
        tag=tags.start,
        end=f"{d.planned_end.astimezone(tz):%H:%M}",
    )
    b.status("overdue", message=message)
    b.mark(tags.overdue)
