"""The team's views over the demo's state: the change calendar, a deployment's page and the
calendar feed — token required, outside text escaped, the feed readable by calendar clients."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import icalendar
import pytest
from werkzeug.test import Client

from bot.app.web.booking_desk import BookingDesk
from bot.app.web.views import ViewsApp
from bot.cli.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.domain.booking_link import claim_for
from bot.resources import example_config_path
from emulators.scenario import load_scenario
from tests.scenes import book_first_proposal

pytestmark = pytest.mark.both_stores

TOKEN = b"pages-token"
AUTH = {"Authorization": "Bearer pages-token"}
SCENARIO = Path(__file__).resolve().parent.parent / "config" / "demo-scenario.yaml"


def views(bench: Workbench, token: bytes | None = TOKEN) -> Client:
    return Client(ViewsApp(bench.config, bench.store, token, bench.clock))


def test_the_month_shows_the_booking_and_why_days_are_refused(bench: Workbench) -> None:
    deployment_id = book_first_proposal(bench)
    page = views(bench).get("/calendar?month=2026-12", headers=AUTH).get_data(as_text=True)
    november = views(bench).get("/calendar?month=2026-11", headers=AUTH).get_data(as_text=True)
    assert f"{deployment_id} (programado)" in november
    assert 'data-day="2026-11-30"' in november
    assert "Inmaculada Concepción" in page  # 8 December, a holiday in every region
    assert "CAM: el lunes no está en la ventana de CAM" in page  # a reason of its own
    assert "Próximos 14 días" in november and deployment_id in november  # the operator's words


def test_the_customer_filter_hides_the_other_customers(bench: Workbench) -> None:
    book_first_proposal(bench)
    page = views(bench).get("/calendar?month=2026-12&customer=DIBA", headers=AUTH)
    text = page.get_data(as_text=True)
    # One customer shown: its reasons are the day's, said once without naming it.
    assert "CAM:" not in text and "DIBA:" not in text
    assert '<div class="why shared" title="es festivo: Inmaculada Concepción' in text


def test_a_reason_every_customer_shares_is_said_once_and_weekends_without_text(
    bench: Workbench,
) -> None:
    book_first_proposal(bench)
    text = views(bench).get("/calendar?month=2026-12", headers=AUTH).get_data(as_text=True)
    december_8 = text.split('data-day="2026-12-08"')[1].split("</td>")[0]
    assert december_8.count(">Inmaculada Concepción<") == 1  # once, named by the holiday
    assert "DIBA:" not in december_8 and "CAM:" not in december_8
    assert "(Soffid, ES-IB y DIBA, ES-CT)" in december_8  # each customer's sentence on hover
    saturday = text.split('data-day="2026-12-05"')[1].split("</td>")[0]
    assert 'class="closed weekend"' in text  # greyed; its verdict said once (a phone shows it)
    assert saturday.split(">", 1)[1].count("fin de semana") == 1
    assert '<span class="verdict">fin de semana</span>' in saturday
    monday = text.split('data-day="2026-12-14"')[1].split("</td>")[0]
    assert "CAM: " in monday and "permitido: DIBA, CAIB" in monday  # CAM's window: Tue–Thu
    assert "Leyenda" in text and "ningún cliente" in text


def test_the_deployment_page_lists_its_tickets_timeline_and_effects(bench: Workbench) -> None:
    deployment_id = book_first_proposal(bench)
    page = views(bench).get(f"/deployments/{deployment_id}", headers=AUTH)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ES-7412280" in text and "#ticket/zoom/1" in text
    assert "deploy-schedule" in text and "listo → programado" in text  # the operator's words
    assert "hecho" in text and ">done<" not in text  # each effect with its status
    assert "correo" in text and "SEQUENCE" in text  # the effects said in Spanish too
    assert ">ready<" not in text and " scheduled" not in text and "→ scheduled" not in text
    assert views(bench).get("/deployments/NOPE-1", headers=AUTH).status_code == 404


def test_pages_and_feed_want_the_token(bench: Workbench) -> None:
    client = views(bench)
    assert client.get("/calendar").status_code == 401
    assert client.get("/calendar.ics").status_code == 401
    assert client.get("/calendar", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert client.get("/calendar.ics?token=pages-token").status_code == 200
    assert views(bench, token=None).get("/calendar", headers=AUTH).status_code == 404


def test_a_title_with_markup_is_shown_as_text(bench: Workbench) -> None:
    bench.zammad.tickets[1]["title"] = "<script>alert(1)</script> organismes"
    deployment_id = book_first_proposal(bench)
    text = views(bench).get(f"/deployments/{deployment_id}", headers=AUTH).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def feed_event(bench: Workbench, deployment_id: str) -> icalendar.Event:
    body = views(bench).get("/calendar.ics?token=pages-token&customer=DIBA").get_data()
    calendar = icalendar.Calendar.from_ical(body)
    [event] = [e for e in calendar.walk("VEVENT") if deployment_id in str(e["UID"])]
    assert isinstance(event, icalendar.Event)
    return event


def test_the_feed_follows_a_booking_a_reschedule_and_a_cancel(bench: Workbench) -> None:
    deployment_id = book_first_proposal(bench)
    uid = f"{deployment_id}@soffid.example"
    event = feed_event(bench, deployment_id)
    assert (str(event["UID"]), int(str(event["SEQUENCE"])), str(event["STATUS"])) == (
        uid,
        0,
        "CONFIRMED",
    )
    moved = datetime(2026, 12, 1, 9, 30)
    bench.person_notes(1, f"/deploy schedule {moved:%Y-%m-%d %H:%M}")
    bench.cycle()
    event = feed_event(bench, deployment_id)
    assert int(str(event["SEQUENCE"])) == 1
    assert event.decoded("DTSTART").replace(tzinfo=None) == moved
    bench.person_notes(1, "/deploy cancel no longer needed")
    bench.cycle()
    event = feed_event(bench, deployment_id)
    assert (int(str(event["SEQUENCE"])), str(event["STATUS"])) == (2, "CANCELLED")


def test_a_bad_month_is_explained(bench: Workbench) -> None:
    answer = views(bench).get("/calendar?month=november", headers=AUTH)
    assert answer.status_code == 400 and "2026-11" in answer.get_data(as_text=True)


def test_the_report_page_is_served_with_the_token(bench: Workbench) -> None:
    assert views(bench).get("/report").status_code == 401
    page = views(bench).get("/report", headers=AUTH)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text
    assert "Despliegues por mes" in text and "Cifras" in text and "Figures" not in text


def test_a_slot_a_customer_chose_shows_held_until_the_team_accepts(tmp_path: Path) -> None:
    config = load_config(example_config_path())
    with workbench(config, load_scenario(SCENARIO), tmp_path / "out", booking=True) as bench:
        bench.person_tags(1, "deploy")
        bench.cycle()
        [deployment] = bench.store.deployments.list()
        links = bench.service.links
        assert links is not None
        token = links.token(claim_for(deployment, bench.clock(), 7))
        desk = BookingDesk(bench.service, links, after=lambda: None)
        assert desk.choose(token, deployment.proposals[1], "").kind == "chosen"
        page = views(bench).get("/calendar?month=2026-12", headers=AUTH).get_data(as_text=True)
        mark = page.split('data-day="2026-12-01"')[1].split("</td>")[0]
        assert 'class="dep chosen" data-state="chosen"' in mark
        assert "09:00 DIBA-2026-0001 (elegido por el cliente)" in mark
        filtered = views(bench).get("/calendar?month=2026-12&state=scheduled", headers=AUTH)
        month = filtered.get_data(as_text=True).split('<table class="month">')[1]
        assert 'data-state="chosen"' not in month and "09:00 DIBA-2026-0001" not in month
