"""Exhaustive dispatch: every kind of effect, event, command and routed order has its one
handler, and a kind nobody taught them is an error — never a silent default (an unknown effect
used to fall through to the deployment log, an unknown event to "details changed"). And the toy
command of docs/explanation/architecture.md added through the documented steps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast, get_args

import pytest

from bot.app.orders.requesting import Opened
from bot.app.outbox.executors import Channels, execute
from bot.app.outside.health import SYSTEMS, HealthBook
from bot.app.run.wiring import LiveSystems
from bot.app.store import Change, codec
from bot.domain import commands, routing
from bot.domain.commands import PARSERS, Command, RawCommand
from bot.domain.effects import (
    CHANNELS,
    CalendarEvent,
    Effect,
    Email,
    LogRow,
    OutboxEffect,
    PlayJob,
    PostNote,
    PublishCalendarEvent,
    ScheduleTimer,
    SendEmail,
    SetTags,
    TimerKind,
    UpsertLogRow,
    channel_of,
    describe,
)
from bot.domain.events import (
    EVENT_NAMES,
    CancelRequested,
    DelayDue,
    Event,
    Origin,
    OverdueDue,
)
from bot.domain.languages import LANGUAGES
from bot.domain.lifecycle import transition
from bot.domain.model import State
from bot.domain.rendering import Renderer
from bot.domain.replies import route_release
from bot.domain.routing import CheckOrder, NoteSeen, TagAdded, TicketSeen, Transition
from bot.domain.texts import CATALOGUE
from tests.factories import at, make_config, make_deployment
from tests.fakes import FakeCalendar, FakeLogs, FakeMailer, FakeZammad
from tests.scenes import PROJECT, diba

CONFIG = make_config()
RENDERER = Renderer.for_config(CONFIG)


@dataclass(frozen=True)
class Unknown:
    """A new kind of effect with the fields a log write reads — and no executor."""

    key: str = "k"
    customer: str = "DIBA"
    row: LogRow = field(default_factory=lambda: LogRow("DIBA-2026-0001", "planned"))


def channels(logs: FakeLogs) -> Channels:
    zammad = FakeZammad(lambda: datetime(2026, 12, 1, tzinfo=UTC))
    return Channels(zammad=zammad, mailer=FakeMailer(), ics=FakeCalendar(), log_for=logs.log_for,
                    live=LiveSystems())  # fmt: skip


def test_an_effect_nobody_taught_the_executor_is_refused_not_written_to_the_log() -> None:
    logs = FakeLogs()
    with pytest.raises(AssertionError):
        execute(cast(Any, Unknown()), channels(logs), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert logs.rows == {}


def test_an_unknown_effect_has_no_channel_and_no_description() -> None:
    with pytest.raises(AssertionError):
        channel_of(cast(Any, Unknown()))
    with pytest.raises(AssertionError):
        describe(cast(Any, Unknown()))


def test_every_kind_of_effect_has_a_channel() -> None:
    kinds = get_args(OutboxEffect)
    assert UpsertLogRow in kinds and PlayJob in kinds and len(kinds) == 6
    row = UpsertLogRow("k", "DIBA", LogRow("DIBA-2026-0001", "planned"))
    assert channel_of(row) == "log" and "DIBA-2026-0001" in describe(row)
    play = PlayJob("k", "soffid/ops/diba", 7, 1, "maintenance-on", None, ())
    assert channel_of(play) == "gitlab" and "maintenance-on" in describe(play)


def test_every_kind_of_effect_round_trips_through_the_codec() -> None:
    assert set(codec.READERS) == set(get_args(Effect)) == set(EFFECT_SAMPLES)
    for effect in EFFECT_SAMPLES.values():
        stored = json.loads(json.dumps(codec.effect_to_json(effect)))
        assert codec.read_effect(stored) == effect


MADRID_START = at("2026-12-01 09:30")
INVITATION = CalendarEvent(
    "DIBA-2026-0001@deploybot", "DIBA", MADRID_START, MADRID_START + timedelta(minutes=15),
    "addon-diba 3.2.11", "ops@soffid.example", ("marta@diba.example",), 2, stamp=MADRID_START,
)  # fmt: skip
EFFECT_SAMPLES: dict[type, Effect] = {
    PostNote: PostNote("DIBA-2026-0001/note-7/0", 1, "<p>pong</p>", public=True),
    SetTags: SetTags("k", 1, add=("deploy-ready",), remove=("deploy-blocked",)),
    SendEmail: SendEmail(
        "k",
        Email(
            "ops@soffid.example",
            ("marta@diba.example",),
            "Subject",
            "text",
            "<p>html</p>",
            "<DIBA-2026-0001.schedule.0@soffid.example>",
            references=("<a@b>",),
            invitation=INVITATION,
        ),
    ),
    PublishCalendarEvent: PublishCalendarEvent("k", INVITATION),
    UpsertLogRow: UpsertLogRow(
        "k",
        "DIBA",
        LogRow(
            "DIBA-2026-0001",
            "planned",
            planned_start=datetime(2026, 12, 1, 9, 30),
            duration=timedelta(minutes=15),
            delays=1,
        ),
    ),
    ScheduleTimer: ScheduleTimer("k", "reminder", MADRID_START - timedelta(days=1)),
    PlayJob: PlayJob(
        "k",
        "soffid/ops/diba",
        7,
        1,
        "deploy-production",
        None,
        (("CUSTOMER", "DIBA"), ("ENVIRONMENT", "PRO")),
    ),
}


def test_an_effect_the_codec_was_not_taught_is_refused_when_written_not_when_read_back() -> None:
    with pytest.raises(TypeError):
        codec.effect_to_json(cast(Any, Unknown()))


def test_a_timer_is_never_read_as_an_outbox_effect() -> None:
    with pytest.raises(ValueError):
        codec.effect_from_json(codec.effect_to_json(EFFECT_SAMPLES[ScheduleTimer]))


def test_every_channel_effects_go_through_has_its_health_kept() -> None:
    outbox = [effect for effect in EFFECT_SAMPLES.values() if not isinstance(effect, ScheduleTimer)]
    assert {channel_of(effect) for effect in outbox} == set(CHANNELS)
    assert set(CHANNELS) <= set(SYSTEMS) == set(HealthBook(lambda: MADRID_START).systems)


# -- events, commands, routed orders --------------------------------------------------------


def test_every_kind_of_event_has_its_name_in_the_audit() -> None:
    assert set(EVENT_NAMES) == set(get_args(Event))


@dataclass(frozen=True)
class Stray:
    """An event kind the lifecycle was never taught."""

    origin: Origin = field(default_factory=lambda: Origin("cli", "someone"))


def test_an_event_nobody_taught_the_lifecycle_is_refused_not_taken_for_details() -> None:
    deployment = make_deployment()
    with pytest.raises(AssertionError):
        transition(deployment, cast(Any, Stray()), at("2026-11-30 10:00"), CONFIG)


def test_every_command_name_reads_into_its_own_kind_of_command() -> None:
    read = {
        type(PARSERS[name](RawCommand(name, SAMPLE_ARGUMENTS.get(name, ""), name), UTC))
        for name in PARSERS
    }
    assert read == set(get_args(Command))


SAMPLE_ARGUMENTS = {
    "components": "addon-diba 3.2.11",
    "env": "PRO",
    "restart": "the consoles",
    "rollback": "login loop",
    "rollback-plan": "auto",
    "schedule": "2026-12-01 09:30",
    "continue": "force: restarted by hand",
}


def test_a_command_the_orders_were_not_taught_is_refused_not_ignored() -> None:
    deployment = make_deployment()
    with pytest.raises(AssertionError):
        routing._orders(cast(Any, Stray()), deployment, Origin("note", "Marta", 1))


def test_an_order_the_shell_was_not_taught_is_refused(tmp_path: Path) -> None:
    bot = diba(tmp_path)
    ticket = bot.zammad.ticket(1)
    with pytest.raises(AssertionError):
        bot.service.orders.carry_out(cast(Any, Stray()), ticket, bot.service.reads(), cause="x")


# -- tags and timers: each kind routed in one place ---------------------------------------


def test_every_trigger_tag_has_a_role_and_every_role_a_tag() -> None:
    tags = CONFIG.zammad.tags
    roles = {routing.tag_role(tag, tags) for tag in tags.triggers if tag != tags.request}
    assert roles == set(get_args(routing.TagRole))


def route_one_tag(tag: str) -> list[routing.Routed]:
    added = TagAdded(tag, "Marta", at("2026-11-30 10:00"))
    return routing.route_tags(
        TicketSeen(1, "7412280"), [added], make_deployment(), CONFIG, RENDERER
    )


def test_a_tag_routing_does_not_know_is_answered_by_nothing_not_taken_for_a_cancel() -> None:
    [routed] = route_one_tag("deploy-pause")
    assert isinstance(routed, routing.Reply) and routed.effects == ()
    [cancel] = route_one_tag(CONFIG.zammad.tags.cancel)
    assert isinstance(cancel, Transition) and isinstance(cancel.event, CancelRequested)


def test_a_tag_role_routing_was_not_taught_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routing, "tag_role", lambda tag, tags: "pause")
    with pytest.raises(AssertionError):
        route_one_tag("deploy-pause")


def test_every_kind_of_timer_is_routed_to_its_own_order() -> None:
    deployment, origin = make_deployment(), Origin("timer", "deploybot")
    routed = {kind: routing.route_timer(kind, deployment) for kind in get_args(TimerKind)}
    assert routed["reminder"] == CheckOrder(deployment.id, origin, reminder=True)
    overdue, delay = routed["overdue"], routed["delay"]
    assert isinstance(overdue, Transition) and overdue.event == OverdueDue(origin)
    assert isinstance(delay, Transition) and delay.event == DelayDue(origin)


def test_a_timer_kind_routing_was_not_taught_is_refused() -> None:
    with pytest.raises(AssertionError):
        routing.route_timer(cast(Any, "snooze"), make_deployment())


def test_a_timer_nobody_knows_is_not_taken_for_a_delay(tmp_path: Path) -> None:
    bot = diba(tmp_path)
    running = make_deployment(state=State.IN_PROGRESS, actual_start=bot.clock())
    snooze = ScheduleTimer("k", cast(Any, "snooze"), bot.clock())
    bot.service.store.commit(
        Change(
            deployment=running,
            effects=[snooze],
            now=bot.clock(),
            source="cli",
            actor="test",
            event="seed",
            old_state=None,
        )
    )
    assert bot.service.fire_timers() == 0
    assert bot.deployment().state is State.IN_PROGRESS


# -- one path per order: GitLab releases and requests ---------------------------------------


def test_a_release_is_announced_and_rechecks_only_a_pending_request() -> None:
    alone = route_release(1, "addon-diba", PROJECT, "3.2.12", CONFIG, RENDERER, pending=False)
    assert [type(order) for order in alone] == [routing.Reply]
    announced, recheck = route_release(
        1, "addon-diba", PROJECT, "3.2.12", CONFIG, RENDERER, pending=True
    )
    assert isinstance(announced, routing.Reply) and announced.event == "release-announced"
    assert recheck == routing.Recheck(Origin("gitlab", "gitlab", 1), 1)


def test_a_request_is_opened_in_one_call_or_answered_why_not(tmp_path: Path) -> None:
    bot = diba(tmp_path)
    bot.zammad.add_ticket(9, "7419999", "Elsewhere", "Nobody we serve")
    reads, origin = bot.service.reads(), Origin("tag", "Marta", 1)
    requests = bot.service.orders.requests
    opened = requests.open([reads.ticket(1)], origin, reads, cause="deploy@1")
    assert isinstance(opened, Opened) and opened.deployment.customer == "DIBA"
    event = requests.event(opened.deployment, opened.facts, opened.report, opened.origin)
    assert opened.report.handled and event.origin == origin
    refused = requests.open([reads.ticket(9)], origin, reads, cause="deploy@1")
    assert isinstance(refused, list) and [reply.scope for reply in refused] == ["ticket-9"]


# -- the toy command of docs/explanation/architecture.md, "How to add a command" ------------


@dataclass(frozen=True)
class Ping:
    """``/deploy ping``: a toy command that answers "pong"."""

    line: str


def test_a_toy_command_added_through_the_documented_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    # Step 1 — commands.py: the command's kind and its reader in PARSERS.
    monkeypatch.setitem(commands.PARSERS, "ping", lambda raw, tz: cast(Any, Ping(raw.line)))
    # Step 2 — texts/workflow.py: how it is written, in every language.
    for language in LANGUAGES:
        monkeypatch.setitem(CATALOGUE[language], "usage_ping", "/deploy ping")
    assert "/deploy ping" in commands.help_lines("es")
    note = NoteSeen(7, "Marta", "<p>/deploy ping</p>")
    seen, deployment = TicketSeen(1, "7412280"), make_deployment()
    # Without step 3 it is read, but routing refuses it loudly (mypy says so before any test).
    with pytest.raises(AssertionError):
        routing.route_note(seen, note, deployment, CONFIG, RENDERER)
    # Step 3 — routing.py ``_orders``: what it asks for (here: an answer on the ticket).
    taught = routing._orders

    def orders(command: Any, deployment: Any, origin: Origin) -> list[routing.Routed]:
        if isinstance(command, Ping):
            effect = PostNote(f"{deployment.id}/note-7/1", 1, "pong")
            return [routing.Reply(deployment.id, "pong", origin, (effect,))]
        return taught(command, deployment, origin)

    monkeypatch.setattr(routing, "_orders", orders)
    [routed] = routing.route_note(seen, note, deployment, CONFIG, RENDERER)
    assert isinstance(routed, routing.Reply) and routed.event == "pong"
