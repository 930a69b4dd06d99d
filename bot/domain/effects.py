"""Effects: what the lifecycle asks the outside world to do, as data, and their execution.

Each effect carries a stable idempotency key (``<deployment>/<revision>/<index>``) and each
executor is idempotent for it: a Zammad note carries the key as a marker and is not posted
twice, an email's Message-ID comes from the deployment and kind (the ``.eml`` transport writes
each once), a log row is keyed by the deployment id, a calendar event by its UID. So a crash
between doing an effect and recording it done is repaired by doing it again.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.models import Config
from integrations.calendar import CalDavCalendar, CalendarEvent, IcsDirectory
from integrations.deployment_log import DeploymentLog, LogRow
from integrations.mail import (
    Attachment,
    DirectoryMailer,
    Mailer,
    OutgoingEmail,
    SmtpMailer,
    build_message,
    smtp_settings,
)
from integrations.secrets import read_secret
from integrations.zammad import ZammadClient


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
    email: OutgoingEmail


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


@dataclass(frozen=True)
class ScheduleTimer:
    """Arm (or re-arm) a named timer of the deployment; ``due=None`` disarms it.

    Timers are kept in the store in the same transaction as the state, not in the outbox.
    """

    key: str
    name: str
    due: datetime | None


Effect = PostNote | SetTags | SendEmail | PublishCalendarEvent | UpsertLogRow | ScheduleTimer
OutboxEffect = PostNote | SetTags | SendEmail | PublishCalendarEvent | UpsertLogRow

# ---------------------------------------------------------------------------------------------
# JSON


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        # Keep the zone's name: an .ics needs TZID=Europe/Madrid, not a bare offset.
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
        return {"$datetime": value.isoformat(), "zone": zone}
    if isinstance(value, timedelta):
        return {"$seconds": value.total_seconds()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            moment = datetime.fromisoformat(value["$datetime"])
            return moment.astimezone(ZoneInfo(value["zone"])) if value.get("zone") else moment
        if "$seconds" in value:
            return timedelta(seconds=value["$seconds"])
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    return value


def effect_to_json(effect: OutboxEffect) -> dict[str, Any]:
    """An effect as JSON-safe data, tagged with its type."""
    data: dict[str, Any] = _encode(asdict(effect))
    data["type"] = type(effect).__name__
    return data


def effect_from_json(data: dict[str, Any]) -> OutboxEffect:
    """The inverse of :func:`effect_to_json`."""
    fields = {key: _decode(value) for key, value in data.items() if key != "type"}
    kind = data["type"]
    if kind == "PostNote":
        return PostNote(**fields)
    if kind == "SetTags":
        return SetTags(**fields)
    if kind == "SendEmail":
        email = dict(fields["email"])
        email["attachments"] = tuple(Attachment(**a) for a in email["attachments"])
        return SendEmail(fields["key"], OutgoingEmail(**email))
    if kind == "PublishCalendarEvent":
        return PublishCalendarEvent(fields["key"], CalendarEvent(**fields["event"]))
    if kind == "UpsertLogRow":
        return UpsertLogRow(fields["key"], fields["customer"], LogRow(**fields["row"]))
    raise ValueError(f"unknown effect type {kind!r}")


# ---------------------------------------------------------------------------------------------
# Execution


@dataclass
class Channels:
    """The outside systems effects are executed against (one each)."""

    zammad: ZammadClient
    mailer: Mailer
    ics: IcsDirectory
    log_for: Callable[[str], DeploymentLog]
    caldav: CalDavCalendar | None = None


def describe(effect: OutboxEffect) -> str:
    """A short line saying what an effect does (for logs, the timeline and alerts)."""
    if isinstance(effect, PostNote):
        kind = "public comment" if effect.public else "note"
        return f"{kind} on ticket {effect.ticket_id}"
    if isinstance(effect, SetTags):
        added = " ".join(f"+{tag}" for tag in effect.add) or "no new tag"
        return f"tags {added} (workflow tags cleared) on ticket {effect.ticket_id}"
    if isinstance(effect, SendEmail):
        return f"email '{effect.email.subject}' to {', '.join(effect.email.to)}"
    if isinstance(effect, PublishCalendarEvent):
        state = "cancelled" if effect.event.cancelled else f"SEQUENCE {effect.event.sequence}"
        return f"calendar event {effect.event.uid} ({state})"
    return f"log row {effect.row.deployment_id} ({effect.row.status})"


def execute(effect: OutboxEffect, channels: Channels, *, now: datetime) -> None:
    """Carry out one effect, idempotently. Outside errors propagate (the outbox retries)."""
    if isinstance(effect, PostNote):
        if effect.public:
            channels.zammad.post_public_comment(effect.ticket_id, effect.html, key=effect.key)
        else:
            channels.zammad.post_note(effect.ticket_id, effect.html, key=effect.key)
    elif isinstance(effect, SetTags):
        current = set(channels.zammad.tags(effect.ticket_id))
        for tag in effect.remove:
            if tag in current:
                channels.zammad.remove_tag(effect.ticket_id, tag)
        for tag in effect.add:
            if tag not in current:
                channels.zammad.add_tag(effect.ticket_id, tag)
    elif isinstance(effect, SendEmail):
        channels.mailer.send(build_message(effect.email, date=now))
    elif isinstance(effect, PublishCalendarEvent):
        channels.ics.write(effect.event)
        if channels.caldav is not None:
            channels.caldav.upsert(effect.event)
    else:
        channels.log_for(effect.customer).upsert_row(effect.row)


def channels_for(config: Config, zammad: ZammadClient) -> Channels:
    """The outside channels the configuration names: mail transport, calendar, logs."""
    smtp = config.smtp
    mailer: Mailer
    if smtp.transport == "directory":
        mailer = DirectoryMailer(config.resolve_path(smtp.directory))
    else:
        mailer = SmtpMailer(
            smtp_settings(
                host=smtp.host,
                port=smtp.port,
                starttls=smtp.starttls,
                tls=smtp.tls,
                timeout=smtp.timeout,
                username_env=smtp.username_env,
                password_env=smtp.password_env,
                password_file=smtp.password_file,
            )
        )
    caldav = None
    if config.calendar.caldav is not None:
        dav = config.calendar.caldav
        username = (
            read_secret(dav.username_env, None, what="CalDAV username")
            if dav.username_env
            else None
        )
        password = (
            read_secret(dav.password_env, dav.password_file, what="CalDAV password")
            if dav.password_env or dav.password_file
            else None
        )
        caldav = CalDavCalendar(
            dav.url, calendar_name=dav.calendar, username=username, password=password
        )
    log_dir = config.resolve_path(config.deployment_log.dir)

    def log_for(customer: str) -> DeploymentLog:
        return DeploymentLog(
            log_dir,
            customer,
            template_name=config.deployment_log.template,
            language=config.provider.language,
        )

    return Channels(
        zammad=zammad,
        mailer=mailer,
        ics=IcsDirectory(config.resolve_path(config.calendar.ics_dir)),
        log_for=log_for,
        caldav=caldav,
    )
