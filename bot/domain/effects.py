"""Effects: what the lifecycle asks of the world, as data, with the payloads they carry.

Each effect carries a stable idempotency key (see ``keys.py``) and each executor in the shell is
idempotent for it: a Zammad note carries its key as a marker and is not posted twice, a public
comment is found again by its content, an email's Message-ID comes from the deployment and kind,
a log row is keyed by the deployment id, a calendar event by its UID. So a crash between doing an
effect and recording it done is repaired by doing it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, assert_never, get_args

from bot.domain.texts import say


@dataclass(frozen=True)
class CalendarEvent:
    """What a deployment's calendar entry says. Times are timezone-aware."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    description: str
    organizer: str
    attendees: tuple[str, ...] = ()
    sequence: int = 0
    cancelled: bool = False
    stamp: datetime | None = None


@dataclass(frozen=True)
class Email:
    """Everything one email needs; addresses are ``Name <address>`` or bare addresses.

    ``invitation``: the calendar event to attach as an invitation (the shell serialises it).
    """

    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str
    cc: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    invitation: CalendarEvent | None = None

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every address the message is delivered to (To and Cc)."""
        return self.to + self.cc


@dataclass(frozen=True)
class LogRow:
    """The values deploybot keeps for one deployment in the customer's log. ``None`` leaves the
    cell as it is.

    Times are naive local times (spreadsheets have no time zones); ``status`` is one of
    ``planned in_progress delayed completed rolled_back cancelled``. ``notes`` are added to
    whatever a person wrote in the notes cell, never replacing it.
    """

    deployment_id: str
    status: str
    requested: datetime | None = None
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    duration: timedelta | None = None
    environment: str | None = None
    tickets: str | None = None
    components: str | None = None
    previous_versions: str | None = None
    description: str | None = None
    restarts: str | None = None
    requested_by: str | None = None
    performed_by: str | None = None
    notes: str | None = None
    delays: int | None = None
    delay_minutes: int | None = None
    reschedules: int | None = None


@dataclass(frozen=True)
class PostNote:
    """An internal note on a ticket (``public``: a comment the customer sees)."""

    key: str
    ticket_id: int
    html: str
    public: bool = False


@dataclass(frozen=True)
class SetTags:
    """Tags to add to and remove from a ticket."""

    key: str
    ticket_id: int
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendEmail:
    """An email, fully rendered and addressed."""

    key: str
    email: Email


@dataclass(frozen=True)
class PublishCalendarEvent:
    """Write the event's ``.ics`` and push it to CalDAV (a cancelled event cancels it there)."""

    key: str
    event: CalendarEvent


@dataclass(frozen=True)
class UpsertLogRow:
    """Add or update the deployment's row in the customer's log."""

    key: str
    customer: str
    row: LogRow


#: The timers a deployment can have armed (what each asks for when due: ``routing.route_timer``).
TimerKind = Literal["reminder", "overdue", "delay", "choice-reminder", "choice-lapse"]


def timer_kind(name: str) -> TimerKind | None:
    """The kind of a timer as the store keeps it (None: a name no timer has)."""
    kinds: dict[str, TimerKind] = {kind: kind for kind in get_args(TimerKind)}
    return kinds.get(name)


@dataclass(frozen=True)
class ScheduleTimer:
    """Arm (or re-arm) a named timer of the deployment; ``due=None`` disarms it.

    Timers are kept in the store in the same transaction as the state, not in the outbox.
    """

    key: str
    name: TimerKind
    due: datetime | None


@dataclass(frozen=True)
class PlayJob:
    """Play GitLab job ``job_id`` (for a retry: the newest run of ``job`` in ``pipeline_id``,
    while it is still ``retry_of``), or trigger a pipeline of ``project`` on ``ref`` with the
    token in the environment variable ``trigger``. Idempotent for ``key``: a job that already
    left ``manual``, a retry already made, a pipeline already triggered with the key are left
    alone (``bot.domain.step3_jobs``)."""

    key: str
    project: str
    job_id: int | None
    pipeline_id: int | None
    job: str
    retry_of: int | None
    variables: tuple[tuple[str, str], ...]
    ref: str = ""
    trigger: str = ""


Effect = (
    PostNote | SetTags | SendEmail | PublishCalendarEvent | UpsertLogRow | ScheduleTimer | PlayJob
)
OutboxEffect = PostNote | SetTags | SendEmail | PublishCalendarEvent | UpsertLogRow | PlayJob

#: The outside systems effects go through (``channel_of``): a new one is named here once, and
#: the health of every channel is then kept (``bot.app.outside.health.SYSTEMS``).
Channel = Literal["zammad", "gitlab", "email", "calendar", "log"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)


def channel_of(effect: OutboxEffect) -> Channel:
    """The channel an effect goes through. A deployment's effects are carried out in order
    within each channel, and one channel never waits on another (a log that cannot be written
    holds up no email)."""
    if isinstance(effect, PostNote | SetTags):
        return "zammad"
    if isinstance(effect, SendEmail):
        return "email"
    if isinstance(effect, PublishCalendarEvent):
        return "calendar"
    if isinstance(effect, UpsertLogRow):
        return "log"
    if isinstance(effect, PlayJob):
        return "gitlab"
    assert_never(effect)


def describe(effect: OutboxEffect, language: str = "en") -> str:
    """A short line saying what an effect does (for logs, the timeline and alerts)."""
    if isinstance(effect, PostNote):
        kind = "effect_comment" if effect.public else "effect_note"
        return say(language, kind, ticket=effect.ticket_id)
    if isinstance(effect, SetTags):
        added = " ".join(f"+{tag}" for tag in effect.add) or say(language, "effect_no_tag")
        return say(language, "effect_tags", added=added, ticket=effect.ticket_id)
    if isinstance(effect, SendEmail):
        return say(
            language, "effect_email", subject=effect.email.subject, to=", ".join(effect.email.to)
        )
    if isinstance(effect, PublishCalendarEvent):
        event = effect.event
        state = (
            say(language, "effect_event_cancelled")
            if event.cancelled
            else f"SEQUENCE {event.sequence}"
        )
        return say(language, "effect_event", uid=event.uid, state=state)
    if isinstance(effect, UpsertLogRow):
        status = _LOG_STATES.get(effect.row.status, effect.row.status)
        return say(
            language,
            "effect_log",
            id=effect.row.deployment_id,
            status=say(language, f"state_{status}"),
        )
    if isinstance(effect, PlayJob):
        return say(language, "effect_play", job=effect.job or effect.ref, project=effect.project)
    assert_never(effect)


#: A log row's status as the deployment state it stands for (their words are the catalogue's).
_LOG_STATES = {"planned": "scheduled"}
