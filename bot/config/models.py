"""The configuration as pydantic models: the provider, its customers and the whole ``Config``.

Configuration is loaded once by the command line and passed down; nothing here reads it at
import time. Secrets never appear as values: fields that locate a secret end in ``_env`` (the
name of an environment variable) or ``_file`` (a path).
"""

from __future__ import annotations

import difflib
import functools
import zoneinfo
from datetime import date, time, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal

import holidays
from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.config.base import (
    EMAIL_PATTERN,
    SECRET_WORDS,
    WEEKDAYS,
    Duration,
    EmailKind,
    Localized,
    ManagedBy,
    Role,
    StrictModel,
    TimeOfDay,
    Weekday,
    in_language,
)
from bot.config.sections import (
    CalDavConfig,
    CalendarConfig,
    DeploymentLogConfig,
    EmailConfig,
    GitLabConfig,
    GoogleCalendarConfig,
    GoogleConfig,
    Recipients,
    ServerConfig,
    SmtpConfig,
    StateConfig,
    WorkflowConfig,
    ZammadConfig,
    ZammadTags,
)
from bot.config.step3 import VERSION_PLACEHOLDER, LiveCheck, Monitoring
from bot.config.step3_jobs import Step3Jobs
from bot.domain.languages import Language

# The names other modules read from here (the models, their sections and value types).
__all__ = [
    "SECRET_WORDS",
    "WEEKDAYS",
    "CalDavConfig",
    "CalendarConfig",
    "Component",
    "Config",
    "Contact",
    "Customer",
    "CustomerContacts",
    "DeploymentLogConfig",
    "EmailConfig",
    "EmailKind",
    "Environment",
    "GitLabConfig",
    "GoogleCalendarConfig",
    "GoogleConfig",
    "HolidayRegion",
    "Language",
    "LocalHoliday",
    "ManagedBy",
    "Partner",
    "Provider",
    "Recipients",
    "Role",
    "ServerConfig",
    "SmtpConfig",
    "StateConfig",
    "UnknownCustomerError",
    "Vacation",
    "Weekday",
    "Window",
    "WorkflowConfig",
    "ZammadConfig",
    "ZammadTags",
]


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
        if not EMAIL_PATTERN.match(value):
            raise ValueError(f"'{value}' is not an email address")
        return value


class LocalHoliday(StrictModel):
    """A holiday the `holidays` package does not know (a town's patron saint, say)."""

    date: date
    name: str = Field(min_length=1)


@functools.cache
def _country_codes() -> frozenset[str]:
    """The ISO codes the holidays package knows, from its registry (importing no country)."""
    from holidays.registry import COUNTRIES

    return frozenset(str(entry[1]) for entry in COUNTRIES.values())


@functools.cache
def _subdivisions(country: str) -> tuple[str, ...]:
    """The subdivision codes of one country (importing only that country's module)."""
    return tuple(holidays.country_holidays(country).subdivisions)


class HolidayRegion(StrictModel):
    """Where public holidays come from: a country, optionally a subdivision, plus extra days."""

    country: str = "ES"
    subdiv: str | None = None
    extra: list[LocalHoliday] = []

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in _country_codes():
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
        known = _subdivisions(country)
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
    #: What the environment is, for emails and the report (one text or one per language).
    description: Localized = ""
    #: Whether it holds production data (said in emails and the report even when it is not
    #: the production environment).
    production_data: bool = False


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


class SelfService(StrictModel):
    """How a customer books its own slot from the link in the proposals."""

    #: ``confirm``: the choice waits for the team's ``deploy-accept``; ``direct``: it is booked
    #: at once, as ``/deploy schedule`` would; ``off``: no link.
    self_service: Literal["confirm", "direct", "off"] = "confirm"
    #: How many days a link can be used.
    link_days: int = Field(default=7, ge=1, le=60)


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
    #: What is restarted: one text, or one per language (``{ca: …, es: …}``) so that each
    #: reader gets it in theirs.
    restarts: Localized = ""
    default_duration: Duration = timedelta(minutes=15)
    #: The customer's own project team, added to the provider's (or replacing it).
    project_team: list[Contact] = []
    project_team_mode: Literal["add", "replace"] = "add"
    #: Whether its console has a maintenance mode (the checklist lists the step only then).
    maintenance_mode: bool = True
    #: Step 3, checked: its systems' live checks and its monitoring (``bot.config.step3``).
    checks: list[LiveCheck] = []
    monitoring: Monitoring = Monitoring()
    booking: SelfService = SelfService()
    step3: Step3Jobs | None = Field(
        None, description="Step 3 carried out through the customer's GitLab jobs "
        "(bot.config.step3_jobs); none: step 3 is done by hand.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _step3_names_known_components(self) -> Customer:
        unknown = self.step3.unknown_components(list(self.components)) if self.step3 else []
        if unknown:
            known = ", ".join(self.components) or "none"
            raise ValueError(
                f"step3 names {', '.join(unknown)}, not a component of {self.name} "
                f"(components: {known})"
            )
        return self

    @model_validator(mode="after")
    def _checks_name_known_components(self) -> Customer:
        for check in self.checks:
            for match in VERSION_PLACEHOLDER.finditer(check.expect_contains or ""):
                if match["component"] not in self.components:
                    known = ", ".join(self.components) or "none"
                    raise ValueError(
                        f"check '{check.name}': {match.group(0)} names no component of "
                        f"{self.name} (components: {known})"
                    )
        return self

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

    def restarts_in(self, language: str) -> str:
        """What is restarted, in ``language`` (else the customer's, else any given)."""
        return in_language(self.restarts, language, self.language)

    def environment(self, name: str) -> Environment | None:
        """The environment called ``name`` (any case), if the customer has one."""
        return next((e for e in self.environments if e.name.casefold() == name.casefold()), None)

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
    min_notice_hours: float = Field(default=24, ge=0, le=8760)
    project_team: list[Contact] = []
    support_team: list[Contact] = []
    support_portal: str = ""
    support_phone: str = ""
    email_domain: str | None = None
    #: How every email is signed (the team's name; one text or one per language).
    signature: Localized = ""

    def signature_in(self, language: str) -> str:
        """The signature in ``language``; the provider's name when none is configured."""
        return in_language(self.signature, language, self.language) or self.name

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
    google: GoogleConfig | None = None
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
