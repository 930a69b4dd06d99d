"""One decision, one value, one transaction: ``store.commit(Change(...))`` records a transition
(the deployment's new state, its audit entry, its effects and timers) or a reply (no
deployment: its audit entry and effects), with the markers of what caused it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.store import Change, Store, sqlite_url
from bot.domain.effects import PostNote, ScheduleTimer
from bot.domain.model import State
from tests.factories import at, make_deployment


def store_in(tmp_path: Path) -> Store:
    return Store(sqlite_url(tmp_path / "state.sqlite"))


def test_a_reply_records_its_audit_entry_effects_and_markers_and_no_deployment(
    tmp_path: Path,
) -> None:
    store = store_in(tmp_path)
    note = PostNote("ticket-4/note-1005/0", 4, "<p>help</p>")
    store.commit(Change(scope="ticket-4", effects=[note], now=at("2026-12-01 09:00"),
                        source="note", actor="ana", event="help",
                        details={"lines": ["how to book"]},
                        seen_markers={"article:1005": "done"}))  # fmt: skip
    [entry] = store.audit.trail("ticket-4")
    assert (entry.event, entry.actor, entry.old_state, entry.new_state) == (
        "help", "ana", None, None)  # fmt: skip
    assert entry.details == {"lines": ["how to book"]}
    assert [(i.deployment_id, i.effect) for i in store.outbox.items()] == [("ticket-4", note)]
    assert store.markers.get("article:1005") == "done"
    assert store.deployments.list() == []


def test_a_transition_files_everything_under_its_deployment_and_arms_its_timers(
    tmp_path: Path,
) -> None:
    store = store_in(tmp_path)
    booked = make_deployment(state=State.SCHEDULED)
    note = PostNote(f"{booked.id}/1/0", 1, "<p>booked</p>")
    reminder = ScheduleTimer(f"{booked.id}/1/1", "reminder", at("2026-11-30 09:00"))
    change = Change(deployment=booked, effects=[note, reminder], now=at("2026-11-26 10:00"),
                    source="tag", actor="ana", event="deploy-schedule",
                    old_state=State.READY)  # fmt: skip
    assert change.scope == booked.id
    store.commit(change)
    assert store.deployments.get(booked.id) == booked
    [entry] = store.audit.trail(booked.id)
    assert (entry.old_state, entry.new_state) == ("ready", "scheduled")
    assert [i.effect for i in store.outbox.pending()] == [note]  # the timer is no outbox item
    [timer] = store.timers.list()
    assert (timer.deployment_id, timer.name, timer.due_at) == (
        booked.id, "reminder", at("2026-11-30 09:00"))  # fmt: skip


def test_a_change_says_what_it_is_about() -> None:
    deployment = make_deployment()
    with pytest.raises(ValueError, match="needs the scope"):
        Change(now=at("2026-12-01 09:00"), source="cli", actor="t", event="help")
    with pytest.raises(ValueError, match="filed under ticket-4"):
        Change(deployment=deployment, scope="ticket-4", now=at("2026-12-01 09:00"),
               source="cli", actor="t", event="deploy")  # fmt: skip
