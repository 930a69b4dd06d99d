"""What waits for the team, said the same way by ``status``, ``show``, the deployment page and
``/calendar``: a customer's choice to accept ("choice waiting since 10:05: mié 9 dic 09:00 —
accept with `deploy-accept`"), and the requests ready or blocked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.config.models import Config
from bot.domain.model import Deployment, State
from bot.domain.texts import say
from bot.domain.texts.calendar import locale_of


@dataclass(frozen=True)
class Waiting:
    """One request waiting for the team: what it is and what it waits for."""

    id: str
    customer: str
    environment: str
    state: str  # "chosen", "ready" or "blocked"
    text: str


def since_words(moment: datetime, now: datetime, tz: tzinfo) -> str:
    """When something began, as short as it can be read: the time today, else day and time."""
    local = moment.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return f"{local:%H:%M}"
    return f"{local:%d/%m %H:%M}"


def slot_words(start: datetime, language: str, tz: tzinfo) -> str:
    """A slot as a listing shows it, from CLDR: ``mié 9 dic 09:00``, ``Wed 9 Dec 09:00``."""
    from babel.dates import format_datetime

    local = start.astimezone(tz)
    text = str(format_datetime(local, "EEE d MMM", tzinfo=tz, locale=locale_of(language)))
    return f"{text.replace('.', '')} {local:%H:%M}"


def accept_how(deployment: Deployment, config: Config) -> str:
    """How the team accepts a choice: the tag on a ticket, else the command (an email
    request has no ticket)."""
    if deployment.first_ticket_id is not None:
        return f"`{config.zammad.tags.accept}`"
    return f"`deploybot accept {deployment.id}`"


def choice_waiting(
    deployment: Deployment, config: Config, *, now: datetime, language: str
) -> str | None:
    """The line that says a customer's choice waits for the team's accept (None: none does)."""
    choice = deployment.chosen
    if choice is None or deployment.state is not State.READY:
        return None
    tz = config.provider.tz
    return say(language, "waiting_choice", since=since_words(choice.at, now, tz),
               slot=slot_words(choice.start, language, tz),
               how=accept_how(deployment, config))  # fmt: skip


def waiting_for_us(
    deployments: Sequence[Deployment], config: Config, *, now: datetime, language: str
) -> list[Waiting]:
    """The requests waiting for the team, the choices to accept first, then the ready and
    the blocked ones, oldest first within each."""
    tz = config.provider.tz
    found: list[tuple[int, Waiting]] = []
    for d in sorted(deployments, key=lambda d: d.requested_at):
        if d.state not in (State.READY, State.BLOCKED):
            continue
        chosen = choice_waiting(d, config, now=now, language=language)
        since = since_words(d.requested_at, now, tz)
        if chosen is not None:
            found.append((0, Waiting(d.id, d.customer, d.environment, "chosen", chosen)))
        elif d.state is State.READY:
            text = say(language, "waiting_ready", since=since)
            found.append((1, Waiting(d.id, d.customer, d.environment, "ready", text)))
        else:
            text = say(language, "waiting_blocked", since=since)
            found.append((2, Waiting(d.id, d.customer, d.environment, "blocked", text)))
    return [waiting for _, waiting in sorted(found, key=lambda pair: pair[0])]
