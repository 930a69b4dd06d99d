"""Carrying out one effect against the outside systems, idempotently.

Each executor can be run again after a crash without doing anything twice: a note is looked for
by its key before it is posted, tags are compared with the ticket's current ones, an email's
Message-ID makes the ``.eml`` transport write it once, an event is replaced by its UID, a log row
by the deployment id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import assert_never

from bot.app.outside import (
    CalendarFilePort,
    CalendarServerPort,
    JobsPort,
    LiveSystemsPort,
    LogPort,
    MailPort,
    ZammadPort,
)
from bot.domain.effects import (
    Email,
    OutboxEffect,
    PlayJob,
    PostNote,
    PublishCalendarEvent,
    SendEmail,
    SetTags,
    UpsertLogRow,
)
from integrations.calendar import invitation
from integrations.errors import OutsideError
from integrations.mail import Attachment, build_message
from integrations.secrets import read_secret


@dataclass
class Channels:
    """The outside systems effects are carried out against (one each), and where step 3's
    checks look (``live``)."""

    zammad: ZammadPort
    mailer: MailPort
    ics: CalendarFilePort
    log_for: Callable[[str], LogPort]
    live: LiveSystemsPort
    caldav: CalendarServerPort | None = None
    google_calendar: CalendarServerPort | None = None
    #: GitLab's CI jobs (step 3 carried out) and where trigger tokens are read.
    gitlab_jobs: JobsPort | None = None
    environ: Mapping[str, str] | None = None


def is_permanent(error: Exception) -> bool:
    """Whether retrying cannot help: the adapter says so (``OutsideError.permanent``), or the
    data cannot even be encoded for the channel (a value, type or encoding error)."""
    if isinstance(error, OutsideError):
        return error.permanent
    return isinstance(error, ValueError | TypeError | UnicodeError)


def execute(
    effect: OutboxEffect, channels: Channels, *, now: datetime, first_try: bool = False
) -> None:
    """Carry out one effect, idempotently. Outside errors propagate (the outbox retries).

    ``first_try``: the effect was never tried (``OutboxQueue.claim``), so a note is posted
    without first looking for it on the ticket."""
    if isinstance(effect, PostNote):
        _post(effect, channels.zammad, look=not first_try)
    elif isinstance(effect, SetTags):
        _set_tags(effect, channels.zammad)
    elif isinstance(effect, SendEmail):
        _send(effect, channels.mailer, now)
    elif isinstance(effect, PublishCalendarEvent):
        channels.ics.write(effect.event)
        if channels.caldav is not None:
            channels.caldav.upsert(effect.event)
        if channels.google_calendar is not None:
            channels.google_calendar.upsert(effect.event)
    elif isinstance(effect, UpsertLogRow):
        channels.log_for(effect.customer).upsert_row(effect.row)
    elif isinstance(effect, PlayJob):
        play_job(effect, channels)
    else:  # a new kind of effect is a type error here, and never a log write by default
        assert_never(effect)


def _post(effect: PostNote, zammad: ZammadPort, *, look: bool) -> None:
    if effect.public:
        zammad.post_public_comment(effect.ticket_id, effect.html, key=effect.key, look=look)
    else:
        zammad.post_note(effect.ticket_id, effect.html, key=effect.key, look=look)


def _set_tags(effect: SetTags, zammad: ZammadPort) -> None:
    current = set(zammad.tags(effect.ticket_id))
    for tag in effect.remove:
        if tag in current:
            zammad.remove_tag(effect.ticket_id, tag)
    for tag in effect.add:
        if tag not in current:
            zammad.add_tag(effect.ticket_id, tag)


def message_for(email: Email, *, now: datetime) -> EmailMessage:
    """The MIME message of an email, its invitation (if any) attached as an ``.ics`` request."""
    attachments = []
    if email.invitation is not None:
        filename, content, mime_type = invitation(email.invitation)
        attachments.append(Attachment(filename, content, mime_type))
    return build_message(email, date=now, attachments=attachments)


def _send(effect: SendEmail, mailer: MailPort, now: datetime) -> None:
    mailer.send(message_for(effect.email, now=now))


def play_job(effect: PlayJob, channels: Channels) -> None:
    """Play the job, retry it or trigger the pipeline — unless that was done already for this
    key: a job no longer ``manual``, a retry already made, a pipeline triggered with the key."""
    jobs = channels.gitlab_jobs
    if jobs is None:
        raise RuntimeError("no GitLab jobs channel to play a job with")
    if effect.trigger:
        if jobs.triggered(effect.project, effect.ref, effect.key) is None:
            token = read_secret(effect.trigger, None, what="GitLab trigger token",
                                environ=channels.environ)  # fmt: skip
            jobs.trigger(effect.project, effect.ref, token, effect.variables, effect.key)
        return
    if effect.retry_of is not None and effect.pipeline_id is not None:
        newest = jobs.newest(effect.project, effect.pipeline_id, effect.job)
        if newest is not None and newest.id == effect.retry_of:
            jobs.play(effect.project, newest.id, effect.variables)
        return
    if effect.job_id is not None and jobs.job(effect.project, effect.job_id).status == "manual":
        jobs.play(effect.project, effect.job_id, effect.variables)
