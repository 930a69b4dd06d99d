"""What a support team meets every day, played in-process on fakes of every port: prerequisite
tags and ``/deploy recheck`` re-check at once, reminders and overdue bookings, forced bookings
that move, reschedule and cancel emails that say what happened and thread where they should."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.model import State
from integrations.zammad import ZammadError
from tests.fakes import InProcess
from tests.scenes import diba, ready

MONDAY_9 = datetime.fromisoformat("2026-11-30T09:00:00+01:00")


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[InProcess]:
    yield diba(tmp_path)


def booked(bot: InProcess) -> str:
    """Ready, then the first proposal (Monday 30/11 09:00) chosen by tag."""
    deployment_id = ready(bot)
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    deployment = bot.deployment()
    assert deployment.state is State.SCHEDULED and deployment.planned_start == MONDAY_9
    return deployment_id


def reports(bot: InProcess, ticket_id: int = 1) -> list[str]:
    return [n for n in bot.zammad.notes(ticket_id) if "Prerrequisitos del despliegue" in n]


def email_text(bot: InProcess, kind: str, index: int = -1) -> tuple[str, str]:
    """(subject, plain-text body) of the ``index``-th email of ``kind``."""
    messages = [m for key, m in bot.mailer.sent.items() if key.split(".")[1] == kind]
    message = messages[index]
    body = message.get_body(("plain",))
    assert body is not None
    return str(message["Subject"]), body.get_content()


# -- prerequisite tags and /deploy recheck ----------------------------------------------------


def test_adding_customer_validated_rechecks_a_blocked_request_at_once(tmp_path: Path) -> None:
    bot = diba(tmp_path, validated=False)
    bot.zammad.person_tags(1, "deploy")
    bot.cycle()
    assert bot.deployment().state is State.BLOCKED
    bot.zammad.person_tags(1, "customer-validated")
    bot.cycle()
    assert bot.deployment().state is State.READY
    assert len(reports(bot)) == 2
    assert "customer-validated" in bot.zammad.tag_lists[1]  # a fact, not an order: kept
    bot.cycle()
    assert len(reports(bot)) == 2


def test_a_request_tagged_together_with_its_validation_is_checked_once(tmp_path: Path) -> None:
    bot = diba(tmp_path, validated=False)
    bot.zammad.person_tags(1, "deploy", "customer-validated")
    bot.cycle()
    assert bot.deployment().state is State.READY
    assert len(reports(bot)) == 1


def test_a_prerequisite_tag_on_a_booked_deployment_changes_nothing(bot: InProcess) -> None:
    booked(bot)
    before = len(bot.zammad.notes(1))
    bot.zammad.person_tags(1, "risk-accepted")
    bot.cycle()
    assert len(bot.zammad.notes(1)) == before


def test_deploy_recheck_checks_a_pending_request_again(bot: InProcess) -> None:
    ready(bot)
    bot.zammad.person_notes(1, "/deploy recheck")
    bot.cycle()
    assert len(reports(bot)) == 2
    assert bot.deployment().state is State.READY


def test_deploy_recheck_on_a_booking_says_what_is_due_and_keeps_it(bot: InProcess) -> None:
    booked(bot)
    sent = len(bot.mailer.sent)
    bot.zammad.person_notes(1, "/deploy recheck")
    bot.cycle()
    [note] = [n for n in bot.zammad.notes(1) if "comprobado de nuevo" in n]
    assert "se cumplen los 13 prerrequisitos" in note
    assert "Al empezar, pon la etiqueta deploy-start (se puede desde las 08:30)" in note
    assert bot.deployment().state is State.SCHEDULED
    assert len(bot.mailer.sent) == sent


def test_deploy_recheck_with_words_after_it_is_explained(bot: InProcess) -> None:
    ready(bot)
    bot.zammad.person_notes(1, "/deploy recheck please")
    bot.cycle()
    [reply] = [n for n in bot.zammad.notes(1) if "No he entendido" in n]
    assert "/deploy recheck no lleva nada detrás (sobra &#39;please&#39;)" in reply


# -- reminders and overdue bookings -----------------------------------------------------------


def test_the_working_day_before_a_booking_a_reminder_rechecks_it_once(bot: InProcess) -> None:
    booked(bot)  # Monday 30/11: the reminder is on Friday 27/11 at 16:00
    bot.clock.set(datetime.fromisoformat("2026-11-27T15:59:00+01:00"))
    bot.cycle()
    assert not [n for n in bot.zammad.notes(1) if "Recordatorio" in n]
    bot.clock.set(datetime.fromisoformat("2026-11-27T16:00:00+01:00"))
    bot.cycle()
    bot.cycle()
    [note] = [n for n in bot.zammad.notes(1) if "Recordatorio" in n]
    assert "lunes 30 de noviembre de 2026, de 09:00 a 09:15" in note
    assert "se cumplen los 13 prerrequisitos" in note


def test_a_reminder_names_what_fails_before_the_start(bot: InProcess) -> None:
    booked(bot)
    bot.gitlab.release("soffid/addons/diba", "3.2.12", MONDAY_9 - timedelta(days=4))
    bot.clock.set(datetime.fromisoformat("2026-11-27T16:00:00+01:00"))
    bot.cycle()
    [note] = [n for n in bot.zammad.notes(1) if "Recordatorio" in n]
    assert "Antes de empezar hay que resolver: release_is_latest" in note


def test_a_booking_whose_start_passes_is_reported_and_tagged_overdue(bot: InProcess) -> None:
    booked(bot)
    bot.clock.set(MONDAY_9 + timedelta(minutes=9))
    bot.cycle()
    assert "deploy-overdue" not in bot.zammad.tag_lists[1]
    bot.clock.set(MONDAY_9 + timedelta(minutes=10))
    bot.cycle()
    bot.cycle()
    [note] = [n for n in bot.zammad.notes(1) if "no ha empezado" in n]
    assert "La hora de inicio reservada (09:00) ha pasado" in note
    assert "deploy-overdue" in bot.zammad.tag_lists[1]
    assert "deploy-scheduled" in bot.zammad.tag_lists[1]
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    assert bot.deployment().state is State.IN_PROGRESS
    assert "deploy-overdue" not in bot.zammad.tag_lists[1]


def test_a_booking_started_on_time_is_never_reported_overdue(bot: InProcess) -> None:
    booked(bot)
    bot.clock.set(MONDAY_9)
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    bot.clock.set(MONDAY_9 + timedelta(hours=2))
    bot.cycle()
    assert not [n for n in bot.zammad.notes(1) if "no ha empezado" in n]


# -- moving and cancelling a booking ----------------------------------------------------------


def test_a_forced_booking_stays_forced_when_moved_and_is_noted_once(bot: InProcess) -> None:
    ready(bot)
    bot.zammad.person_notes(1, "/deploy schedule 2026-12-04 09:00 force: urgent security fix")
    bot.cycle()
    assert bot.deployment().forced == "urgent security fix"
    bot.zammad.person_notes(1, "/deploy schedule 2026-12-11 09:00")  # another Friday
    bot.cycle()
    deployment = bot.deployment()
    assert deployment.state is State.SCHEDULED
    assert deployment.planned_start == datetime.fromisoformat("2026-12-11T09:00:00+01:00")
    assert [n.key for n in deployment.notes].count("note_forced") == 1
    [note] = [n for n in bot.zammad.notes(1) if "La reserva sigue forzada" in n]
    assert "urgent security fix" in note


def test_a_reschedule_email_says_from_when_to_when(bot: InProcess) -> None:
    booked(bot)
    bot.zammad.person_notes(1, "/deploy schedule 2026-12-01 09:00")
    bot.cycle()
    subject, text = email_text(bot, "schedule")
    assert "reprogramado para el 01/12/2026" in subject
    assert (
        "se ha trasladado del lunes 30 de noviembre a las 09:00 al martes 1 de diciembre de 2026, "
        "de 09:00 a 09:15:" in text
    )
    assert bot.deployment().reschedules == 1


def test_a_cancel_email_answers_the_last_email_the_customer_received(bot: InProcess) -> None:
    booked(bot)
    bot.zammad.person_notes(1, "/deploy schedule 2026-12-01 09:00")
    bot.cycle()
    bot.zammad.person_notes(1, "/deploy cancel the customer asked for it")
    bot.cycle()
    schedules = [m for key, m in bot.mailer.sent.items() if ".schedule." in key]
    [cancel] = [m for key, m in bot.mailer.sent.items() if ".cancel." in key]
    assert cancel["In-Reply-To"] == schedules[-1]["Message-ID"]


def test_the_internal_cancellation_is_not_titled_as_an_invitation(bot: InProcess) -> None:
    booked(bot)
    bot.zammad.person_notes(1, "/deploy cancel the customer asked for it")
    bot.cycle()
    subject, text = email_text(bot, "invitation")
    assert "Cancelado:" in subject and "Convocatoria" not in subject
    assert "se adjunta la anulación" in text


def test_a_timer_that_cannot_be_carried_out_holds_up_no_other(
    bot: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    booked(bot)

    def zammad_down(*args: object, **kwargs: object) -> None:
        raise ZammadError(0, "Zammad did not answer (connection refused)")

    monkeypatch.setattr(bot.service.orders, "check_booked", zammad_down)
    bot.clock.set(MONDAY_9 + timedelta(minutes=10))  # the reminder and the overdue timer are due
    bot.cycle()
    assert [n for n in bot.zammad.notes(1) if "no ha empezado" in n]
    assert [t.name for t in bot.service.store.timers.list()] == ["reminder"]  # tried again later
    assert "connection refused" in (bot.service.health.systems["zammad"].last_error or "")
