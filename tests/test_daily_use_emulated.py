"""The daily-use behaviours that involve Zammad, end to end over the emulators: a prerequisite
tag or ``/deploy recheck`` re-checks at once, the reminder the working day before, an overdue
booking tagged ``deploy-overdue``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.cli.demo import Workbench
from bot.domain.model import State
from tests.scenes import book_first_proposal

pytestmark = pytest.mark.both_stores


def bodies(bench: Workbench, ticket_id: int, text: str) -> list[str]:
    return [n["body"] for n in bench.notes(ticket_id) if text in n["body"]]


def booked(bench: Workbench) -> str:
    deployment_id = book_first_proposal(bench, tickets=(1,))
    assert bench.deployment(deployment_id).state is State.SCHEDULED
    return deployment_id


def test_a_validation_tag_rechecks_a_blocked_request_over_zammad(bench: Workbench) -> None:
    bench.zammad.set_tags(1, [])  # not validated yet
    bench.person_tags(1, "deploy")
    bench.cycle()
    [deployment] = bench.store.deployments.list()
    assert deployment.state is State.BLOCKED
    bench.person_tags(1, "customer-validated")
    bench.cycle()
    assert bench.deployment(deployment.id).state is State.READY
    assert len(bodies(bench, 1, "Prerrequisitos del despliegue")) == 2
    assert "customer-validated" in bench.zammad.tags[1]


def test_deploy_recheck_over_zammad_answers_once(bench: Workbench) -> None:
    deployment_id = booked(bench)
    bench.person_notes(1, "/deploy recheck")
    bench.cycle()
    bench.cycle()
    [note] = bodies(bench, 1, "comprobado de nuevo")
    assert "se cumplen los" in note
    assert bench.deployment(deployment_id).state is State.SCHEDULED


def test_reminder_and_overdue_over_zammad(bench: Workbench) -> None:
    deployment_id = booked(bench)
    start = bench.deployment(deployment_id).planned_start
    assert start is not None
    day_before = start.astimezone(bench.config.provider.tz) - timedelta(days=1)
    while day_before.weekday() >= 5:
        day_before -= timedelta(days=1)
    bench.clock.set(datetime.combine(day_before.date(), datetime.min.time(), day_before.tzinfo)
                    + timedelta(hours=16))  # fmt: skip
    bench.cycle()
    assert len(bodies(bench, 1, "Recordatorio")) == 1
    bench.clock.set(start + timedelta(minutes=10))
    bench.cycle()
    bench.cycle()
    assert len(bodies(bench, 1, "no ha empezado")) == 1
    assert {"deploy-overdue", "deploy-scheduled"} <= set(bench.zammad.tags[1])
