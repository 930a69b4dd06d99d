"""End to end: people work in (emulated) Zammad; deploybot answers with notes, tags, emails to a
real SMTP server, an .ics file and the Excel log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage

import icalendar
import pytest

from bot.app.store import Change
from bot.cli.demo import Workbench
from bot.domain.model import ComponentVersion, State, note_texts
from emulators.server import Faults
from integrations.deployment_log import DeploymentLog
from integrations.mail import SmtpMailer, SmtpSettings
from tests.factories import make_deployment
from tests.servers import SmtpSink, smtp_sink

pytestmark = pytest.mark.both_stores


@pytest.fixture
def sink(bench: Workbench) -> Iterator[SmtpSink]:
    """Emails go to a real SMTP server on loopback."""
    with smtp_sink() as running:
        settings = SmtpSettings(host="127.0.0.1", port=running.port, starttls=False)
        bench.service.channels.mailer = SmtpMailer(settings)
        yield running


def kinds(sink: SmtpSink) -> list[str]:
    return [str(r.message["Message-ID"]).split(".")[1] for r in sink.received]


def message(sink: SmtpSink, kind: str) -> EmailMessage:
    [found] = [r.message for r in sink.received if f".{kind}." in str(r.message["Message-ID"])]
    return found


def requested(bench: Workbench) -> str:
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    bench.cycle()
    [deployment] = bench.store.deployments.list()
    return deployment.id


def scheduled(bench: Workbench) -> str:
    deployment_id = requested(bench)
    first = bench.deployment(deployment_id).proposals[0].astimezone(bench.config.provider.tz)
    bench.person_notes(1, f"/deploy schedule {first:%Y-%m-%d %H:%M}")
    bench.cycle()
    return deployment_id


def started(bench: Workbench) -> str:
    deployment_id = scheduled(bench)
    bench.clock.set(bench.deployment(deployment_id).planned_start)  # type: ignore[arg-type]
    bench.person_tags(1, "deploy-start")
    bench.cycle()
    return deployment_id


def log_rows(bench: Workbench, customer: str = "DIBA") -> list[dict[str, object]]:
    return DeploymentLog(bench.out / "DEPLOYMENTS", customer).read_rows()


def ics(bench: Workbench, deployment_id: str) -> icalendar.Event:
    path = bench.out / "calendar" / f"{deployment_id}_soffid.example.ics"
    [event] = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert isinstance(event, icalendar.Event)
    return event


@pytest.mark.both_searches
def test_the_whole_procedure_once(bench: Workbench, sink: SmtpSink) -> None:
    deployment_id = started(bench)
    start = bench.clock()
    bench.clock.advance(timedelta(minutes=26))
    bench.cycle()  # the delay timer fires
    bench.clock.advance(timedelta(minutes=9))
    bench.person_tags(1, "deploy-done")
    bench.cycle()
    bench.cycle()  # a quiet cycle changes nothing

    final = bench.deployment(deployment_id)
    assert final.state is State.COMPLETED
    assert kinds(sink) == ["schedule", "invitation", "start", "delay", "end"]
    start_id = message(sink, "start")["Message-ID"]
    assert message(sink, "end")["In-Reply-To"] == start_id
    assert message(sink, "delay")["In-Reply-To"] == start_id
    assert "npuig@diba.example" in sink.received[0].rcpt_tos
    [row] = log_rows(bench)
    assert row["status"] == "Completat" and row["actual_start"] == start.replace(tzinfo=None)
    event = ics(bench, deployment_id)
    assert int(str(event["SEQUENCE"])) == 1 and event.decoded("DTEND") == final.actual_end
    assert sorted(bench.zammad.tags[1]) == ["customer-validated", "deployed"]
    comments = [a for a in bench.zammad.ticket_articles(2) if not a["internal"]]
    assert any("Desplegat a producció" in a["body"] for a in comments)
    trail = [(e.event, e.source, e.actor) for e in bench.store.audit.trail(deployment_id)]
    assert trail == [
        ("deploy", "tag", "Marta Vidal"),
        ("deploy-schedule", "note", "Marta Vidal"),
        ("deploy-start", "tag", "Marta Vidal"),
        ("delay-timer", "timer", "deploybot"),
        ("deploy-done", "tag", "Marta Vidal"),
    ]
    assert bench.store.outbox.pending() == []


def test_a_slot_tag_schedules_the_proposal(bench: Workbench) -> None:
    deployment_id = requested(bench)
    second = bench.deployment(deployment_id).proposals[1]
    bench.person_tags(2, "deploy-slot-2")
    bench.cycle()
    deployment = bench.deployment(deployment_id)
    assert deployment.state is State.SCHEDULED and deployment.planned_start == second
    assert "deploy-slot-2" not in bench.zammad.tags[2]


def test_reschedule_updates_the_same_event_and_row(bench: Workbench) -> None:
    deployment_id = scheduled(bench)
    bench.person_notes(1, "/deploy schedule 2026-12-03 11:00 30m")
    bench.cycle()
    deployment = bench.deployment(deployment_id)
    assert deployment.calendar_sequence == 1
    assert int(str(ics(bench, deployment_id)["SEQUENCE"])) == 1
    [row] = log_rows(bench)
    assert isinstance(row["planned_start"], datetime)
    assert row["planned_start"].isoformat() == "2026-12-03T11:00:00"
    mails = sorted(p.name.split("_")[0] for p in (bench.out / "mail").iterdir())
    assert "DIBA-2026-0001.schedule.1" in mails and "DIBA-2026-0001.schedule.0" in mails


def test_a_refused_slot_is_explained_and_nothing_is_booked(bench: Workbench) -> None:
    deployment_id = requested(bench)
    bench.person_notes(1, "/deploy schedule 2026-12-04 09:30")  # a Friday
    bench.cycle()
    assert bench.deployment(deployment_id).state is State.READY
    last = bench.notes(1)[-1]["body"]
    assert "No se puede programar" in last and "es viernes" in last
    assert not (bench.out / "calendar").exists()


def test_cancel_after_scheduling(bench: Workbench) -> None:
    deployment_id = scheduled(bench)
    bench.person_tags(1, "deploy-cancel")
    bench.cycle()
    assert bench.deployment(deployment_id).state is State.CANCELLED
    assert str(ics(bench, deployment_id)["STATUS"]) == "CANCELLED"
    assert log_rows(bench)[0]["status"] == "Cancel·lat"
    assert any(".cancel.1_" in p.name for p in (bench.out / "mail").iterdir())
    assert "deploy-cancel" not in bench.zammad.tags[1]


def test_rollback_is_recorded_with_what_in_the_log_and_why_in_the_teams_calendar(
    bench: Workbench,
) -> None:
    deployment_id = started(bench)
    bench.person_notes(1, "/deploy rollback la consola no arranca")
    bench.person_tags(1, "deploy-rollback")
    bench.cycle()
    deployment = bench.deployment(deployment_id)
    assert deployment.state is State.ROLLED_BACK
    what = "addon-diba 3.2.11 → 3.2.10, iam-sync 3.2.1 → 3.2.0"
    rolled = note_texts(deployment, "es")[-1]
    assert rolled == f"Marcha atrás: {what}. Motivo: la consola no arranca"
    [row] = log_rows(bench)
    assert row["status"] == "Revertit"
    # The reason is the operator's (in Spanish): the Catalan customer's log reads none of it.
    assert str(row["notes"]).endswith(f"Marxa enrere: {what}")
    assert "arranca" not in str(row["notes"])
    event = ics(bench, deployment_id)
    assert "la consola no arranca" in str(event["DESCRIPTION"])
    assert "marcha atrás" in str(event["SUMMARY"])
    assert event.decoded("DTEND") == deployment.actual_end
    assert "deploy-rollback" not in bench.zammad.tags[1]
    ignored = [n for n in bench.notes(1) if "ignorado" in n["body"]]
    assert ignored == []


def _cam_ready(bench: Workbench) -> None:
    cam = bench.gitlab.find_project("soffid/addons/cam")
    assert cam is not None
    sha = "0f0e1c3d8b9f0a1b2c3d4e5f6a7b8c9d0e1f2a00"
    cam["commits"].insert(
        0,
        {
            "sha": sha,
            "message": "first",
            "created_at": "2026-10-01T08:00:00Z",
            "branches": ["main"],
        },
    )
    cam["tags"].insert(0, {"name": "v1.3.0", "sha": sha})
    cam["releases"].insert(
        0, {"tag": "v1.3.0", "released_at": "2026-10-01T10:00:00Z", "description": "1.3.0"}
    )
    bench.person_notes(3, "/deploy rollback-plan auto")


def test_two_customers_in_parallel_and_the_partner_is_told(bench: Workbench) -> None:
    _cam_ready(bench)
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    bench.person_tags(3, "deploy")
    bench.cycle()
    by_customer = {d.customer: d for d in bench.store.deployments.list()}
    diba, cam = by_customer["DIBA"], by_customer["CAM"]
    assert (diba.state, cam.state) == (State.READY, State.READY)
    assert [t.number for t in cam.tickets] == ["7413010"]
    cam_slot = cam.proposals[0].astimezone(bench.config.provider.tz)
    bench.person_notes(3, f"/deploy schedule {cam_slot:%Y-%m-%d %H:%M}")
    diba_slot = diba.proposals[0].astimezone(bench.config.provider.tz)
    bench.person_notes(1, f"/deploy schedule {diba_slot:%Y-%m-%d %H:%M}")
    bench.cycle()
    assert bench.deployment(cam.id).state is State.SCHEDULED
    assert bench.deployment(diba.id).state is State.SCHEDULED
    schedule = next((bench.out / "mail").glob(f"{cam.id}.schedule.0_*.eml")).read_text()
    assert "lgil@integra.example" in schedule
    assert (
        "risk-accepted" in bench.notes(3)[0]["body"] and "Pedro Sanz" in bench.notes(3)[0]["body"]
    )


def test_a_partner_exclusive_customer_gets_one_note_and_nothing_else(bench: Workbench) -> None:
    bench.person_tags(5, "deploy")
    bench.cycle()
    bench.cycle()
    assert bench.store.deployments.list() == []
    [note] = bench.notes(5)
    assert "deploybot no gestiona este despliegue" in note["body"]
    assert "Sur Sistemas" in note["body"]
    assert "deploy" not in bench.zammad.tags[5]
    assert not (bench.out / "mail").exists()


def test_a_malformed_command_gets_one_reply_quoting_it(bench: Workbench) -> None:
    requested(bench)
    bench.person_notes(1, "/deploy schedule el lunes por la mañana")
    bench.cycle()
    bench.zammad._touch(1)  # the ticket changes again: the note is read again
    bench.cycle()
    replies = [n for n in bench.notes(1) if "No he entendido este comando" in n["body"]]
    assert len(replies) == 1
    assert "/deploy schedule el lunes por la mañana" in replies[0]["body"]
    assert "/deploy schedule 2026-12-01 09:30 [15m] [force: motivo]" in replies[0]["body"]


def test_a_command_written_by_the_customer_is_not_obeyed(bench: Workbench) -> None:
    deployment_id = requested(bench)
    bench.zammad.add_article(
        1,
        body="/deploy cancel",
        internal=False,
        type_="email",
        sender="Customer",
        author="npuig@diba.example",
    )
    bench.zammad._touch(1)
    bench.cycle()
    assert bench.deployment(deployment_id).state is State.READY


def test_tags_on_a_ticket_without_deployment_are_explained(bench: Workbench) -> None:
    bench.person_tags(4, "deploy-start")
    bench.cycle()
    [note] = bench.notes(4)
    assert "no tiene ningún despliegue abierto" in note["body"]
    assert "deploy-start" not in bench.zammad.tags[4]


def test_zammad_down_retries_with_backoff_and_loses_nothing(bench: Workbench) -> None:
    deployment_id = requested(bench)
    first = bench.deployment(deployment_id).proposals[0].astimezone(bench.config.provider.tz)
    bench.person_notes(1, f"/deploy schedule {first:%Y-%m-%d %H:%M}")
    bench.cycle()
    before = len(bench.notes(1))
    bench.person_tags(1, "deploy-cancel")
    bench.cycle()  # read while Zammad is up: the cancel is committed
    bench.zammad.faults = Faults(error_rate=1.0, seed=3)
    bench.person_tags(1, "deploy-start")  # (ignored: cancelled) nothing else happens
    for _ in range(6):
        bench.clock.advance(timedelta(hours=1))
        result = bench.service.run_cycle()
        assert result.errors  # the poll failed, the cycle survived
    bench.zammad.faults = Faults()
    bench.clock.advance(timedelta(hours=2))
    bench.cycle()
    assert bench.store.outbox.pending() == []
    assert len(bench.notes(1)) > before


def test_an_effect_that_keeps_failing_alerts_the_operator(bench: Workbench) -> None:
    deployment_id = requested(bench)
    log_path = bench.out / "DEPLOYMENTS" / "DIBA - Deployment log.xlsx"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_bytes(b"not a workbook")
    first = bench.deployment(deployment_id).proposals[0].astimezone(bench.config.provider.tz)
    bench.person_notes(1, f"/deploy schedule {first:%Y-%m-%d %H:%M}")
    bench.cycle()
    for _ in range(6):
        bench.clock.advance(timedelta(hours=2))
        bench.cycle()
    [item] = [i for i in bench.store.outbox.pending() if i.deployment_id == deployment_id][:1]
    assert item.attempts >= 5 and "not a valid .xlsx workbook" in (item.last_error or "")
    alerts = [n for n in bench.notes(1) if "Atención" in n["body"]]
    assert len(alerts) == 1
    assert log_path.read_bytes() == b"not a workbook"
    assert any(p.name.startswith("alert.") for p in (bench.out / "mail").iterdir())


def test_a_timer_that_came_due_while_stopped_fires_at_start(bench: Workbench) -> None:
    deployment_id = started(bench)
    bench.clock.advance(timedelta(hours=3))  # deploybot was down past the delay timer
    bench.restart()
    bench.cycle()
    assert bench.deployment(deployment_id).state is State.DELAYED
    assert any(".delay.0_" in p.name for p in (bench.out / "mail").iterdir())


@pytest.mark.both_searches
def test_a_new_release_is_announced_on_the_tickets_it_fixes(bench: Workbench) -> None:
    bench.cycle()  # the first GitLab poll only remembers "now"
    diba = bench.gitlab.find_project("soffid/addons/diba")
    assert diba is not None
    sha = "9e9e1c3d8b9f0a1b2c3d4e5f6a7b8c9d0e1f2a99"
    released = (bench.clock() + timedelta(minutes=5)).isoformat()
    diba["commits"].append(
        {
            "sha": sha,
            "message": "ES-7412280 second part",
            "created_at": released,
            "branches": ["main"],
        }
    )
    diba["tags"].append({"name": "3.2.12", "sha": sha})
    diba["releases"].append(
        {"tag": "3.2.12", "released_at": released, "description": "ES-7412280 second part"}
    )
    bench.clock.advance(timedelta(minutes=10))
    bench.cycle()
    bench.cycle()
    announcements = [n for n in bench.notes(1) if "addon-diba 3.2.12" in n["body"]]
    assert len(announcements) == 1
    sentence = "Publicada la versión <strong>addon-diba 3.2.12</strong>, que corrige este ticket."
    assert sentence in announcements[0]["body"]


def test_a_failing_effect_does_not_hold_up_other_deployments(bench: Workbench) -> None:
    _cam_ready(bench)
    log_path = bench.out / "DEPLOYMENTS" / "DIBA - Deployment log.xlsx"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_bytes(b"locked by a sync conflict")
    for ticket in (1, 2, 3):
        bench.person_tags(ticket, "deploy")
    bench.cycle()
    by_customer = {d.customer: d for d in bench.store.deployments.list()}
    tz = bench.config.provider.tz
    for ticket, customer in ((1, "DIBA"), (3, "CAM")):
        slot = by_customer[customer].proposals[0].astimezone(tz)
        bench.person_notes(ticket, f"/deploy schedule {slot:%Y-%m-%d %H:%M}")
    bench.cycle()
    cam_rows = DeploymentLog(bench.out / "DEPLOYMENTS", "CAM").read_rows()
    assert [r["status"] for r in cam_rows] == ["Programado"]
    assert any(
        ".schedule.0_" in p.name and p.name.startswith("CAM")
        for p in (bench.out / "mail").iterdir()
    )
    # DIBA's log row waits (retried with backoff); its other channels do not wait behind it.
    assert any(p.name.startswith("DIBA") for p in (bench.out / "mail").iterdir())
    waiting = [i for i in bench.store.outbox.pending() if i.deployment_id.startswith("DIBA")]
    assert [type(i.effect).__name__ for i in waiting] == ["UpsertLogRow"]


def test_rollback_target_is_what_deploybot_deployed_last(bench: Workbench) -> None:
    earlier = make_deployment(
        id="DIBA-2026-0000", state=State.COMPLETED, tickets=(),
        components=(ComponentVersion("addon-diba", "3.2.9", "3.2.8"),),
    )  # fmt: skip
    bench.store.commit(
        Change(
            deployment=earlier,
            effects=[],
            now=bench.clock(),
            source="cli",
            actor="test",
            event="seed",
            old_state=None,
        )
    )
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    bench.cycle()
    [new] = [d for d in bench.store.deployments.list() if d.is_open]
    assert {c.name: c.rollback_version for c in new.components} == {
        "addon-diba": "3.2.9",
        "iam-sync": "3.2.0",
    }
    assert "marcha atrás: addon-diba a 3.2.9" in bench.notes(1)[0]["body"]


def test_a_request_made_while_gitlab_was_down_is_rechecked_when_it_answers(
    bench: Workbench,
) -> None:
    bench.gitlab.faults = Faults(error_rate=1.0, seed=5)
    deployment_id = requested(bench)
    blocked = bench.deployment(deployment_id)
    assert blocked.state is State.BLOCKED
    assert "GitLab no ha respondido" in bench.notes(1)[0]["body"]
    bench.gitlab.faults = Faults()
    bench.clock.advance(timedelta(minutes=5))
    bench.cycle()
    assert bench.deployment(deployment_id).state is State.READY
    trail = bench.store.audit.trail(deployment_id)
    assert [(e.event, e.source, e.new_state) for e in trail] == [
        ("deploy", "tag", "blocked"),
        ("deploy", "gitlab", "ready"),
    ]
