"""The service in-process, on fakes of every port: what tags and notes make deploybot do, how
it answers what it cannot do, and that every answer is given once and audited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain import routing
from bot.domain.model import State, note_texts
from bot.domain.routing import NoteSeen, Routed, TicketSeen
from tests.fakes import InProcess
from tests.scenes import START, diba, ready


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[InProcess]:
    """DIBA with one component whose release 3.2.11 fixes tickets 7412280 and 7412301."""
    yield diba(tmp_path)


def test_two_tagged_tickets_open_one_ready_deployment_with_proposals(bot: InProcess) -> None:
    ready(bot)
    deployment = bot.deployment()
    assert [t.number for t in deployment.tickets] == ["7412280", "7412301"]
    assert len(deployment.proposals) == 3
    assert "deploy" not in bot.zammad.tag_lists[1]
    assert "deploy-ready" in bot.zammad.tag_lists[2]
    notes = bot.zammad.notes(1)
    assert any("se cumplen los 13 prerrequisitos" in n for n in notes)
    assert any("deploy-slot-1" in n for n in notes)


def test_a_note_with_many_bad_commands_gets_one_reply_with_a_few_of_them(bot: InProcess) -> None:
    ready(bot)
    lines = "<br>".join(f"/deploy launch{n}" for n in range(40))
    bot.zammad.person_notes(1, lines)
    bot.cycle()
    replies = [n for n in bot.zammad.notes(1) if "No he entendido" in n]
    assert len(replies) == 1
    assert replies[0].count("no es un comando de deploybot") == 3
    assert "y 37 error(es) más en la misma nota" in replies[0]


def test_help_is_answered_once_even_when_the_note_is_read_again(bot: InProcess) -> None:
    ready(bot)
    note = bot.zammad.person_notes(1, "/deploy help")
    bot.cycle()
    bot.service.store.markers.forget(f"article:{note.id}")  # as if the poll read it again
    bot.zammad._touch(1)
    bot.cycle()
    helps = [n for n in bot.zammad.notes(1) if "Comandos de deploybot" in n]
    assert len(helps) == 1
    assert "/deploy restart las consolas y los syncservers" in helps[0]


def test_a_trigger_tag_without_deployment_is_explained_removed_and_audited(
    bot: InProcess,
) -> None:
    bot.zammad.person_tags(4, "deploy-start")
    bot.cycle()
    [note] = bot.zammad.notes(4)
    assert "este ticket no tiene ningún despliegue abierto" in note
    assert "deploy-start" not in bot.zammad.tag_lists[4]
    [entry] = bot.service.store.audit.trail("ticket-4")
    assert (entry.event, entry.actor) == ("stray-tags", "Marta Vidal")


def test_a_slot_tag_without_that_proposal_is_refused_and_removed(bot: InProcess) -> None:
    deployment_id = ready(bot)
    bot.zammad.person_tags(1, "deploy-slot-7")
    bot.cycle()
    assert bot.deployment().state is State.READY
    assert any(f"no hay propuesta 7 para {deployment_id}" in n for n in bot.zammad.notes(1))
    assert "deploy-slot-7" not in bot.zammad.tag_lists[1]
    assert [e.event for e in bot.service.store.audit.trail(deployment_id)][-1] == "slot-refused"


def test_a_slot_tag_schedules_its_proposal_and_books_everything(bot: InProcess) -> None:
    ready(bot)
    first = bot.deployment().proposals[0]
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    deployment = bot.deployment()
    assert deployment.state is State.SCHEDULED and deployment.planned_start == first
    assert bot.mailer.kinds() == ["schedule", "invitation"]
    [event] = bot.calendar.events.values()
    assert event.start == first
    assert bot.logs.rows["DIBA"][deployment.id].status == "planned"


def test_the_whole_procedure_sends_each_email_once(bot: InProcess) -> None:
    deployment_id = ready(bot)
    first = bot.deployment().proposals[0]
    bot.zammad.person_notes(1, f"/deploy schedule {first.astimezone(START.tzinfo):%Y-%m-%d %H:%M}")
    bot.cycle()
    bot.clock.set(first)
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    bot.clock.advance(timedelta(minutes=12))
    bot.zammad.person_tags(2, "deploy-done")
    bot.cycle()
    bot.cycle()
    assert bot.deployment().state is State.COMPLETED
    assert bot.mailer.kinds() == ["schedule", "invitation", "start", "end"]
    assert bot.logs.rows["DIBA"][deployment_id].status == "completed"
    assert "deployed" in bot.zammad.tag_lists[1] and "deployed" in bot.zammad.tag_lists[2]
    assert bot.service.store.outbox.pending() == []


def test_a_rollback_note_and_its_tag_in_one_cycle_roll_back_once_without_complaint(
    bot: InProcess,
) -> None:
    ready(bot)
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    bot.clock.set(bot.deployment().planned_start)  # type: ignore[arg-type]
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    bot.zammad.person_notes(1, "/deploy rollback la consola no arranca")
    bot.zammad.person_tags(1, "deploy-rollback")
    bot.cycle()
    assert bot.deployment().state is State.ROLLED_BACK
    assert "deploy-rollback" not in bot.zammad.tag_lists[1]
    notes = bot.zammad.notes(1)
    assert not [n for n in notes if "no tiene ningún despliegue abierto" in n or "ignorado" in n]
    assert bot.mailer.kinds().count("rollback") == 1


def test_a_command_written_as_a_public_note_is_not_obeyed(bot: InProcess) -> None:
    ready(bot)
    bot.zammad.person_notes(1, "/deploy cancel", internal=False)
    bot.cycle()
    assert bot.deployment().state is State.READY


def test_gitlab_down_blocks_and_the_deployment_is_rechecked_when_it_answers(
    bot: InProcess,
) -> None:
    bot.cycle()  # the first GitLab poll opens the release window
    bot.gitlab.down = True
    bot.zammad.person_tags(1, "deploy")
    bot.cycle()
    assert bot.deployment().state is State.BLOCKED
    assert bot.deployment().awaiting_gitlab
    bot.gitlab.down = False
    bot.cycle()
    assert bot.deployment().state is State.READY
    assert not bot.deployment().awaiting_gitlab


def test_an_unexpected_error_in_one_note_is_answered_once_and_the_cycle_goes_on(
    bot: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment_id = ready(bot)
    real = routing.route_note

    def broken(ticket: TicketSeen, note: NoteSeen, *args: Any) -> list[Routed]:
        if "boom" in note.body:
            raise RuntimeError("a bug deploybot did not expect")
        return real(ticket, note, *args)

    monkeypatch.setattr("bot.app.intake.zammad_acting.route_note", broken)
    bot.zammad.person_notes(1, "/deploy restart boom")
    bot.zammad.person_notes(2, "/deploy restart the syncservers")
    bot.zammad.person_tags(4, "deploy-start")
    bot.cycle()
    bot.zammad._touch(1)
    bot.cycle()
    failed = [n for n in bot.zammad.notes(1) if "no ha podido procesar esta nota" in n]
    assert len(failed) == 1 and "a bug deploybot did not expect" in failed[0]
    assert bot.deployment().restarts == "the syncservers"
    assert bot.zammad.notes(4), "another ticket's tag was still answered"
    assert "note-failed" in [e.event for e in bot.service.store.audit.trail(deployment_id)]


class Crash(BaseException):
    """The process dies here."""


@pytest.mark.parametrize("window", ["note_done", "handled"])
def test_a_crash_right_after_a_command_is_committed_does_not_repeat_it(
    bot: InProcess, monkeypatch: pytest.MonkeyPatch, window: str
) -> None:
    ready(bot)
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    bot.clock.set(bot.deployment().planned_start)  # type: ignore[arg-type]
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    first_duration = bot.deployment().duration

    def die(*args: object) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(f"bot.app.intake.zammad_poll.ZammadPoll.{window}", die)
        bot.zammad.person_notes(1, "/deploy delay 30m")
        bot.zammad.person_notes(2, "/deploy schedule 2026-12-03 11:00")
        with pytest.raises(Crash):
            bot.cycle()
    bot.restart()
    bot.cycle()
    bot.cycle()
    deployment = bot.deployment()
    assert deployment.duration == first_duration + timedelta(minutes=30)
    assert deployment.delays == 1
    assert bot.mailer.kinds().count("delay") == 1
    assert bot.service.store.outbox.pending() == []


def test_a_trigger_tag_added_again_before_the_next_poll_is_a_new_order(bot: InProcess) -> None:
    ready(bot)
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()  # refused: not scheduled yet; the tag comes off in the same cycle
    assert "deploy-start" not in bot.zammad.tag_lists[1]
    # The person tags again before the next poll: deploybot never sees the ticket without it.
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    refusals = [n for n in bot.zammad.notes(1) if "deploy-start ignorado" in n]
    assert len(refusals) == 2
    assert "deploy-start" not in bot.zammad.tag_lists[1]


def test_gitlab_not_answering_keeps_a_slot_tag_pending_instead_of_refusing_it(
    bot: InProcess,
) -> None:
    ready(bot)
    bot.gitlab.down = True
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    bot.cycle()
    assert bot.deployment().state is State.READY
    assert "deploy-slot-1" in bot.zammad.tag_lists[1]
    assert not [n for n in bot.zammad.notes(1) if "No se puede programar" in n]
    bot.gitlab.down = False
    bot.cycle()
    assert bot.deployment().state is State.SCHEDULED


def test_a_lasting_gitlab_outage_is_told_once_with_how_long_deploybot_keeps_trying(
    bot: InProcess,
) -> None:
    ready(bot)
    bot.gitlab.down = True
    first = bot.deployment().proposals[0].astimezone(START.tzinfo)
    bot.zammad.person_notes(1, f"/deploy schedule {first:%Y-%m-%d %H:%M}")
    for _ in range(6):
        bot.cycle()
        bot.clock.advance(timedelta(minutes=10))
    told = [n for n in bot.zammad.notes(1) if "GitLab no responde" in n]
    assert len(told) == 1
    assert "hasta el 27/11/2026 10:00" in told[0]
    assert bot.deployment().state is State.READY
    bot.gitlab.down = False
    bot.cycle()
    assert bot.deployment().state is State.SCHEDULED


def test_a_note_with_two_thousand_bad_commands_costs_one_reply_and_little_time(
    bot: InProcess,
) -> None:
    ready(bot)
    bot.zammad.person_notes(1, "<br>".join(f"/deploy nonsense{n}" for n in range(2000)))
    started = time.perf_counter()
    bot.cycle()
    elapsed = time.perf_counter() - started
    replies = [n for n in bot.zammad.notes(1) if "No he entendido" in n]
    assert len(replies) == 1
    assert "y 1997 error(es) más en la misma nota" in replies[0]
    assert len(replies[0]) < 4000
    assert elapsed < 5, f"{elapsed:.1f} s for one note"


def test_a_start_tag_on_friday_for_a_monday_booking_is_refused_and_no_one_is_emailed(
    bot: InProcess,
) -> None:
    ready(bot)
    first = bot.deployment().proposals[0]  # Monday 30 November
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    bot.clock.set(datetime.fromisoformat("2026-11-27T10:00:00+01:00"))  # Friday
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    assert bot.deployment().state is State.SCHEDULED
    assert "start" not in bot.mailer.kinds()
    refusal = [n for n in bot.zammad.notes(1) if "No se puede empezar" in n]
    assert len(refusal) == 1 and "es viernes" in refusal[0]
    assert "deploy-start" not in bot.zammad.tag_lists[1]
    bot.zammad.person_notes(1, "/deploy start force: the customer asked for it today")
    bot.cycle()
    assert bot.deployment().state is State.IN_PROGRESS
    assert bot.mailer.kinds().count("start") == 1
    assert "the customer asked for it today" in note_texts(bot.deployment(), "es")[-1]
    # The reason is the operator's words: the shared log reads a fixed sentence instead.
    row = bot.logs.rows["DIBA"][bot.deployment().id]
    assert "the customer asked" not in str(vars(row)["notes"])
    assert "Iniciado por el equipo de soporte" in str(vars(row)["notes"])
    assert first > bot.clock.now


def test_a_crash_before_a_new_deployment_is_committed_leaves_no_gap_in_the_numbering(
    bot: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:

        def die(*args: object, **kwargs: object) -> None:
            raise Crash

        patch.setattr("bot.app.orders.requesting.Requests.gather", die)
        bot.zammad.person_tags(1, "deploy")
        with pytest.raises(Crash):
            bot.cycle()
    bot.restart()
    bot.cycle()
    assert bot.deployment().id == "DIBA-2026-0001"
