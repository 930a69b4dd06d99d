"""Exhaustive dispatch of effects: every kind of effect has its executor, its channel and its
description, and a kind nobody taught them is an error — never a log write by default (an
unknown effect used to fall through to the deployment log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast, get_args

import pytest

from bot.app.executors import Channels, execute
from bot.domain.effects import LogRow, OutboxEffect, UpsertLogRow, channel_of, describe
from tests.fakes import FakeCalendar, FakeLogs, FakeMailer, FakeZammad


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
    assert UpsertLogRow in kinds and len(kinds) == 5
    row = UpsertLogRow("k", "DIBA", LogRow("DIBA-2026-0001", "planned"))
    assert channel_of(row) == "log" and "DIBA-2026-0001" in describe(row)
