"""Answers that change no deployment but are decisions all the same: a request deploybot cannot
attach to a customer, a release announced on the tickets it fixes, an alert to the operator when
an effect keeps failing. Each is a :class:`~bot.domain.routing.Reply` with its keyed effects.
"""

from __future__ import annotations

import html
from datetime import datetime

from bot.config.models import Config
from bot.domain.effects import Email, OutboxEffect, PostNote, SendEmail, SetTags, describe
from bot.domain.events import Origin
from bot.domain.keys import digest, effect_key, release_cause, ticket_scope
from bot.domain.model import Deployment
from bot.domain.notifications import contact_addresses, sender_in
from bot.domain.prerequisites.result import Report
from bot.domain.rendering import Renderer, note_language
from bot.domain.routing import Recheck, Reply, Routed
from bot.domain.texts import say

#: The outbox scope of operator alerts (they never alert about themselves).
ALERTS = "alerts"


def unattached(
    ticket_id: int, cause: str, report: Report, origin: Origin, config: Config, renderer: Renderer
) -> Reply:
    """A tagged ticket with no deployment to join (no customer, or one we do not handle): the
    report says why, and the request tag comes off."""
    scope = ticket_scope(ticket_id)
    effects: tuple[OutboxEffect, ...] = (
        PostNote(
            effect_key(scope, cause, 0), ticket_id, renderer.prerequisites_note(report, config)
        ),
        SetTags(effect_key(scope, cause, 1), ticket_id, remove=(config.zammad.tags.request,)),
    )
    summary = report.summary(note_language(config))
    return Reply(scope, "request-unattached", origin, effects, (summary,))


def not_processed(
    ticket_id: int,
    scope: str,
    cause: str,
    error: str,
    origin: Origin,
    config: Config,
    renderer: Renderer,
    *,
    tag: str | None = None,
) -> Reply:
    """A note or a tag deploybot failed on unexpectedly: said once, and a tag comes off, so
    the same item never stops a cycle again."""
    language = note_language(config)
    if tag is None:
        message, event = say(language, "not_processed_note", error=error), "note-failed"
    else:
        message, event = say(language, "not_processed_tag", tag=tag, error=error), "tag-failed"
    note = renderer.note("status", config, event="alert_item", message=message)
    failed = f"{cause}-failed"
    effects: list[OutboxEffect] = [PostNote(effect_key(scope, failed, 0), ticket_id, note)]
    if tag is not None:
        effects.append(SetTags(effect_key(scope, failed, 1), ticket_id, remove=(tag,)))
    return Reply(scope, event, origin, tuple(effects), (error,))


def gitlab_waiting(
    ticket_id: int,
    deployment_id: str,
    cause: str,
    until: datetime,
    origin: Origin,
    config: Config,
    renderer: Renderer,
) -> Reply:
    """A command that waits because GitLab does not answer: said once, with until when."""
    language = note_language(config)
    when = until.astimezone(config.provider.tz).strftime("%d/%m/%Y %H:%M")
    message = say(language, "gitlab_waiting", id=deployment_id, until=when)
    note = renderer.note("status", config, event="alert_item", message=message)
    key = effect_key(deployment_id, f"{cause}-waiting", 0)
    return Reply(deployment_id, "waiting-for-gitlab", origin, (PostNote(key, ticket_id, note),),
                 (message,))  # fmt: skip


def release_announcement(
    ticket_id: int, component: str, project: str, tag: str, config: Config, renderer: Renderer
) -> Reply:
    """A production release that mentions the ticket: a note saying it is out."""
    scope = ticket_scope(ticket_id)
    note = renderer.note("status", config, event="released", message=f"{component} {tag}")
    key = effect_key(scope, release_cause(project, tag), 0)
    origin = Origin("gitlab", "gitlab", ticket_id)
    return Reply(scope, "release-announced", origin, (PostNote(key, ticket_id, note),),
                 (f"{component} {tag}",))  # fmt: skip


def route_release(
    ticket_id: int,
    component: str,
    project: str,
    tag: str,
    config: Config,
    renderer: Renderer,
    *,
    pending: bool,
) -> list[Routed]:
    """What a production release that fixes the ticket asks for: its announcement on the
    ticket and, when the ticket is in a pending request, a re-check of that request."""
    routed: list[Routed] = [release_announcement(ticket_id, component, project, tag, config,
                                                 renderer)]  # fmt: skip
    if pending:
        routed.append(Recheck(Origin("gitlab", "gitlab", ticket_id), ticket_id))
    return routed


def alert(
    deployment_id: str,
    deployment: Deployment | None,
    effect: OutboxEffect,
    attempts: int,
    error: str,
    config: Config,
    renderer: Renderer,
) -> Reply:
    """An effect that keeps failing: a note on the deployment's first ticket and an email to the
    support team, in the operator's language."""
    language = note_language(config)
    message = say(
        language,
        "alert_message",
        effect=describe(effect, language),
        attempts=attempts,
        error=error,
    )
    cause = f"alert-{digest(effect.key)}"
    effects: list[OutboxEffect] = []
    home = deployment.first_ticket_id if deployment else None
    if home is not None:
        note = renderer.note(
            "status", config, event="alert", deployment_id=deployment_id, message=message
        )
        effects.append(PostNote(effect_key(ALERTS, cause, 0), home, note))
    support = tuple(contact_addresses(config.provider.support_team))
    if support:
        email = Email(
            sender=sender_in(config, language),
            to=support,
            subject=say(language, "alert_subject", id=deployment_id),
            text=f"{message}\n",
            html=f"<p>{html.escape(message)}</p>",
            message_id=f"<alert.{deployment_id}.{digest(effect.key)}@deploybot>",
        )
        effects.append(SendEmail(effect_key(ALERTS, cause, 1), email))
    origin = Origin("timer", "deploybot")
    return Reply(ALERTS, "alert", origin, tuple(effects), (message,))
