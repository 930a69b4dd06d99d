"""Routing: what the tags a person added and the commands a person wrote mean for the ticket's
open deployment.

Pure: the shell hands in what it read from Zammad (:class:`TicketSeen`, :class:`TagAdded`,
:class:`NoteSeen`) and the ticket's open deployment; routing answers with *orders* for the shell
(gather facts and apply an event) or :class:`Reply` values that already hold their effects (an
error, help, a tag clean-up). Every reply is keyed by its cause (``keys.py``), so routing the same
note or tag addition twice answers once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, assert_never

from bot.config.models import Config, ZammadTags
from bot.domain.commands import (
    Cancel,
    CheckAgain,
    Command,
    CommandError,
    Continue,
    Delay,
    Done,
    Help,
    Retry,
    Rollback,
    Schedule,
    SetComponents,
    SetEnvironment,
    SetRestarts,
    SetRollbackPlan,
    Start,
    Verify,
    find_commands,
    help_lines,
    parse_command,
    usage_line,
)
from bot.domain.effects import PostNote, SetTags, TimerKind
from bot.domain.events import (
    CancelRequested,
    ChoiceReminderDue,
    DelayDue,
    DelayRequested,
    DetailsChanged,
    Origin,
    OverdueDue,
    RollbackRequested,
)
from bot.domain.keys import effect_key, note_cause, tag_cause, ticket_scope
from bot.domain.lifecycle import PENDING, RUNNING
from bot.domain.model import Deployment, State
from bot.domain.problems import Problem
from bot.domain.rendering import Renderer, note_language
from bot.domain.routed import (
    CheckOrder,
    DoneOrder,
    JobsOrder,
    LapseChoice,
    MailedRequest,
    NoteSeen,
    Recheck,
    RecheckDeployment,
    Reply,
    RequestOrder,
    Routed,
    ScheduleOrder,
    StartOrder,
    TagAdded,
    TicketSeen,
    Transition,
    VerifyOrder,
)

__all__ = [
    "MAX_ERRORS_LISTED",
    "CheckOrder",
    "DoneOrder",
    "JobsOrder",
    "LapseChoice",
    "MailedRequest",
    "NoteSeen",
    "Recheck",
    "RecheckDeployment",
    "Reply",
    "RequestOrder",
    "Routed",
    "ScheduleOrder",
    "StartOrder",
    "TagAdded",
    "TagRole",
    "TicketSeen",
    "Transition",
    "VerifyOrder",
    "error_note",
    "route_assertions",
    "route_note",
    "route_requests",
    "route_tags",
    "route_timer",
    "tag_role",
]

#: How many errors of one note its reply lists (the rest are counted).
MAX_ERRORS_LISTED = 3


@dataclass(frozen=True)
class _Answer:
    """Builds the effects of one reply, numbering their keys."""

    scope: str
    cause: str
    ticket_id: int

    def note(self, index: int, html: str) -> PostNote:
        return PostNote(effect_key(self.scope, self.cause, index), self.ticket_id, html)

    def untag(self, index: int, tags: Sequence[str]) -> SetTags:
        key = effect_key(self.scope, self.cause, index)
        return SetTags(key, self.ticket_id, remove=tuple(tags))


def _scope(ticket: TicketSeen, deployment: Deployment | None) -> str:
    return deployment.id if deployment is not None else ticket_scope(ticket.id)


def error_note(
    renderer: Renderer, config: Config, line: str, problems: Sequence[Problem], usage: str
) -> str:
    """The note that answers a command or tag deploybot cannot act on, in the operator's words."""
    language = note_language(config)
    texts = [problem.text(language) for problem in problems[:MAX_ERRORS_LISTED]]
    if len(problems) > MAX_ERRORS_LISTED:
        more = Problem.of("cmd_more_errors", count=len(problems) - MAX_ERRORS_LISTED)
        texts.append(more.text(language))
    return renderer.note(
        "command_error", config, command=line, problem="; ".join(texts), usage=usage
    )


def route_note(
    ticket: TicketSeen,
    note: NoteSeen,
    deployment: Deployment | None,
    config: Config,
    renderer: Renderer,
) -> list[Routed]:
    """The orders a note's ``/deploy`` commands give, and one reply for all its mistakes."""
    origin = Origin("note", note.author, ticket.id)
    answer = _Answer(_scope(ticket, deployment), note_cause(note.article_id), ticket.id)
    language = note_language(config)
    commands: list[Command] = []
    errors: list[tuple[str, CommandError]] = []
    for raw in find_commands(note.body):
        try:
            commands.append(parse_command(raw, config.provider.tz))
        except CommandError as error:
            errors.append((raw.line, error))
    routed: list[Routed] = []
    if errors:
        lines = [line for line, _ in errors]
        html = error_note(
            renderer,
            config,
            "\n".join(lines[:MAX_ERRORS_LISTED]),
            [error.problem for _, error in errors],
            usage_line(errors[0][1].usage, language),
        )
        routed.append(Reply(answer.scope, "command-refused", origin, (answer.note(0, html),),
                            tuple(lines)))  # fmt: skip
    for index, command in enumerate(commands, start=1):
        routed.extend(_route_command(command, deployment, origin, answer, index, config, renderer))
    return routed


def _route_command(
    command: Command,
    deployment: Deployment | None,
    origin: Origin,
    answer: _Answer,
    index: int,
    config: Config,
    renderer: Renderer,
) -> list[Routed]:
    if isinstance(command, Help):
        details = help_lines(note_language(config))
        html = renderer.note("status", config, event="help", details=details)
        return [Reply(answer.scope, "help", origin, (answer.note(index, html),))]
    if deployment is None:
        problem = Problem.of("no_open_deployment", tag=config.zammad.tags.request)
        html = error_note(renderer, config, command.line, [problem], "/deploy help")
        reply = Reply(answer.scope, "command-refused", origin, (answer.note(index, html),))
        return [reply]
    routed = _orders(command, deployment, origin)
    if isinstance(command, Retry | Continue):  # said when no step-3 job holds it
        usage = usage_line(command.__class__.__name__.lower(), note_language(config))
        html = error_note(renderer, config, command.line, [Problem.of("jobs_not_held")], usage)
        unheld = Reply(answer.scope, "command-refused", origin, (answer.note(index, html),))
        return [replace(o, unheld=unheld) if isinstance(o, JobsOrder) else o for o in routed]
    return routed


def _orders(command: Command, deployment: Deployment, origin: Origin) -> list[Routed]:
    """What a well-formed command asks of the ticket's open deployment (the one place that
    says it: a command kind without a case here is a type error)."""
    pending = deployment.state in PENDING
    d, ticket = deployment.id, origin.ticket_id or 0
    match command:
        case SetComponents():
            return [Recheck(origin, ticket)] if pending else []
        case SetEnvironment():
            return [Recheck(origin, ticket, command.name)] if pending else []
        case SetRollbackPlan():
            plan = Transition(d, DetailsChanged(origin, rollback_plan=command.text))
            return [plan, Recheck(origin, ticket)] if pending else [plan]
        case CheckAgain():
            if deployment.done_held and deployment.state in RUNNING:
                return [DoneOrder(d, origin)]  # the checks that held ``done``, asked again
            return [Recheck(origin, ticket)] if pending else [CheckOrder(d, origin)]
        case SetRestarts():
            return [Transition(d, DetailsChanged(origin, restarts=command.text))]
        case Schedule():
            return [ScheduleOrder(d, origin, command.start, command.duration, command.force)]
        case Start():
            return [StartOrder(d, origin, command.force)]
        case Delay():
            return [Transition(d, DelayRequested(origin, command.extension))]
        case Rollback():
            return [Transition(d, RollbackRequested(origin, command.reason))]
        case Cancel():
            return [Transition(d, CancelRequested(origin, command.reason))]
        case Done():
            return [DoneOrder(d, origin, command.force)]
        case Verify():
            return [VerifyOrder(d, origin)]
        case Retry():
            return [JobsOrder(d, origin, "retry")]
        case Continue():
            return [JobsOrder(d, origin, "force", command.force)]
        case Help():
            return []  # answered before a deployment is needed (``_route_command``)
        case _:
            assert_never(command)


def route_tags(
    ticket: TicketSeen,
    added: Sequence[TagAdded],
    deployment: Deployment | None,
    config: Config,
    renderer: Renderer,
) -> list[Routed]:
    """The orders of the trigger tags a person added (other than the request tag)."""
    tags = config.zammad.tags
    added = [tag for tag in added if tag.tag not in (tags.request, *tags.assertions)]
    if not added:
        return []
    if deployment is None:
        return [_stray(ticket, added, config, renderer)]
    return [_route_tag(ticket, tag, deployment, config, renderer) for tag in added]


def route_requests(tagged: Sequence[tuple[TicketSeen, TagAdded]]) -> list[RequestOrder]:
    """Tickets tagged for deployment in one cycle: one request per Zammad organization (so per
    customer), so that a deployment starts with all its tickets. The first ticket's tag
    addition is the cause; who added it is the actor."""
    groups: dict[int | None, list[tuple[TicketSeen, TagAdded]]] = {}
    for ticket, added in tagged:
        groups.setdefault(ticket.organization_id, []).append((ticket, added))
    orders = []
    for group in groups.values():
        first, added = group[0]
        origin = Origin("tag", added.by, first.id)
        cause = tag_cause(added.tag, added.at)
        ids = tuple(ticket.id for ticket, _ in group)
        orders.append(RequestOrder(origin, ids, cause, tuple(a for _, a in group)))
    return orders


def route_assertions(
    ticket: TicketSeen,
    added: Sequence[TagAdded],
    deployment: Deployment | None,
    config: Config,
    *,
    requested: bool,
) -> list[Routed]:
    """What adding ``customer-validated``, ``risk-accepted`` or ``validated-test`` asks for:
    one re-check of the ticket's pending request, at once. Nothing when the ticket has no
    pending request (the tag is kept for when it has one) or when it was just tagged for
    deployment in the same change (that request checks everything already)."""
    tags = config.zammad.tags
    asserted = [tag for tag in added if tag.tag in tags.assertions]
    if not asserted or requested or deployment is None or deployment.state not in PENDING:
        return []
    return [Recheck(Origin("tag", asserted[0].by, ticket.id), ticket.id)]


def _stray(
    ticket: TicketSeen, added: Sequence[TagAdded], config: Config, renderer: Renderer
) -> Reply:
    """Trigger tags on a ticket without an open deployment: say so and take them off."""
    names = [tag.tag for tag in added]
    answer = _Answer(ticket_scope(ticket.id), tag_cause(names[0], added[0].at), ticket.id)
    problem = Problem.of("no_open_deployment", tag=config.zammad.tags.request)
    usage = Problem.of("usage_tag_request", tag=config.zammad.tags.request)
    html = error_note(
        renderer, config, ", ".join(names), [problem], usage.text(note_language(config))
    )
    origin = Origin("tag", added[0].by, ticket.id)
    effects = (answer.note(0, html), answer.untag(1, names))
    return Reply(answer.scope, "stray-tags", origin, effects, tuple(names))


def route_timer(kind: TimerKind, deployment: Deployment) -> Routed:
    """What a timer of the deployment asks for when it comes due (the one place that says it:
    a kind of timer without a case here is a type error)."""
    origin, d = Origin("timer", "deploybot"), deployment.id
    match kind:
        case "reminder":
            return CheckOrder(d, origin, reminder=True)
        case "overdue":
            return Transition(d, OverdueDue(origin), (("timer", kind),))
        case "delay":
            return Transition(d, DelayDue(origin), (("timer", kind),))
        case "choice-reminder":
            return Transition(d, ChoiceReminderDue(origin), (("timer", kind),))
        case "choice-lapse":
            return LapseChoice(d, origin)
        case _:
            assert_never(kind)


#: What a trigger tag asks for (each tag's name comes from the configuration).
TagRole = Literal["slot", "accept", "start", "delay", "rollback", "done", "cancel"]


def tag_role(tag: str, tags: ZammadTags) -> TagRole | None:
    """What a trigger tag asks for (each role but ``slot`` is the ``zammad.tags`` field that
    names its tag); None for a tag that is no order."""
    if tag.startswith(tags.slot_prefix) and tag.removeprefix(tags.slot_prefix).isdigit():
        return "slot"
    named: tuple[TagRole, ...] = ("accept", "start", "delay", "rollback", "done", "cancel")
    return next((role for role in named if getattr(tags, role) == tag), None)


def _route_tag(
    ticket: TicketSeen, added: TagAdded, deployment: Deployment, config: Config, renderer: Renderer
) -> Routed:
    """The order of one trigger tag (the one place that says it: a role without a case here is
    a type error, and a tag with no role is answered by nothing)."""
    tag, d = added.tag, deployment.id
    origin = Origin("tag", added.by, ticket.id)
    answer = _Answer(d, tag_cause(tag, added.at), ticket.id)
    role = tag_role(tag, config.zammad.tags)
    already = {"rollback": State.ROLLED_BACK, "cancel": State.CANCELLED}.get(role or "")
    if already is not None and deployment.state is already:
        # The matching note command was just carried out: the tag only needs consuming.
        return Reply(d, "tag-consumed", origin, (answer.untag(0, [tag]),), (tag,))
    match role:
        case "slot":
            number = int(tag.removeprefix(config.zammad.tags.slot_prefix))
            if 1 <= number <= len(deployment.proposals):
                return ScheduleOrder(d, origin, deployment.proposals[number - 1])
            problem = Problem.of("no_proposal", number=number, id=d)
            return _refused(d, "slot-refused", origin, answer, tag, problem, config, renderer)
        case "accept":
            if deployment.chosen is not None:
                return ScheduleOrder(d, origin, deployment.chosen.start)
            problem = Problem.of("no_choice", id=d)
            return _refused(d, "accept-refused", origin, answer, tag, problem, config, renderer)
        case "start":
            return StartOrder(d, origin)
        case "delay":
            return Transition(d, DelayRequested(origin))
        case "rollback":
            return Transition(d, RollbackRequested(origin))
        case "done":
            return DoneOrder(d, origin)
        case "cancel":
            return Transition(d, CancelRequested(origin))
        case None:
            return Reply(d, "tag-ignored", origin, (), (tag,))
        case _:
            assert_never(role)


def _refused(
    d: str,
    event: str,
    origin: Origin,
    answer: _Answer,
    tag: str,
    problem: Problem,
    config: Config,
    renderer: Renderer,
) -> Reply:
    """A tag that asks for what cannot be: say why, with the usage, and take the tag off."""
    usage = usage_line("schedule", note_language(config))
    html = error_note(renderer, config, tag, [problem], usage)
    effects = (answer.note(0, html), answer.untag(1, [tag]))
    return Reply(d, event, origin, effects, (tag,))
