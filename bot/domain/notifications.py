"""What each channel receives for a deployment: who an email goes to and how it threads, the
calendar event, the deployment-log row. Pure: the integrations deliver what this decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.headerregistry import Address
from email.utils import parseaddr

from bot.config.models import Config, Contact, Customer, EmailKind, Role
from bot.domain.effects import CalendarEvent, Email, LogRow
from bot.domain.model import Deployment, State, note_texts
from bot.domain.plain import plain
from bot.domain.prerequisites.rollback import guide_steps
from bot.domain.rendering import Renderer
from bot.domain.texts import say

_CUSTOMER_FACING: tuple[Role, ...] = ("customer_managers", "customer_helpdesk", "partner")
_TEAM: tuple[Role, ...] = ("project_team", "support_team")

DEFAULT_RECIPIENTS: dict[EmailKind, tuple[tuple[Role, ...], tuple[Role, ...]]] = {
    "schedule": (("customer_managers", "partner", "requesters"), ("customer_helpdesk", *_TEAM)),
    "start": ((*_CUSTOMER_FACING, "requesters"), _TEAM),
    "delay": ((*_CUSTOMER_FACING, "requesters"), _TEAM),
    "end": ((*_CUSTOMER_FACING, "requesters"), _TEAM),
    "rollback": ((*_CUSTOMER_FACING, "requesters"), _TEAM),
    "cancel": ((*_CUSTOMER_FACING, "requesters"), _TEAM),
    "invitation": (_TEAM, ()),
}

# Which earlier message a reply threads under: delay, end and rollback answer the start email.
_THREAD_PARENT: dict[EmailKind, EmailKind] = {
    "delay": "start",
    "end": "start",
    "rollback": "start",
    "cancel": "schedule",
}

_SUMMARY = {"es": "Despliegue", "ca": "Desplegament", "en": "Deployment"}
_ROLLED_BACK = {"es": "marcha atrás", "ca": "marxa enrere", "en": "rolled back"}


def contact_addresses(contacts: Iterable[Contact]) -> list[str]:
    """Contacts as header addresses (``Name <address>``, quoted where the name needs it)."""
    return [
        str(Address(display_name=contact.name, addr_spec=contact.email)) for contact in contacts
    ]


def role_addresses(
    role: Role, customer: Customer, config: Config, deployment: Deployment
) -> list[str]:
    """The addresses a role stands for, for this customer and deployment."""
    if role == "customer_managers":
        return contact_addresses(customer.contacts.managers)
    if role == "customer_helpdesk":
        return contact_addresses(customer.contacts.helpdesk)
    if role == "partner":
        delegated = customer.managed_by == "partner_delegated" and customer.partner is not None
        return (
            contact_addresses(customer.partner.contacts) if delegated and customer.partner else []
        )
    if role == "project_team":
        own = customer.project_team
        team = (
            own
            if customer.project_team_mode == "replace"
            else [*own, *config.provider.project_team]
        )
        return contact_addresses(team)
    if role == "support_team":
        return contact_addresses(config.provider.support_team)
    return list(deployment.email_requesters)


def _unique(addresses: Iterable[str], seen: set[str]) -> tuple[str, ...]:
    kept = []
    for address in addresses:
        key = parseaddr(address)[1].casefold()
        if key and key not in seen:
            seen.add(key)
            kept.append(address)
    return tuple(kept)


def recipients_for(
    kind: EmailKind, deployment: Deployment, config: Config
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(To, Cc) of an email: the configured roles, or the defaults; no address twice."""
    customer = config.customer(deployment.customer)
    configured = config.email.recipients.get(kind)
    to_roles, cc_roles = (
        (tuple(configured.to), tuple(configured.cc)) if configured else DEFAULT_RECIPIENTS[kind]
    )
    seen: set[str] = set()
    to = _unique(
        (a for role in to_roles for a in role_addresses(role, customer, config, deployment)), seen
    )
    cc = _unique(
        (a for role in cc_roles for a in role_addresses(role, customer, config, deployment)), seen
    )
    if not to and cc:
        # Nobody in a To role (a customer without managers, say): promote the copies.
        to, cc = cc, ()
    return to, cc


def email_domain(config: Config) -> str:
    """The domain of deploybot's Message-IDs: the provider's, or the sender's."""
    if config.provider.email_domain:
        return config.provider.email_domain
    sender = parseaddr(config.smtp.sender)[1]
    return sender.rpartition("@")[2] or "deploybot.invalid"


def message_id(deployment_id: str, kind: EmailKind, sequence: int, domain: str) -> str:
    """The stable Message-ID of one email of a deployment: the same key gives the same id."""
    return f"<{deployment_id}.{kind}.{sequence}@{domain}>"


def email_sequence(kind: EmailKind, deployment: Deployment) -> int:
    """Which occurrence of an email kind this is: reschedules and repeated delays count up."""
    if kind in ("schedule", "invitation", "cancel"):
        return deployment.calendar_sequence
    if kind == "delay":
        return max(deployment.delays - 1, 0)
    return 0


def compose_email(
    kind: EmailKind,
    deployment: Deployment,
    config: Config,
    renderer: Renderer,
    *,
    now: datetime,
    invitation: CalendarEvent | None = None,
    **extra: str,
) -> Email:
    """The email of ``kind`` for ``deployment``: rendered, addressed and threaded.

    A cancellation answers the last email the customer received; delay, end and rollback
    answer the start email.
    """
    rendered = renderer.email(kind, deployment, config, now=now, **extra)
    to, cc = recipients_for(kind, deployment, config)
    domain = email_domain(config)
    references: list[str] = [deployment.email_thread] if deployment.email_thread else []
    in_reply_to = deployment.email_thread
    parent = _THREAD_PARENT.get(kind)
    if kind == "cancel" and deployment.last_email:
        in_reply_to = deployment.last_email
        references.append(in_reply_to)
    elif parent is not None:
        parent_sequence = deployment.calendar_sequence if parent == "schedule" else 0
        in_reply_to = message_id(deployment.id, parent, parent_sequence, domain)
        references.append(in_reply_to)
    return Email(
        sender=config.smtp.sender,
        to=to,
        cc=cc,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=message_id(deployment.id, kind, email_sequence(kind, deployment), domain),
        in_reply_to=in_reply_to,
        references=tuple(references),
        invitation=invitation,
    )


def calendar_event(
    deployment: Deployment, config: Config, renderer: Renderer, *, now: datetime
) -> CalendarEvent:
    """The deployment's calendar event: planned (or real) times, parties, SEQUENCE, status."""
    if deployment.planned_start is None:
        raise ValueError(f"{deployment.id} has no slot yet, so it has no calendar event")
    customer = config.customer(deployment.customer)
    language = config.provider.language
    start = deployment.actual_start or deployment.planned_start
    end = deployment.actual_end or deployment.planned_end or start
    description = renderer.email("invitation", deployment, config, now=now).text
    seen: set[str] = {parseaddr(config.smtp.sender)[1].casefold()}
    roles: tuple[Role, ...] = (*_TEAM, "customer_managers", "partner")
    attendees = _unique(
        (a for role in roles for a in role_addresses(role, customer, config, deployment)), seen
    )
    tz = config.provider.tz
    summary = f"{_SUMMARY.get(language, 'Deployment')} {customer.name} {deployment.environment}"
    if deployment.state is State.ROLLED_BACK:
        # The event keeps the real times; its title says the change did not stay.
        summary = f"{summary} ({_ROLLED_BACK.get(language, 'rolled back')})"
    return CalendarEvent(
        uid=f"{deployment.id}@{email_domain(config)}",
        summary=plain(summary),
        start=start.astimezone(tz),
        end=end.astimezone(tz),
        description=plain(description),
        organizer=config.smtp.sender,
        attendees=attendees,
        sequence=deployment.calendar_sequence,
        cancelled=deployment.state is State.CANCELLED,
        stamp=now,
    )


_LOG_STATUS: dict[State, str] = {
    State.SCHEDULED: "planned",
    State.IN_PROGRESS: "in_progress",
    State.DELAYED: "delayed",
    State.COMPLETED: "completed",
    State.ROLLED_BACK: "rolled_back",
    State.CANCELLED: "cancelled",
}


def _log_notes(deployment: Deployment, config: Config) -> tuple[str, ...]:
    """The deployment's notes for its log row, which the customer shares: in the customer's
    language, without internal codes, the rollback guide first."""
    language = config.customer(deployment.customer).language
    notes = note_texts(deployment, language, shared=True)
    steps = guide_steps(deployment, config, language)
    if not steps:
        return notes
    return (say(language, "guide_title", guide="; ".join(steps)), *notes)


def _text(value: str | None) -> str | None:
    """A cell's text without the control characters a workbook refuses (outside text)."""
    return plain(value) if value is not None else None


def log_row(deployment: Deployment, config: Config) -> LogRow:
    """The deployment's row in the customer's log, times in the provider's local time."""
    tz = config.provider.tz
    customer = config.customer(deployment.customer)

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    components = deployment.components
    label = config.zammad.ticket_label
    # Every text cell holds outside text somewhere (titles, reasons, names).
    return LogRow(
        deployment_id=deployment.id,
        status=_LOG_STATUS.get(deployment.state, "planned"),
        requested=local(deployment.requested_at),
        planned_start=local(deployment.planned_start),
        planned_end=local(deployment.planned_end),
        actual_start=local(deployment.actual_start),
        actual_end=local(deployment.actual_end),
        duration=deployment.actual_duration,
        environment=_text(deployment.environment),
        tickets=_text(
            "\n".join(f"{label(t.number)} {t.title}" for t in deployment.tickets) or None
        ),
        components=_text(", ".join(f"{c.name} {c.version}" for c in components) or None),
        previous_versions=_text(
            ", ".join(f"{c.name} {c.rollback_version}" for c in components if c.rollback_version)
            or None
        ),
        description=_text(deployment.description or None),
        restarts=_text(deployment.restarts or customer.restarts_in(customer.language) or None),
        requested_by=_text(deployment.requested_by or None),
        performed_by=_text(deployment.performed_by or None),
        notes=_text("\n".join(_log_notes(deployment, config)) or None),
        delays=deployment.delays,
        delay_minutes=deployment.minutes_late,
        reschedules=deployment.reschedules,
    )
