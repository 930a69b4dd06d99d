"""Exhaustive dispatch: every kind of effect, event, command and routed order has its one
handler, and a kind nobody taught them is an error — never a silent default (an unknown effect
used to fall through to the deployment log, an unknown event to "details changed"). And the toy
command of docs/explanation/architecture.md added through the documented steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast, get_args

import pytest

from bot.app.executors import Channels, execute
from bot.domain import commands, routing
from bot.domain.commands import PARSERS, Command, RawCommand
from bot.domain.effects import (
    LogRow,
    OutboxEffect,
    PlayJob,
    PostNote,
    UpsertLogRow,
    channel_of,
    describe,
)
from bot.domain.events import EVENT_NAMES, Event, Origin
from bot.domain.languages import LANGUAGES
from bot.domain.lifecycle import transition
from bot.domain.rendering import Renderer
from bot.domain.routing import NoteSeen, TicketSeen
from bot.domain.texts import CATALOGUE
from tests.factories import at, make_config, make_deployment
from tests.fakes import FakeCalendar, FakeLogs, FakeMailer, FakeZammad
from tests.scenes import diba

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
    return Channels(zammad=zammad, mailer=FakeMailer(), ics=FakeCalendar(), log_for=logs.log_for)


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
