"""The configuration as pydantic models: the provider, its customers and the whole ``Config``.

Configuration is loaded once by the command line and passed down; nothing here reads it at
import time. Secrets never appear as values: fields that locate a secret end in ``_env`` (the
name of an environment variable) or ``_file`` (a path).
"""

from __future__ import annotations

import difflib
import zoneinfo
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    PrivateAttr,
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
    Weekday,
    in_language,
)
from bot.config.components import Component, Environment
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
from bot.config.working_time import HolidayRegion, LocalHoliday, OfficeHours, Vacation, Window
from bot.languages import Language

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

    name: str = Field(default="", description="The person's name.")
    email: str = Field(description="Their address.")

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


class Partner(StrictModel):
    """The partner that runs, or delegates to us, a customer's operation."""

    name: str = Field(min_length=1, description="The partner's name.")
    contacts: list[Contact] = Field(default=[], description="Whom to notify at the partner.")


class CustomerContacts(StrictModel):
    """Who to tell at the customer."""

    managers: list[Contact] = Field(
        default=[], description="The customer's managers (the emails' To)."
    )
    helpdesk: list[Contact] = Field(default=[], description="The customer's helpdesk.")


class SelfService(StrictModel):
    """How a customer books its own slot from the link in the proposals."""

    self_service: Literal["confirm", "direct", "off"] = Field(
        default="confirm",
        description=(
            "`confirm`: the choice waits for the team's `deploy-accept`; `direct`: it is booked at "
            "once, as `/deploy schedule` would; `off`: no link."
        ),
    )
    link_days: int = Field(default=7, ge=1, le=60, description="How many days a link can be used.")
    accept_within: Duration = Field(
        default=timedelta(hours=4),
        description="How long a customer's choice (confirm mode) may wait for the team's "
        "deploy-accept before a note reminds the team: working time, counted in "
        "provider.office_hours on the provider's working days.",
    )
    choice_expires: int = Field(
        default=2,
        ge=1,
        le=30,
        description="After how many of the provider's working days a choice not accepted "
        "lapses: its slot is free again and the customer is told, in their language, with a "
        "fresh link.",
    )


def _default_environments() -> list[Environment]:
    return [Environment(name="PRO", productive=True, default=True)]


class Customer(StrictModel):
    """One customer: its region, calendar, window, people, environments and components."""

    name: str = Field(
        min_length=1,
        description=(
            'Short unique name (case-insensitive); names the Excel log file, so no `/ \\ : * ? " < '
            "> |`."
        ),
    )
    zammad_organization: str | None = Field(
        default=None,
        description=(
            "The Zammad organization whose tickets belong to this customer (default: `name`)."
        ),
    )
    managed_by: ManagedBy = Field(
        default="provider",
        description=(
            "`provider`, `partner_delegated` (a partner delegates operation to us and is told) or "
            "`partner_exclusive` (the partner runs it; deploybot only says so)."
        ),
    )
    partner: Partner | None = Field(
        default=None, description="The partner; required for `partner_delegated`."
    )
    language: Language = Field(
        default="es",
        description="The language of everything the customer reads: `es`, `ca` or `en`.",
    )
    holidays: HolidayRegion = Field(description="The customer's region.")
    vacations: list[Vacation] = Field(default=[], description="The customer's closed periods.")
    window: Window = Field(default=Window(), description="When deployments may take place.")
    am_pam: bool = Field(
        default=False, description="The customer runs AM/PAM: the checklist gets an explicit line."
    )
    contacts: CustomerContacts = Field(
        default=CustomerContacts(), description="Whom to notify at the customer."
    )
    environments: list[Environment] = Field(
        default_factory=_default_environments, description="The target environments."
    )
    components: dict[str, Component] = Field(default={}, description="The components, by name.")
    restarts: Localized = Field(
        default="",
        description=(
            "What is restarted: one text, or one per language (`{ca: …, es: …}`) so that each "
            "reader gets it in theirs."
        ),
    )
    default_duration: Duration = Field(
        default=timedelta(minutes=15),
        description="The estimated duration of a deployment: the slot's length.",
    )
    project_team: list[Contact] = Field(
        default=[],
        description="The customer's own project team, added to the provider's (or replacing it).",
    )
    project_team_mode: Literal["add", "replace"] = Field(
        default="add",
        description="`add` the customer's project team to the provider's, or `replace` it.",
    )
    maintenance_mode: bool = Field(
        default=True,
        description=(
            "Whether its console has a maintenance mode (the checklist lists the step only then)."
        ),
    )
    checks: list[LiveCheck] = Field(
        default=[], description="Step 3, checked: its systems' live checks."
    )
    monitoring: Monitoring = Field(
        default=Monitoring(), description="Step 3, checked: its monitoring."
    )
    booking: SelfService = Field(
        default=SelfService(),
        description="How the customer books its own slot from the link in the proposals.",
    )
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
                        f"check '{check.label}': {match.group(0)} names no component of "
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

    name: str = Field(
        min_length=1, description="The provider's name, as shown in reasons and messages."
    )
    timezone: str = Field(
        default="Europe/Madrid",
        description="IANA zone in which windows, slots and messages are expressed.",
    )
    language: Language = Field(
        default="es", description="The operator language of notes and reasons: `es`, `ca` or `en`."
    )
    holidays: HolidayRegion = Field(description="The provider's region.")
    vacations: list[Vacation] = Field(default=[], description="The provider's closed periods.")
    max_parallel: int = Field(
        default=1, ge=1, description="How many deployments (all customers) may run at once."
    )
    min_notice_hours: float = Field(
        default=24,
        ge=0,
        le=8760,
        description="The earliest slot starts more than this many hours from now.",
    )
    project_team: list[Contact] = Field(
        default=[], description="The project team, notified of every deployment."
    )
    support_team: list[Contact] = Field(
        default=[], description="The support team, notified of every deployment."
    )
    office_hours: OfficeHours = Field(
        default_factory=OfficeHours,
        description="When the team works on its working days (Monday–Friday, not its "
        "holidays or vacations): the clock of booking.accept_within.",
    )
    operators: dict[str, str] = Field(
        default_factory=dict,
        description="Who runs deploybot's commands: each account name (as $USER, or the "
        "process's login) with the name the audit trail and the log record for it, e.g. "
        "`marta: Marta Vidal`. A command's --by overrides it.",
    )
    support_portal: str = Field(
        default="", description='Quoted in the end and rollback emails ("open a ticket on …").'
    )
    support_phone: str = Field(
        default="", description='Quoted in the end and rollback emails ("… or call us on …").'
    )
    logo_url: str = Field(
        default="",
        description="An https address of the provider's logo, shown next to its name in the "
        "header of the customers' booking page (none: the name alone).",
    )
    email_domain: str | None = Field(
        default=None,
        description="The domain of the Message-IDs deploybot makes (default: the sender's).",
    )
    signature: Localized = Field(
        default="",
        description=(
            "How every email is signed (the team's name; one text or one per language; default: "
            "`name`)."
        ),
    )

    def signature_in(self, language: str) -> str:
        """The signature in ``language``; the provider's name when none is configured."""
        return in_language(self.signature, language, self.language) or self.name

    @field_validator("logo_url")
    @classmethod
    def _https_logo(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme != "https" or not parts.netloc):
            raise ValueError(
                f"'{value}' is not an https address (e.g. https://example.com/logo.png)"
            )
        return value

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

    provider: Provider = Field(description="The provider: who deploys.")
    customers: list[Customer] = Field(
        min_length=1, description="The customers deployed to (at least one)."
    )
    zammad: ZammadConfig = Field(default=ZammadConfig(), description="Zammad: the tickets.")
    gitlab: GitLabConfig = Field(default=GitLabConfig(), description="GitLab: the releases.")
    smtp: SmtpConfig = Field(default=SmtpConfig(), description="How emails are sent.")
    email: EmailConfig = Field(default=EmailConfig(), description="Who gets which email.")
    calendar: CalendarConfig = Field(
        default=CalendarConfig(), description="Where the team's events go."
    )
    deployment_log: DeploymentLogConfig = Field(
        default=DeploymentLogConfig(), description="Where each customer's deployment log is kept."
    )
    google: GoogleConfig | None = Field(
        default=None, description="The Google service account of the Google backends."
    )
    state: StateConfig = Field(
        default=StateConfig(), description="Where deploybot keeps its state."
    )
    workflow: WorkflowConfig = Field(
        default=WorkflowConfig(), description="Timings and limits of the procedure."
    )
    server: ServerConfig = Field(
        default=ServerConfig(),
        description="The HTTP endpoint: webhooks, team pages, booking links.",
    )
    templates_dir: Path | None = Field(
        default=None,
        description="A folder whose templates override the shipped ones (same relative paths).",
    )

    _source: Path | None = PrivateAttr(default=None)
    _folder: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The file this configuration was read from, if any."""
        return self._source

    def resolve_path(self, path: Path) -> Path:
        """A path from the configuration, relative paths being relative to the file's folder
        (or the one it was loaded with)."""
        if path.is_absolute() or self._folder is None:
            return path
        return self._folder / path

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
