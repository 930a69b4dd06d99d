"""The YAML configuration: pydantic models, loading, and errors that name file, line and field.

Configuration is loaded once by the command line and passed down; nothing here reads it at
import time. Secrets never appear as values: fields that locate a secret end in ``_env`` (the
name of an environment variable) or ``_file`` (a path).
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from datetime import date, time, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import holidays
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.domain.durations import DurationError, parse_duration

Language = Literal["es", "ca", "en"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ManagedBy = Literal["provider", "partner_delegated", "partner_exclusive"]
EmailKind = Literal["schedule", "start", "delay", "end", "rollback", "cancel", "invitation"]
Role = Literal[
    "customer_managers",
    "customer_helpdesk",
    "partner",
    "project_team",
    "support_team",
    "requesters",
]

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
SECRET_WORDS = {"token", "password", "passwd", "secret", "api_key", "apikey", "username"}


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration (write it like 15m, 90, 1h30 or 2h)")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None


Duration = Annotated[timedelta, BeforeValidator(_duration)]

_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2})$")


def _time_of_day(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _TIME_OF_DAY.match(str(value).strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{value!r} is not a time of day (write it like 09:30)")
    return time(int(match[1]), int(match[2]))


TimeOfDay = Annotated[time, BeforeValidator(_time_of_day)]


class StrictModel(BaseModel):
    """Base of every configuration section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Contact(StrictModel):
    """A person to notify: ``Name <address>`` or ``{name: …, email: …}``."""

    name: str = ""
    email: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            name, address = parseaddr(value)
            return {"name": name, "email": address or value}
        return value

    @field_validator("email")
    @classmethod
    def _is_address(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError(f"'{value}' is not an email address")
        return value


class LocalHoliday(StrictModel):
    """A holiday the `holidays` package does not know (a town's patron saint, say)."""

    date: date
    name: str = Field(min_length=1)


class HolidayRegion(StrictModel):
    """Where public holidays come from: a country, optionally a subdivision, plus extra days."""

    country: str = "ES"
    subdiv: str | None = None
    extra: list[LocalHoliday] = []

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in holidays.list_supported_countries():
            raise ValueError(
                f"'{value}' is not a country known to the holidays package "
                "(an ISO 3166 code such as ES, PT, FR)"
            )
        return value

    @field_validator("subdiv")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is None or country is None:
            return value
        known = holidays.list_supported_countries().get(country, [])
        if value not in known:
            raise ValueError(
                f"'{value}' is not a subdivision of {country} (known: {', '.join(known)})"
            )
        return value


class Vacation(StrictModel):
    """A closed period of one side, inclusive at both ends."""

    from_: date = Field(alias="from")
    to: date
    label: str = ""

    @field_validator("to")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("from_")
        if start is not None and value < start:
            raise ValueError(f"{value.isoformat()} is before from ({start.isoformat()})")
        return value


class Window(StrictModel):
    """When a customer accepts deployments, in the provider's time zone."""

    days: list[Weekday] = ["mon", "tue", "wed", "thu"]
    start: TimeOfDay = time(9, 0)
    end: TimeOfDay = time(13, 0)
    start_times: list[TimeOfDay] = []

    @field_validator("days")
    @classmethod
    def _some_days(cls, value: list[Weekday]) -> list[Weekday]:
        if not value:
            raise ValueError("a window needs at least one day (mon … sun)")
        if len(set(value)) != len(value):
            raise ValueError("a day is listed twice")
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and value <= start:
            raise ValueError(
                f"end {value:%H:%M} is not after start {start:%H:%M} "
                "(a window cannot cross midnight)"
            )
        return value

    @field_validator("start_times")
    @classmethod
    def _inside_window(cls, value: list[time], info: ValidationInfo) -> list[time]:
        start, end = info.data.get("start"), info.data.get("end")
        for item in value:
            if start is not None and end is not None and not start <= item < end:
                raise ValueError(
                    f"start time {item:%H:%M} is outside the window {start:%H:%M}–{end:%H:%M}"
                )
        if sorted(value) != value or len(set(value)) != len(value):
            raise ValueError("start times must be listed once each, in increasing order")
        return value

    @property
    def weekdays(self) -> frozenset[int]:
        """The window's days as ``date.weekday()`` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(day) for day in self.days)


class Environment(StrictModel):
    """A customer environment; the procedure applies to productive ones only."""

    name: str = Field(min_length=1)
    productive: bool = True
    default: bool = False


class Component(StrictModel):
    """A deployable piece: a GitLab project whose release tags are the versions."""

    gitlab_project: str = Field(min_length=1)
    artifact: Literal["release_link", "package"] = "release_link"
    package_name: str | None = None
    test_environment: str | None = None
    validation: Literal["deployment", "manual"] = "deployment"


class Partner(StrictModel):
    """The partner that runs, or delegates to us, a customer's operation."""

    name: str = Field(min_length=1)
    contacts: list[Contact] = []


class CustomerContacts(StrictModel):
    """Who to tell at the customer."""

    managers: list[Contact] = []
    helpdesk: list[Contact] = []


def _default_environments() -> list[Environment]:
    return [Environment(name="PRO", productive=True, default=True)]


class Customer(StrictModel):
    """One customer: its region, calendar, window, people, environments and components."""

    name: str = Field(min_length=1)
    zammad_organization: str | None = None
    managed_by: ManagedBy = "provider"
    partner: Partner | None = None
    language: Language = "es"
    holidays: HolidayRegion
    vacations: list[Vacation] = []
    window: Window = Window()
    am_pam: bool = False
    contacts: CustomerContacts = CustomerContacts()
    environments: list[Environment] = Field(default_factory=_default_environments)
    components: dict[str, Component] = {}
    restarts: str = ""
    default_duration: Duration = timedelta(minutes=15)

    @field_validator("name")
    @classmethod
    def _usable_as_file_name(cls, value: str) -> str:
        if any(char in value for char in '/\\:*?"<>|') or value.strip() != value:
            raise ValueError(
                f"'{value}' cannot name the customer's log file: "
                'avoid / \\ : * ? " < > | and surrounding spaces'
            )
        return value

    @property
    def organization(self) -> str:
        """The Zammad organization name that identifies this customer's tickets."""
        return self.zammad_organization or self.name

    @property
    def default_environment(self) -> Environment:
        """The environment targeted when a request names none."""
        return next((env for env in self.environments if env.default), self.environments[0])


class Provider(StrictModel):
    """Us: the service provider that performs the deployments."""

    name: str = Field(min_length=1)
    timezone: str = "Europe/Madrid"
    language: Language = "es"
    holidays: HolidayRegion
    vacations: list[Vacation] = []
    max_parallel: int = Field(default=1, ge=1)
    min_notice_hours: float = Field(default=24, ge=0)
    project_team: list[Contact] = []
    support_team: list[Contact] = []
    support_portal: str = ""
    support_phone: str = ""
    email_domain: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, sorted(zoneinfo.available_timezones()), n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (e.g. Europe/Madrid)"
            raise ValueError(f"'{value}' is not an IANA time zone{hint}") from None
        return value

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The provider's time zone, in which slots are proposed and shown."""
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def min_notice(self) -> timedelta:
        """How far ahead of now the earliest slot may start."""
        return timedelta(hours=self.min_notice_hours)


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
    cancel: str = "deploy-cancel"
    customer_validated: str = "customer-validated"
    risk_accepted: str = "risk-accepted"
    validated_test: str = "validated-test"

    #: How many proposals can be chosen by tag (``deploy-slot-1`` … ``deploy-slot-9``).
    SLOTS: ClassVar[int] = 9

    @property
    def statuses(self) -> list[str]:
        """The tags that show where an open deployment stands (one at a time)."""
        return [self.blocked, self.ready, self.scheduled, self.in_progress, self.delayed]

    @property
    def slots(self) -> list[str]:
        """The tags that choose a proposed slot: ``deploy-slot-1`` … ``deploy-slot-9``."""
        return [f"{self.slot_prefix}{number}" for number in range(1, self.SLOTS + 1)]

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
        ]


class ZammadConfig(StrictModel):
    """How to reach Zammad."""

    url: str | None = None
    token_env: str = "ZAMMAD_TOKEN"
    token_file: Path | None = None
    poll_seconds: int = Field(default=60, ge=5)
    search: Literal["condition", "query"] = "condition"
    query_fallback: bool = True
    connect_timeout: float = Field(default=5, gt=0)
    read_timeout: float = Field(default=30, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    webhook_secret_env: str | None = None
    tags: ZammadTags = ZammadTags()


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


class CalendarConfig(StrictModel):
    """Where calendar events go."""

    ics_dir: Path = Path("calendar")
    caldav: CalDavConfig | None = None


class DeploymentLogConfig(StrictModel):
    """Where the per-customer Excel deployment logs live."""

    dir: Path = Path("DEPLOYMENTS")
    template: str = "TEMPLATE - Deployment log.xlsx"


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


class WorkflowConfig(StrictModel):
    """How the lifecycle behaves: proposals, the delay timer, retries of outside effects."""

    proposals: int = Field(default=3, ge=1, le=9)
    delay_grace: Duration = timedelta(minutes=10)
    alert_after_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=30, gt=0)
    retry_max_seconds: float = Field(default=3600, gt=0)


class Config(StrictModel):
    """The whole configuration file."""

    provider: Provider
    customers: list[Customer] = Field(min_length=1)
    zammad: ZammadConfig = ZammadConfig()
    gitlab: GitLabConfig = GitLabConfig()
    smtp: SmtpConfig = SmtpConfig()
    email: EmailConfig = EmailConfig()
    calendar: CalendarConfig = CalendarConfig()
    deployment_log: DeploymentLogConfig = DeploymentLogConfig()
    state: StateConfig = StateConfig()
    workflow: WorkflowConfig = WorkflowConfig()
    server: ServerConfig = ServerConfig()
    templates_dir: Path | None = None

    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The file this configuration was read from, if any."""
        return self._source

    def resolve_path(self, path: Path) -> Path:
        """A path from the configuration, relative paths being relative to the file's folder."""
        if path.is_absolute() or self._source is None:
            return path
        return self._source.parent / path

    def customer(self, name: str) -> Customer:
        """The customer with this name, compared case-insensitively."""
        for customer in self.customers:
            if customer.name.casefold() == name.casefold():
                return customer
        raise UnknownCustomerError(name, [customer.name for customer in self.customers])


class UnknownCustomerError(LookupError):
    """A customer name that is not configured; the message lists the known ones."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown customer '{name}' (known: {', '.join(known)})")
        self.name = name
        self.known = known
