"""The configuration sections of the outside systems and the workflow: GitLab, SMTP, the
calendar, the deployment log, email recipients, the state store, the HTTP endpoint and the
workflow's timings (Zammad's are in ``bot.config.zammad``)."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from bot.config.base import Duration, EmailKind, Localized, Role, StrictModel, TimeOfDay
from bot.config.zammad import ZammadConfig, ZammadTags

__all__ = ["ZammadConfig", "ZammadTags"]


_DEFAULT_TICKET_PATTERN = r"(?:Ticket#\d+|\b[A-Z]{2,5}-\d{4,})"


class GitLabConfig(StrictModel):
    """How to reach GitLab and read releases."""

    url: str = Field(default="https://gitlab.com", description="GitLab's address.")
    token_env: str = Field(
        default="GITLAB_TOKEN",
        description=(
            "The environment variable holding a token with `read_api` on the component projects."
        ),
    )
    token_file: Path | None = Field(
        default=None, description="A file holding the token, instead of the variable."
    )
    release_tag_pattern: str = Field(
        default=r"^v?\d+\.\d+\.\d+$",
        description="Tags that name production releases (others are ignored).",
    )
    ticket_pattern: str = Field(
        default=_DEFAULT_TICKET_PATTERN,
        description=(
            "How release notes, tag messages and commits name a ticket (`Ticket#123`, "
            "`ES-7412280`)."
        ),
    )
    poll_seconds: int = Field(
        default=300,
        ge=10,
        description="Seconds between two reads of the component projects' releases.",
    )
    concurrency: int = Field(
        default=8,
        ge=1,
        le=32,
        description="How many GitLab projects a poll reads at the same time (1: one after "
        "another); every request still follows the retry policy and GitLab's Retry-After.",
    )
    max_retries: int = Field(
        default=5, ge=0, description="How many times a transient GitLab error is retried."
    )
    timeout: float = Field(
        default=30, gt=0, description="Seconds to wait for an answer from GitLab."
    )
    test_environment: str | None = Field(
        default=None,
        description=(
            "The environment whose deployments prove a release was validated (default: tier "
            "`testing` or `staging`)."
        ),
    )
    group: str | None = Field(
        default=None,
        description=(
            "Read by no part of deploybot yet; accepted so that configurations that set it stay "
            "valid."
        ),
    )
    webhook_secret_env: str | None = Field(
        default=None,
        description=(
            "The environment variable holding the secret GitLab's project hooks send as "
            "`X-Gitlab-Token` (none: `POST /webhooks/gitlab` is off)."
        ),
    )
    hooks: bool = Field(
        default=False,
        description="GitLab's project hooks (what `deploybot setup gitlab --apply` installs) "
        "say when a project changed: a hook re-checks its project's customers at once, and the "
        "full poll of every project runs only every safety_poll_seconds, as a safety net. "
        "Off: the full poll runs every poll_seconds.",
    )
    safety_poll_seconds: int = Field(
        default=3600,
        ge=60,
        description="With hooks: how often every project is still read, for a change whose "
        "hook was lost.",
    )

    @model_validator(mode="after")
    def _hooks_have_a_secret(self) -> GitLabConfig:
        if self.hooks and not self.webhook_secret_env:
            raise ValueError(
                "hooks: true needs webhook_secret_env: without the secret /webhooks/gitlab is "
                "off and a change would wait for the safety poll"
            )
        return self

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

    transport: Literal["smtp", "directory"] = Field(
        default="directory",
        description=(
            "`smtp` sends through the server; `directory` writes one `.eml` file per message."
        ),
    )
    host: str = Field(default="localhost", description="The SMTP server.")
    port: int = Field(default=587, ge=1, le=65535, description="Its port.")
    starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    tls: bool = Field(default=False, description="Connect over TLS from the start (port 465).")
    username_env: str | None = Field(
        default=None, description="The environment variable holding the login."
    )
    password_env: str | None = Field(
        default=None, description="The environment variable holding the password."
    )
    password_file: Path | None = Field(
        default=None, description="A file holding the password, instead of the variable."
    )
    sender: str = Field(
        default="deploybot@localhost", description="The `From` address of every email."
    )
    sender_name: Localized = Field(
        default="",
        description=(
            "The sender's display name, one or per language (`{ca: Desplegaments Soffid, es: …}`): "
            "each reader sees it in theirs; the name in `sender` where none is given."
        ),
    )
    directory: Path = Field(
        default=Path("mail-out"),
        description="Where the `directory` transport writes its `.eml` files.",
    )
    timeout: float = Field(default=30, gt=0, description="Seconds to wait for the SMTP server.")


class CalDavConfig(StrictModel):
    """A CalDAV calendar that receives the deployment events."""

    url: str = Field(description="The CalDAV server's address.")
    calendar: str | None = Field(
        default=None,
        description=(
            "The calendar's name under the account (made when missing); none: `url` is the "
            "calendar itself."
        ),
    )
    username_env: str | None = Field(
        default=None, description="The environment variable holding the login."
    )
    password_env: str | None = Field(
        default=None, description="The environment variable holding the password."
    )
    password_file: Path | None = Field(
        default=None, description="A file holding the password, instead of the variable."
    )


class GoogleCalendarConfig(StrictModel):
    """A Google Calendar that receives the deployment events through the Calendar API."""

    calendar_id: str = Field(
        min_length=1,
        description=(
            "The calendar's id (Settings > Integrate calendar), e.g. `…@group.calendar.google.com`."
        ),
    )
    send_updates: Literal["none", "all", "externalOnly"] = Field(
        default="none",
        description=(
            "Whom Google itself emails about a change: deploybot already sends the invitations, so "
            "by default nobody (`none`); `all` or `externalOnly` as Calendar's sendUpdates."
        ),
    )
    attendees: bool | None = Field(
        default=None,
        description=(
            "Whether the events list the attendees. Google lets a service account invite only when "
            "it acts for a Workspace user (`google.impersonate`); by default: exactly then."
        ),
    )


class CalendarConfig(StrictModel):
    """Where calendar events go."""

    ics_dir: Path = Field(
        default=Path("calendar"), description="Where the team's events are written as `.ics` files."
    )
    caldav: CalDavConfig | None = Field(
        default=None, description="A CalDAV calendar that gets the team's events."
    )
    google: GoogleCalendarConfig | None = Field(
        default=None, description="A Google calendar that gets the team's events."
    )


class DeploymentLogConfig(StrictModel):
    """Where the per-customer deployment logs live: ``.xlsx`` files in a folder (``folder``) or
    in a Google Drive folder (``google_drive``), or native Google Sheets (``google_sheets``)."""

    backend: Literal["folder", "google_drive", "google_sheets"] = Field(
        default="folder",
        description=(
            "Where the customers' logs are kept: `folder` (`.xlsx` files), `google_drive` (`.xlsx` "
            "files in Drive) or `google_sheets` (native Sheets)."
        ),
    )
    dir: Path = Field(
        default=Path("DEPLOYMENTS"),
        description="The folder of the `folder` backend (a local or synced folder).",
    )
    folder_id: str | None = Field(
        default=None,
        description=(
            "The Drive folder of the Google backends: the last part of its address "
            "(`https://drive.google.com/drive/folders/<folder_id>`); shared drives too."
        ),
    )
    template: str = Field(
        default="TEMPLATE - Deployment log.xlsx",
        description=(
            "The file a new log is copied from (a `google_sheets` template is the Sheet of that "
            "name without `.xlsx`)."
        ),
    )
    lock_dir: Path | None = Field(
        default=None,
        description=(
            "Where writers take turns on a workbook: every deploybot process (the daemon, a "
            "person's CLI) must see the same folder. Default: beside the SQLite state, else beside "
            "this file."
        ),
    )
    backup_dir: Path | None = Field(
        default=None,
        description=(
            "Where the copy of each log before deploybot's last write is kept (never the shared "
            "folder). Default: `log-backups` beside the locks."
        ),
    )


class GoogleConfig(StrictModel):
    """How deploybot signs in to Google: a service account's key file, perhaps acting for a
    Workspace user (domain-wide delegation)."""

    credentials_file: Path | None = Field(
        default=None,
        description=(
            "The service account's key file; without one, the file named by "
            "`GOOGLE_APPLICATION_CREDENTIALS`."
        ),
    )
    impersonate: str | None = Field(
        default=None,
        description=(
            "The Workspace user the service account acts for (needs domain-wide delegation)."
        ),
    )
    api_url: str | None = Field(
        default=None,
        description="Where the APIs answer; only for an emulator (`deploybot emulate google`).",
    )
    timeout: float = Field(
        default=30.0, gt=0, description="Seconds to wait for an answer from Google."
    )


class Recipients(StrictModel):
    """Which roles an email goes to (To) and which are copied (Cc)."""

    to: list[Role] = Field(min_length=1, description="The roles the email is addressed to.")
    cc: list[Role] = Field(default=[], description="The roles copied.")


class EmailConfig(StrictModel):
    """Per email kind, who receives it; kinds not listed keep their default recipients."""

    recipients: dict[EmailKind, Recipients] = Field(
        default={},
        description=(
            "Who gets each kind of email, by role; kinds not listed keep their defaults (see "
            "[Emails](emails.md))."
        ),
    )


class StateConfig(StrictModel):
    """Where deploybot keeps its own state (any SQLAlchemy URL)."""

    url: str = Field(
        default="sqlite:///deploybot-state.sqlite",
        description=(
            "The store: `sqlite:///file` (one daemon per file) or "
            "`postgresql+psycopg://user@host/db` (several instances, one leader; needs "
            "deploybot's `postgresql` extra: `pip install '.[postgresql]'` in its clone)."
        ),
    )


#: The endpoint's port when ``server.port`` names none (``deploybot serve``), and the one every
#: example uses (README's nginx, deploy/Dockerfile, deploy/compose.yaml).
DEFAULT_PORT = 8780


class ServerConfig(StrictModel):
    """The daemon's HTTP endpoint: Zammad webhook, health and Prometheus metrics (off without
    a port)."""

    host: str = Field(
        default="127.0.0.1",
        description=(
            "The address the endpoint listens on (keep loopback behind a proxy; 0.0.0.0 in a "
            "container)."
        ),
    )
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description=f"The endpoint's port; {DEFAULT_PORT} in every example (nginx, Docker, "
        "systemd). Without it the daemon serves nothing and `deploybot serve` listens on "
        f"{DEFAULT_PORT}; `serve --port` overrides it.",
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "How Zammad, GitLab and customers reach this endpoint (`https://deploybot.example`), "
            "for the webhooks `deploybot setup` creates and the booking links."
        ),
    )
    token_env: str | None = Field(
        default=None,
        description=(
            "The environment variable holding the token of the pages and the calendar feed (none: "
            "the views are off)."
        ),
    )
    booking_secret_env: str | None = Field(
        default=None,
        description=(
            "The environment variable holding the secret that signs customers' booking links "
            "(none: no links; the proposals go to the team only). Links need `public_url` too."
        ),
    )
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

    proposals: int = Field(default=3, ge=1, le=9, description="How many slots are proposed.")
    delay_grace: Duration = Field(
        default=timedelta(minutes=10),
        description="How long after the estimated end the delay email goes out.",
    )
    start_early: Duration = Field(
        default=timedelta(minutes=30),
        description="How long before its booked start a deployment may be started.",
    )
    reminder_at: TimeOfDay | None = Field(
        default=time(16, 0),
        description=(
            "When, the working day before a booking, its prerequisites are re-checked and a note "
            "says what is due (`null`: no reminder)."
        ),
    )
    overdue_after: Duration = Field(
        default=timedelta(minutes=10),
        description="How long after the booked start a deployment not started is reported overdue.",
    )
    alert_after_attempts: int = Field(
        default=5,
        ge=1,
        description="After how many failures of an effect the team is alerted (the retries go on).",
    )
    retry_base_seconds: float = Field(
        default=30,
        gt=0,
        description="The first wait before a failed effect is tried again (it doubles each time).",
    )
    retry_max_seconds: float = Field(
        default=3600, gt=0, description="The longest wait between two tries of an effect."
    )
    max_days_ahead: int = Field(
        default=400,
        ge=1,
        le=3650,
        description="A booking further ahead than this many days is a typo unless forced.",
    )
    outage_patience: Duration = Field(
        default=timedelta(minutes=15),
        description=(
            "When GitLab does not answer the re-check of a command, how long until the person is "
            "told."
        ),
    )
    outage_retry_for: Duration = Field(
        default=timedelta(hours=24),
        description=(
            "How long deploybot keeps such a command waiting before it decides on what it knows."
        ),
    )
