"""What every transition builds with: the :class:`Builder` that collects its effects, and the
sentences and tags the handlers share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.config.models import Config, EmailKind
from bot.domain.effects import (
    CalendarEvent,
    Effect,
    PostNote,
    PublishCalendarEvent,
    ScheduleTimer,
    SendEmail,
    SetTags,
    TimerKind,
    UpsertLogRow,
)
from bot.domain.events import EVENT_NAMES, Event, Origin
from bot.domain.free_text import Audience
from bot.domain.keys import effect_key
from bot.domain.model import Deployment, State
from bot.domain.notifications import calendar_event, compose_email, log_row
from bot.domain.rendering import Renderer, note_language
from bot.domain.texts import say

#: The customer emails that carry the customer's calendar event (an invitation, its update or
#: its cancellation), so that the customer's calendar follows the booking.
CUSTOMER_INVITATIONS: tuple[EmailKind, ...] = ("schedule", "cancel", "end", "rollback")

#: The status notes that say an order was not carried out (and why).
REFUSALS = ("ignored", "refused", "start_refused", "done_held")


def new_deployment(
    deployment_id: str, customer: str, environment: str, now: datetime, *, requested_by: str = ""
) -> Deployment:
    """A fresh deployment in state ``requested``."""
    return Deployment(
        id=deployment_id,
        customer=customer,
        environment=environment,
        state=State.REQUESTED,
        requested_at=now,
        requested_by=requested_by,
    )


@dataclass
class Builder:
    """Collects the effects of one transition, numbering their keys."""

    deployment: Deployment
    config: Config
    renderer: Renderer
    now: datetime
    origin: Origin
    effects: list[Effect] = field(default_factory=list)
    #: Why the order was refused, when it was (for whoever asked outside Zammad).
    refusal: tuple[str, ...] = ()
    _events: dict[Audience, tuple[Deployment, CalendarEvent]] = field(default_factory=dict)

    def key(self) -> str:
        return effect_key(self.deployment.id, str(self.deployment.revision), len(self.effects))

    @property
    def home_ticket(self) -> int | None:
        if self.origin.ticket_id is not None:
            return self.origin.ticket_id
        return self.deployment.first_ticket_id

    def note(self, html: str, *, ticket_id: int | None = None) -> None:
        target = ticket_id if ticket_id is not None else self.home_ticket
        if target is not None:
            self.effects.append(PostNote(self.key(), target, html))

    def status(
        self, event: str, *, message: str = "", details: Sequence[str] = (), **extra: object
    ) -> None:
        if event in REFUSALS:
            self.refusal = tuple(line for line in (message, *details) if line)
        html = self.renderer.deployment_note(
            "status", self.deployment, self.config, now=self.now, event=event,
            message=message, details=list(details), **extra,
        )  # fmt: skip
        self.note(html)

    def comment(self, ticket_id: int, html: str) -> None:
        self.effects.append(PostNote(self.key(), ticket_id, html, public=True))

    def tags(self, status: str | None, consumed: Sequence[str] = ()) -> None:
        """Set the status tag on every ticket; remove the other status tags and ``consumed``."""
        remove = [t for t in [*self.config.zammad.tags.statuses, *consumed] if t != status]
        for ticket in self.deployment.tickets:
            if ticket.id is not None:
                add = (status,) if status else ()
                self.effects.append(
                    SetTags(self.key(), ticket.id, add, tuple(dict.fromkeys(remove)))
                )

    def mark(self, tag: str) -> None:
        """Add ``tag`` to every ticket, keeping the status tag."""
        for ticket in self.deployment.tickets:
            if ticket.id is not None:
                self.effects.append(SetTags(self.key(), ticket.id, (tag,), ()))

    def event(self, audience: Audience = "team") -> CalendarEvent:
        """An audience's calendar event of the deployment as it is now (built once per state)."""
        built = self._events.get(audience)
        if built is None or built[0] is not self.deployment:
            event = calendar_event(
                self.deployment, self.config, self.renderer, now=self.now, audience=audience
            )
            built = self._events[audience] = (self.deployment, event)
        return built[1]

    def _invitation(self, kind: EmailKind) -> CalendarEvent | None:
        """The event an email carries: the team's on the team's invitation, the customer's on
        the emails that book, move, cancel, close or roll back what is in its calendar."""
        if kind == "invitation":
            return self.event("team")
        if kind in CUSTOMER_INVITATIONS and self.deployment.planned_start is not None:
            return self.event("customer")
        return None

    def email(self, kind: EmailKind, **extra: object) -> None:
        email = compose_email(
            kind,
            self.deployment,
            self.config,
            self.renderer,
            now=self.now,
            invitation=self._invitation(kind),
            **extra,
        )
        if email.to:
            self.effects.append(SendEmail(self.key(), email))
            if kind != "invitation":
                # What a later cancellation answers: the last email the customer received.
                self.deployment = replace(self.deployment, last_email=email.message_id)

    def calendar(self) -> None:
        self.effects.append(PublishCalendarEvent(self.key(), self.event()))

    def log(self) -> None:
        row = log_row(self.deployment, self.config)
        self.effects.append(UpsertLogRow(self.key(), self.deployment.customer, row))

    def timer(self, name: TimerKind, due: datetime | None) -> None:
        self.effects.append(ScheduleTimer(self.key(), name, due))


def say_op(b: Builder, key: str, **values: object) -> str:
    """A sentence for the operator's notes, the log and the audit, in the operator's language."""
    return say(note_language(b.config), key, **values)


def ignored(b: Builder, event: Event, case: str) -> None:
    """The note for an event that does not apply in the deployment's state."""
    d = b.deployment
    language = b.config.provider.language
    state = say(language, f"state_{d.state.value}")
    message = say(
        language,
        "ignored",
        name=EVENT_NAMES[type(event)],
        id=d.id,
        why=say(language, f"ignored_{case}", state=state),
    )
    b.status("ignored", message=message)


def status_tag(config: Config, state: State) -> str | None:
    tags = config.zammad.tags
    return {
        State.BLOCKED: tags.blocked,
        State.READY: tags.ready,
        State.SCHEDULED: tags.scheduled,
        State.IN_PROGRESS: tags.in_progress,
        State.DELAYED: tags.delayed,
    }.get(state)


def delay_due_at(config: Config, start: datetime, duration: timedelta) -> datetime:
    return start + duration + config.workflow.delay_grace
