"""Waiting for the team is a state people see: a customer's choice in ``confirm`` mode is said
the same way by ``status``, ``show``, the deployment page and ``/calendar``, which also lists
the requests ready and blocked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner
from werkzeug.test import Client

from bot.app.web.booking_desk import BookingDesk
from bot.app.web.views import ViewsApp
from bot.cli import inspection, main
from bot.domain.booking_link import BookingLinks, claim_for
from bot.domain.calendar.rules import rules_for
from bot.domain.calendar.working import WorkingTime
from bot.domain.model import State
from tests.booking_side import SECRET, token_in
from tests.factories import make_config
from tests.fakes import InProcess
from tests.scenes import START, two_customers

LINKS = BookingLinks("https://deploybot.example", SECRET)


def public_comments(bot: InProcess, ticket_id: int) -> list[str]:
    return [a.body for a in bot.zammad.article_lists[ticket_id] if not a.internal]


AUTH = {"Authorization": "Bearer pages-token"}


@pytest.fixture
def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcess]:
    """DIBA ready and CAIB's request blocked (no validation), in ``confirm`` mode; the CLI on
    the same store."""
    built = two_customers(tmp_path, LINKS, "confirm")
    for ticket_id in (11, 12):
        built.zammad.remove_tag(ticket_id, "customer-validated")
    url = built.service.store.url
    config = built.config.model_copy(
        update={"state": built.config.state.model_copy(update={"url": url})}
    )
    monkeypatch.setattr(inspection, "load", lambda _path: config)
    for ticket_id in (1, 2, 11, 12):
        built.zammad.person_tags(ticket_id, "deploy")
    built.cycle()
    yield built


def choose_first(bot: InProcess) -> str:
    """DIBA's customer chooses its first slot through the link, 65 minutes after START."""
    [diba] = bot.service.store.deployments.list(customer="DIBA", states=[State.READY])
    bot.clock.advance(timedelta(minutes=65))
    token = LINKS.token(claim_for(diba, bot.clock(), 7))
    desk = BookingDesk(bot.service, LINKS, after=lambda: None)
    assert desk.choose(token, diba.proposals[0], "").kind == "chosen"
    return diba.id


def test_a_choice_waiting_is_said_alike_by_status_show_the_page_and_the_calendar(
    bot: InProcess,
) -> None:
    deployment_id = choose_first(bot)
    line = "elección esperando desde 11:05: lun 30 nov 09:00 — acéptala con `deploy-accept`"
    with time_machine.travel(bot.clock(), tick=False):
        status = CliRunner().invoke(main, ["status"])
        show = CliRunner().invoke(main, ["show", deployment_id])
    assert f"{deployment_id}: {line}" in status.output, status.output
    assert "30/11/2026 09:00 (elegida)" in status.output
    with time_machine.travel(bot.clock(), tick=False):
        data = json.loads(CliRunner().invoke(main, ["status", "--json"]).output)
    [diba] = [d for d in data["deployments"] if d["id"] == deployment_id]
    assert diba["chosen"] == {"start": "2026-11-30T09:00:00+01:00",
                              "since": "2026-11-26T11:05:00+01:00"}  # fmt: skip
    assert f"  en espera   {line}" in show.output, show.output
    views = Client(ViewsApp(bot.config, bot.service.store, b"pages-token", bot.clock))
    page = views.get(f"/deployments/{deployment_id}", headers=AUTH).get_data(as_text=True)
    assert f'<p class="waiting" id="waiting">{line}</p>' in page
    month = views.get("/calendar?month=2026-11", headers=AUTH).get_data(as_text=True)
    strip = month.split('<section class="waiting" id="waiting">')[1].split("</section>")[0]
    assert "Esperando al equipo" in strip
    assert f"{deployment_id}</a> DIBA PRO — {line}" in strip
    assert '<li class="dep blocked" data-state="blocked">' in strip and "CAIB PRO" in strip


def test_the_strip_says_when_nothing_waits(tmp_path: Path) -> None:
    bot = two_customers(tmp_path, LINKS, "confirm")
    views = Client(ViewsApp(bot.config, bot.service.store, b"pages-token", bot.clock))
    with time_machine.travel(START, tick=False):
        month = views.get("/calendar?month=2026-11", headers=AUTH).get_data(as_text=True)
    assert "Nada espera al equipo." in month


def test_a_choice_marks_its_tickets_until_the_team_accepts(bot: InProcess) -> None:
    choose_first(bot)
    bot.cycle()  # carries the effects out
    assert "deploy-chosen" in bot.zammad.tag_lists[1] and "deploy-chosen" in bot.zammad.tag_lists[2]
    bot.zammad.person_tags(1, "deploy-accept")
    bot.cycle()
    assert "deploy-scheduled" in bot.zammad.tag_lists[1]
    assert "deploy-chosen" not in bot.zammad.tag_lists[1] + bot.zammad.tag_lists[2]


def at_madrid(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Madrid"))


def test_a_choice_left_waiting_is_recalled_then_lapses_with_a_fresh_link(bot: InProcess) -> None:
    deployment_id = choose_first(bot)  # Thursday 26 November, 11:05
    bot.cycle()
    first_link = token_in(public_comments(bot, 1))
    bot.clock.now = at_madrid("2026-11-26 15:04")  # 4 working hours: 15:05
    bot.cycle()
    assert not any("sigue esperando" in note for note in bot.zammad.notes(1))
    bot.clock.now = at_madrid("2026-11-26 15:06")
    bot.cycle()
    [reminder] = [note for note in bot.zammad.notes(1) if "sigue esperando" in note]
    assert "lun 30 nov 09:00" in reminder and "`deploy-accept`" in reminder
    bot.clock.now = at_madrid("2026-11-30 11:04")  # 2 working days: Monday 11:05
    bot.cycle()
    assert bot.service.store.deployments.get(deployment_id).chosen is not None  # type: ignore[union-attr]
    bot.clock.now = at_madrid("2026-11-30 11:06")
    bot.cycle()
    lapsed = bot.service.store.deployments.get(deployment_id)
    assert lapsed is not None and lapsed.state is State.READY and lapsed.chosen is None
    assert any("ha caducado sin aceptarse" in note for note in bot.zammad.notes(1))
    comment = public_comments(bot, 1)[-1]
    customer = bot.config.customer("DIBA").language
    said = {"es": "La fecha que eligieron (lunes 30 de noviembre a las 09:00) no se ha confirmado",
            "ca": "La data que vau triar (dilluns 30 de novembre a les 09:00) no s'ha confirmat",
            "en": "The date you chose (Monday 30 November at 09:00) was not confirmed"}  # fmt: skip
    assert said[customer] in comment, comment
    assert token_in([comment]) != first_link
    assert "deploy-chosen" not in bot.zammad.tag_lists[1]
    assert "deploy-ready" in bot.zammad.tag_lists[1]


def test_working_time_skips_the_evening_the_weekend_and_holidays() -> None:
    config = make_config()
    side = rules_for(config, config.customers[0]).provider
    working = WorkingTime(side, ZoneInfo("Europe/Madrid"), time(9, 0), time(18, 0))
    friday = at_madrid("2026-11-27 17:00")
    assert working.after_hours(friday, timedelta(hours=4)) == at_madrid("2026-11-30 12:00")
    assert working.after_days(friday, 2) == at_madrid("2026-12-01 17:00")
    # 7 December: Monday; 8 December: a national holiday.
    assert working.after_days(at_madrid("2026-12-07 10:05"), 1) == at_madrid("2026-12-09 10:05")
    assert working.after_hours(at_madrid("2026-11-28 10:00"), timedelta(0)) == at_madrid(
        "2026-11-30 09:00"
    )
