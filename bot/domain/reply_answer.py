"""What deploybot tells the team about a customer's reply to the proposed slots: the slot it
understood (a proposal, or another allowed time, or a refused one with its reasons and the
allowed options) and the one tag or command that books it. It never books by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from bot.config.models import Config
from bot.domain.calendar.rules import Booking, SlotRules, rules_for
from bot.domain.calendar.timing import slot_reasons
from bot.domain.effects import PostNote
from bot.domain.events import Origin
from bot.domain.keys import effect_key
from bot.domain.model import Deployment, State
from bot.domain.rendering import Renderer, moment_words, note_language
from bot.domain.reply_reading import Reading, read_reply
from bot.domain.routing import Reply
from bot.domain.texts import say
from bot.domain.texts.calendar import long_date


@dataclass(frozen=True)
class ReplySeen:
    """A new public article the customer wrote on a ticket."""

    article_id: int
    author: str
    body: str
    content_type: str = "text/plain"

    @property
    def is_html(self) -> bool:
        """Whether the body is HTML (an email with an HTML part, a web reply)."""
        return self.content_type.strip().lower().startswith("text/html")


def answer_reply(
    ticket_id: int,
    reply: ReplySeen,
    deployment: Deployment | None,
    config: Config,
    renderer: Renderer,
    *,
    now: datetime,
    bookings: Sequence[Booking] = (),
) -> Reply | None:
    """The team's note about a customer's reply, or None when there is no ready deployment with
    proposals on the ticket. A reply that names no option and no day gets a note saying so,
    with the allowed options; nothing is read from what a reply quotes. A slot asked for is
    judged with the slots other requests hold (``bookings``)."""
    if deployment is None or deployment.state is not State.READY or not deployment.proposals:
        return None
    customer = config.customer(deployment.customer)
    reading = read_reply(reply.body, customer.language, deployment.proposals, now,
                         html=reply.is_html)  # fmt: skip
    language = note_language(config)
    if reading is None:
        understood = [say(language, "reply_no_day"), _options(deployment, config, language)]
    else:
        held = tuple(b for b in bookings if b.id != deployment.id)
        # Each day offered is answered; the allowed options, when needed, are listed once.
        readings = [reading, *(replace(reading, day=day, others=()) for day in reading.others)]
        understood = [
            line
            for each in readings
            for line in _understood(each, deployment, config, language, now, held)
        ]
    lines = [*dict.fromkeys(understood), say(language, "reply_never_books")]
    html = renderer.note("status", config, event="reply_read", details=lines, message="",
                         deployment_id=deployment.id)  # fmt: skip
    key = effect_key(deployment.id, f"reply-{reply.article_id}", 0)
    origin = Origin("note", reply.author, ticket_id)
    note = PostNote(key, ticket_id, html)
    return Reply(deployment.id, "reply-read", origin, (note,), tuple(lines))


def _understood(
    reading: Reading,
    deployment: Deployment,
    config: Config,
    language: str,
    now: datetime,
    bookings: Sequence[Booking],
) -> list[str]:
    proposals, prefix = deployment.proposals, config.zammad.tags.slot_prefix
    rules = rules_for(config, config.customer(deployment.customer))
    if reading.kind == "option":
        start = proposals[reading.option - 1]
        refused = _refused(rules, start, deployment, config, language, now, bookings)
        slot = moment_words(start, config, language)
        tag = f"{prefix}{reading.option}"
        return refused or [say(language, "reply_option", number=reading.option, slot=slot,
                               tag=tag)]  # fmt: skip
    assert reading.day is not None
    if reading.kind == "declined":
        day = long_date(language, reading.day, with_year=False)
        declined = say(language, "reply_declined", day=day)
        return [declined, _options(deployment, config, language)]
    start = _at(reading.day, reading.at, deployment, rules)
    # Judged first: a proposal another request has taken since is refused like any slot.
    refused = _refused(rules, start, deployment, config, language, now, bookings)
    if refused:
        return refused
    words = moment_words(start, config, language)
    for number, proposal in enumerate(proposals, start=1):
        if proposal == start:
            tag = f"{prefix}{number}"
            return [say(language, "reply_proposal", slot=words, number=number, tag=tag)]
    command = start.astimezone(config.provider.tz).strftime("%Y-%m-%d %H:%M")
    return [say(language, "reply_allowed", slot=words, command=command)]


def _refused(
    rules: SlotRules,
    start: datetime,
    deployment: Deployment,
    config: Config,
    language: str,
    now: datetime,
    bookings: Sequence[Booking],
) -> list[str]:
    """Why ``start`` cannot be booked now, with the allowed options (nothing: it can)."""
    reasons = slot_reasons(rules, start, start + deployment.duration, now=now, bookings=bookings)
    if not reasons:
        return []
    text = "; ".join(reason.text for reason in reasons)
    words = moment_words(start, config, language)
    return [say(language, "reply_refused", slot=words, reasons=text),
            _options(deployment, config, language)]  # fmt: skip


def _at(day: date, at: time | None, deployment: Deployment, rules: SlotRules) -> datetime:
    """The moment a reply asks for: its time, else the time of a proposal that day, else the
    customer's first start of the day."""
    same_day = [p for p in deployment.proposals if p.astimezone(rules.tz).date() == day]
    if at is None and same_day:
        return same_day[0]
    return datetime.combine(day, at or rules.starts[0], tzinfo=rules.tz)


def _options(deployment: Deployment, config: Config, language: str) -> str:
    prefix = config.zammad.tags.slot_prefix
    listed = ", ".join(
        f"{moment_words(p, config, language)} ({prefix}{n})"
        for n, p in enumerate(deployment.proposals, start=1)
    )
    return say(language, "reply_nearest", options=listed)
