"""The configuration sections of the outside systems and the workflow: Zammad and its tags,
GitLab, SMTP, the calendar, the deployment log, email recipients, the state store, the HTTP
endpoint and the workflow's timings."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from bot.config.base import Duration, EmailKind, Role, StrictModel, TimeOfDay


class ZammadTags(StrictModel):
    """Tag names of the workflow; each can be renamed to fit a Zammad installation."""

    request: str = "deploy"
    blocked: str = "deploy-blocked"
    ready: str = "deploy-ready"
    slot_prefix: str = "deploy-slot-"
    scheduled: str = "deploy-scheduled"
    start: str = "deploy-start"
    in_progress: str = "deploy-in-progress"
    delay: str = "deploy-delay"
    delayed: str = "deploy-delayed"
    done: str = "deploy-done"
    deployed: str = "deployed"
    rollback: str = "deploy-rollback"
    rolled_back: str = "deploy-rolled-back"
    cancel: str = "deploy-cancel"
    overdue: str = "deploy-overdue"
    #: Books the slot a customer chose through the booking link (``booking.self_service:
    #: confirm``).
    accept: str = "deploy-accept"
    customer_validated: str = "customer-validated"
    risk_accepted: str = "risk-accepted"
    validated_test: str = "validated-test"

    #: How many proposals can be chosen by tag (``deploy-slot-1`` … ``deploy-slot-9``).
    SLOTS: ClassVar[int] = 9

    @model_validator(mode="after")
    def _names_are_distinct(self) -> ZammadTags:
        seen: dict[str, str] = {}
        for role, name in self.model_dump().items():
            if name in seen:
                raise ValueError(
                    f"the tag '{name}' is given to both {seen[name]} and {role}: each workflow "
                    "tag needs its own name"
                )
            seen[name] = role
        return self

    @property
    def statuses(self) -> list[str]:
        """The tags that show where an open deployment stands (one at a time)."""
        return [self.blocked, self.ready, self.scheduled, self.in_progress, self.delayed]

    @property
    def slots(self) -> list[str]:
        """The tags that choose a proposed slot: ``deploy-slot-1`` … ``deploy-slot-9``."""
        return [f"{self.slot_prefix}{number}" for number in range(1, self.SLOTS + 1)]

    @property
    def assertions(self) -> list[str]:
        """The tags a person adds to say a prerequisite is met (kept on the ticket)."""
        return [self.customer_validated, self.risk_accepted, self.validated_test]

    @property
    def triggers(self) -> list[str]:
        """The tags a person adds to make deploybot act (consumed once acted on)."""
        return [
            self.request,
            *self.slots,
            self.start,
            self.delay,
            self.rollback,
            self.done,
            self.cancel,
            self.accept,
        ]


class ZammadConfig(StrictModel):
    """How to reach Zammad."""

    url: str | None = None
    token_env: str = "ZAMMAD_TOKEN"
    token_file: Path | None = None
    poll_seconds: int = Field(default=60, ge=5)
    connect_timeout: float = Field(default=5, gt=0)
    read_timeout: float = Field(default=30, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    webhook_secret_env: str | None = None
    tags: ZammadTags = ZammadTags()
    #: How the team writes ticket numbers (``ES-`` makes 7412280 read ES-7412280), used the
    #: same in every email, note, comment, log row and listing.
    ticket_prefix: str = ""

    def ticket_label(self, number: str) -> str:
        """A Zammad ticket number as people write it."""
        prefix = self.ticket_prefix
        return number if not prefix or number.startswith(prefix) else f"{prefix}{number}"


_DEFAULT_TICKET_PATTERN = r"(?:Ticket#\d+|\b[A-Z]{2,5}-\d{4,})"


class GitLabConfig(StrictModel):
    """How to reach GitLab and read releases."""

    url: str = "https://gitlab.com"
    token_env: str = "GITLAB_TOKEN"
    token_file: Path | None = None
    release_tag_pattern: str = r"^v?\d+\.\d+\.\d+$"
    ticket_pattern: str = _DEFAULT_TICKET_PATTERN
    poll_seconds: int = Field(default=300, ge=10)
    max_retries: int = Field(default=5, ge=0)
    timeout: float = Field(default=30, gt=0)
    test_environment: str | None = None
    group: str | None = None
    #: The environment variable holding the secret GitLab's project hooks send as
    #: ``X-Gitlab-Token`` (none: ``POST /webhooks/gitlab`` is off).
    webhook_secret_env: str | None = None

    @field_validator("release_tag_pattern", "ticket_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class SmtpConfig(StrictModel):
    """How emails leave: a real SMTP server, or `.eml` files in a directory."""

    transport: Literal["smtp", "directory"] = "directory"
    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    tls: bool = False
    username_env: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    sender: str = "deploybot@localhost"
    directory: Path = Path("mail-out")
    timeout: float = Field(default=30, gt=0)


class CalDavConfig(StrictModel):
    """A CalDAV calendar that receives the deployment events."""

    url: str
    calendar: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    password_file: Path | None = None


class GoogleCalendarConfig(StrictModel):
    """A Google Calendar that receives the deployment events through the Calendar API."""

    #: The calendar's id (Settings > Integrate calendar), e.g. ``…@group.calendar.google.com``.
    calendar_id: str = Field(min_length=1)
    #: Whom Google itself emails about a change: deploybot already sends the invitations, so
    #: by default nobody (``none``); ``all`` or ``externalOnly`` as Calendar's sendUpdates.
    send_updates: Literal["none", "all", "externalOnly"] = "none"
    #: Whether the events list the attendees. Google lets a service account invite only when
    #: it acts for a Workspace user (``google.impersonate``); by default: exactly then.
    attendees: bool | None = None


class CalendarConfig(StrictModel):
    """Where calendar events go."""

    ics_dir: Path = Path("calendar")
    caldav: CalDavConfig | None = None
    google: GoogleCalendarConfig | None = None


class DeploymentLogConfig(StrictModel):
    """Where the per-customer deployment logs live: ``.xlsx`` files in a folder (``folder``) or
    in a Google Drive folder (``google_drive``), or native Google Sheets (``google_sheets``)."""

    backend: Literal["folder", "google_drive", "google_sheets"] = "folder"
    dir: Path = Path("DEPLOYMENTS")
    #: The Drive folder of the Google backends: the last part of its address
    #: (``https://drive.google.com/drive/folders/<folder_id>``); shared drives too.
    folder_id: str | None = None
    template: str = "TEMPLATE - Deployment log.xlsx"
    #: Where writers take turns on a workbook: every deploybot process (the daemon, a person's
    #: CLI) must see the same folder. Default: beside the SQLite state, else beside this file.
    lock_dir: Path | None = None
    #: Where the copy of each log before deploybot's last write is kept (never the shared
    #: folder). Default: ``log-backups`` beside the locks.
    backup_dir: Path | None = None


class GoogleConfig(StrictModel):
    """How deploybot signs in to Google: a service account's key file, perhaps acting for a
    Workspace user (domain-wide delegation)."""

    #: The key file; without one, the file named by ``GOOGLE_APPLICATION_CREDENTIALS``.
    credentials_file: Path | None = None
    #: The Workspace user the service account acts for (needs domain-wide delegation).
    impersonate: str | None = None
    #: Where the APIs answer; only for an emulator (``deploybot emulate google``).
    api_url: str | None = None
    timeout: float = Field(default=30.0, gt=0)


class Recipients(StrictModel):
    """Which roles an email goes to (To) and which are copied (Cc)."""

    to: list[Role] = Field(min_length=1)
    cc: list[Role] = []


class EmailConfig(StrictModel):
    """Per email kind, who receives it; kinds not listed keep their default recipients."""

    recipients: dict[EmailKind, Recipients] = {}


class StateConfig(StrictModel):
    """Where deploybot keeps its own state (any SQLAlchemy URL)."""

    url: str = "sqlite:///deploybot-state.sqlite"


class ServerConfig(StrictModel):
    """The daemon's HTTP endpoint: Zammad webhook, health and Prometheus metrics (off without
    a port)."""

    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=1, le=65535)
    #: How Zammad and GitLab reach this endpoint (``https://deploybot.example``), for the
    #: webhooks ``deploybot setup`` creates.
    public_url: str | None = None
    #: The environment variable holding the token of the pages and the calendar feed (none:
    #: the views are off).
    token_env: str | None = None
    #: The environment variable holding the secret that signs customers' booking links (none:
    #: no links; the proposals go to the team only). Links need ``public_url`` too.
    booking_secret_env: str | None = None
    gate_token_env: str | None = Field(
        default=None,
        description="The environment variable holding the bearer token CI jobs send to the "
        "change gate (GET /gate); none: the gate is off.",
    )

    @model_validator(mode="after")
    def _links_have_an_address(self) -> ServerConfig:
        if self.booking_secret_env and not self.public_url:
            raise ValueError(
                "booking_secret_env needs public_url: the booking links customers open start "
                "with it (https://deploybot.example.com)"
            )
        return self


class WorkflowConfig(StrictModel):
    """How the lifecycle behaves: proposals, the delay timer, retries of outside effects."""

    proposals: int = Field(default=3, ge=1, le=9)
    delay_grace: Duration = timedelta(minutes=10)
    #: How long before its booked start a deployment may be started.
    start_early: Duration = timedelta(minutes=30)
    #: When, the day before a booking, its prerequisites are re-checked and a note says what is
    #: due (``null``: no reminder).
    reminder_at: TimeOfDay | None = time(16, 0)
    #: How long after the booked start a deployment not started is reported overdue.
    overdue_after: Duration = timedelta(minutes=10)
    alert_after_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=30, gt=0)
    retry_max_seconds: float = Field(default=3600, gt=0)
    #: A booking further ahead than this is a typo unless forced.
    max_days_ahead: int = Field(default=400, ge=1, le=3650)
    #: When GitLab does not answer the re-check of a command, how long until the person is told,
    #: and how long deploybot keeps the command waiting before it decides without GitLab.
    outage_patience: Duration = timedelta(minutes=15)
    outage_retry_for: Duration = timedelta(hours=24)
