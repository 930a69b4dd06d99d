"""What each channel receives for a deployment: who an email goes to and how it threads, the
calendar event, the deployment-log row. Pure: the integrations deliver what this decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

from bot.config.models import Config, Contact, Customer, EmailKind, Role
from bot.domain.effects import CalendarEvent, Email, LogRow
from bot.domain.free_text import Audience, customer_restarts
from bot.domain.model import Deployment, State, note_texts
from bot.domain.plain import plain
from bot.domain.rendering import Renderer, audience_language
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
    # The booking link's proposals (email-only requests) and the receipt of a chosen slot.
    "proposals": (("customer_managers", "partner", "requesters"), ("customer_helpdesk",)),
    # The team is copied: a request without a ticket has no note to tell it of the choice.
    "chosen": (
        ("customer_managers", "partner", "requesters"),
        ("customer_helpdesk", "support_team"),
    ),
}

# Which earlier message a reply threads under: delay, end and rollback answer the start email.
_THREAD_PARENT: dict[EmailKind, EmailKind] = {
    "delay": "start",
    "end": "start",
    "rollback": "start",
    "cancel": "schedule",
}


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


def sender_in(config: Config, language: str) -> str:
    """The sender as a reader of ``language`` sees it: the configured display name in that
    language (``Desplegaments Soffid <deploy@…>``), else the sender as configured."""
    names = config.smtp.sender_name
    name = names if isinstance(names, str) else names.get(language, "")  # type: ignore[call-overload]
    if not name:
        return config.smtp.sender
    address = parseaddr(config.smtp.sender)[1]
    return str(Address(display_name=" ".join(name.split()), addr_spec=address))


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
    if kind in ("proposals", "chosen"):
        return deployment.proposal_round
    return 0


def compose_email(
    kind: EmailKind,
    deployment: Deployment,
    config: Config,
    renderer: Renderer,
    *,
    now: datetime,
    invitation: CalendarEvent | None = None,
    **extra: Any,
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
        sender=sender_in(config, rendered.language),
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


#: Who is invited to each audience's event.
_EVENT_ROLES: dict[Audience, tuple[Role, ...]] = {
    "team": _TEAM,
    "customer": ("customer_managers", "partner", "requesters"),
}


def event_uid(deployment_id: str, audience: Audience, config: Config) -> str:
    """The UID of an audience's event: the team's is the deployment's, the customer's its own,
    so that each calendar keeps one event per deployment and each update reaches its own."""
    suffix = "" if audience == "team" else f".{audience}"
    return f"{deployment_id}{suffix}@{email_domain(config)}"


def calendar_event(
    deployment: Deployment,
    config: Config,
    renderer: Renderer,
    *,
    now: datetime,
    audience: Audience = "team",
) -> CalendarEvent:
    """A deployment's calendar event for one audience: planned (or real) times, its people,
    SEQUENCE, status, and a description in that audience's language with only what that
    audience may read.

    The team's event lives in the team's calendar (files, CalDAV, Google Calendar) and invites
    the team; the customer's travels as the invitation of the emails the customer receives
    (schedule, cancel, end, rollback) and invites the customer's managers and partner.
    """
    if deployment.planned_start is None:
        raise ValueError(f"{deployment.id} has no slot yet, so it has no calendar event")
    customer = config.customer(deployment.customer)
    language = audience_language(audience, deployment, config)
    start, end = deployment.shown_times
    assert start is not None and end is not None  # it has a slot
    description = renderer.event_text(audience, deployment, config, now=now)
    seen: set[str] = {parseaddr(config.smtp.sender)[1].casefold()}
    attendees = _unique(
        (
            a
            for role in _EVENT_ROLES[audience]
            for a in role_addresses(role, customer, config, deployment)
        ),
        seen,
    )
    tz = config.provider.tz
    summary = f"{say(language, 'event_summary')} {customer.name} {deployment.environment}"
    if deployment.state is State.ROLLED_BACK:
        # The event keeps the real times; its title says the change did not stay.
        summary = f"{summary} ({say(language, 'event_rolled_back')})"
    return CalendarEvent(
        uid=event_uid(deployment.id, audience, config),
        summary=plain(summary),
        start=start.astimezone(tz),
        end=end.astimezone(tz),
        description=plain(description),
        organizer=sender_in(config, language),
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
    language, without internal codes or the rollback guide (the team's event and checklist
    carry it)."""
    language = config.customer(deployment.customer).language
    return note_texts(deployment, language, shared=True)


def _log_restarts(deployment: Deployment, config: Config) -> str:
    """What is restarted, as the customer who shares the log is told it."""
    customer = config.customer(deployment.customer)
    return customer_restarts(deployment.restarts, customer, customer.language,
                             config.provider.language)  # fmt: skip


def _text(value: str | None) -> str | None:
    """A cell's text without the control characters a workbook refuses (outside text)."""
    return plain(value) if value is not None else None


def log_row(deployment: Deployment, config: Config) -> LogRow:
    """The deployment's row in the customer's log, times in the provider's local time."""
    tz = config.provider.tz

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
        restarts=_text(_log_restarts(deployment, config) or None),
        requested_by=_text(deployment.requested_by or None),
        performed_by=_text(deployment.performed_by or None),
        notes=_text("\n".join(_log_notes(deployment, config)) or None),
        delays=deployment.delays,
        delay_minutes=deployment.minutes_late,
        reschedules=deployment.reschedules,
    )
