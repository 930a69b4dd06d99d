"""One free-slot question, one answer: the proposals, the booking page, the reply reader,
``plan``, ``check-day``, ``overview`` and ``/calendar`` judge a slot over the same store — a
slot booked by one request is no longer offered to another anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result
from werkzeug.test import Client

from bot.app.web.booking_desk import BookingDesk
from bot.app.web.views import ViewsApp
from bot.cli import main
from bot.cli import planning as planning_cli
from bot.config.models import Config
from bot.domain.booking_link import BookingLinks, claim_for
from bot.domain.calendar.planning import propose_slots
from bot.domain.calendar.rules import rules_for
from bot.domain.model import Deployment, State
from tests.booking_side import SECRET
from tests.fakes import InProcess
from tests.scenes import START, two_customers

LINKS = BookingLinks("https://deploybot.example", SECRET)
TOKEN = b"pages-token"


@dataclass(frozen=True)
class Answers:
    """What each of the seven asks says of one slot of CAIB's."""

    proposals: bool
    page: bool
    reply: str
    plan: str
    check_day: Result
    overview: str
    calendar: str


@pytest.fixture(params=["direct"])
def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[InProcess]:
    """DIBA and CAIB ready (one deployment at a time), the CLI on the same store and clock."""
    built = two_customers(tmp_path, LINKS, request.param)
    url = built.service.store.url
    config = built.config.model_copy(
        update={"state": built.config.state.model_copy(update={"url": url})}
    )
    monkeypatch.setattr(planning_cli, "load", lambda _path: config)
    for ticket_id in (1, 2, 11, 12):
        built.zammad.person_tags(ticket_id, "deploy")
    built.cycle()
    with time_machine.travel(START, tick=False):
        yield built


def ready_of(bot: InProcess, customer: str) -> Deployment:
    [found] = bot.service.store.deployments.list(customer=customer, states=[State.READY])
    return found


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def answers(bot: InProcess, config: Config, slot: datetime) -> Answers:
    """The seven answers about ``slot`` for CAIB, now."""
    caib = ready_of(bot, "CAIB")
    rules = rules_for(config, config.customer("CAIB"))
    held = bot.service.orders.requests.bookings()
    proposals = propose_slots(rules, now=bot.clock(), duration=caib.duration, bookings=held)
    desk = BookingDesk(bot.service, LINKS, after=lambda: None)
    [day] = [d for d in desk.offer(caib) if d.day == slot.date()]
    words = f"{slot:%d/%m/%Y} a las {slot:%H:%M}"
    bot.zammad.customer_replies(11, f"Nos va mejor el {words}, gracias.")
    bot.cycle()
    views = Client(ViewsApp(config, bot.service.store, TOKEN, bot.clock))
    page = views.get(f"/calendar?month={slot:%Y-%m}",
                     headers={"Authorization": "Bearer pages-token"})  # fmt: skip
    cell = page.get_data(as_text=True).split(f'data-day="{slot:%Y-%m-%d}"')[1].split("</td>")[0]
    return Answers(
        proposals=slot in [s.start for s in proposals.slots],
        page=slot in [s.start for s in day.slots],
        reply=bot.zammad.notes(11)[-1],
        plan=json.loads(cli("plan", "CAIB", "--json", "--count", "1").output)["slots"][0]["start"],
        check_day=cli("check-day", "CAIB", f"{slot:%Y-%m-%d}", "--duration", "4h"),
        overview=cli("overview", "--count", "1").output.split("CAIB")[-1],
        calendar=cell,
    )


def test_a_booked_slot_changes_every_one_of_the_seven_answers(bot: InProcess) -> None:
    config = bot.config
    slot = ready_of(bot, "CAIB").proposals[0].astimezone(config.provider.tz)
    assert slot == ready_of(bot, "DIBA").proposals[0]  # both were offered the same slot
    before = answers(bot, config, slot)
    assert before.proposals and before.page
    assert "que está permitido" in before.reply or "opción" in before.reply, before.reply
    assert before.plan == slot.isoformat()
    assert before.check_day.exit_code == 0, before.check_day.output
    assert f"{slot:%d/%m/%Y}" in before.overview.split("Días saltados")[0]
    assert "CAIB:" not in before.calendar  # no reason of CAIB's own: the day is open to it
    bot.zammad.person_notes(1, f"/deploy schedule {slot:%Y-%m-%d %H:%M} 4h")
    bot.cycle()
    assert ready_of(bot, "CAIB").state is State.READY
    [diba] = bot.service.store.deployments.list(customer="DIBA")
    assert diba.state is State.SCHEDULED and diba.planned_start == slot
    after = answers(bot, config, slot)
    assert not after.proposals and not after.page
    assert "no se puede" in after.reply and diba.id in after.reply, after.reply
    assert after.plan != slot.isoformat()
    assert after.check_day.exit_code == 1
    assert f"ocupado por {diba.id} (09:00–13:00)" in after.check_day.output
    assert f"{slot:%d/%m/%Y}" not in after.overview.split("Días saltados")[0]
    assert "CAIB:" in after.calendar and diba.id in after.calendar


def test_rules_only_answers_the_calendar_alone(bot: InProcess) -> None:
    slot = ready_of(bot, "CAIB").proposals[0].astimezone(bot.config.provider.tz)
    bot.zammad.person_notes(1, f"/deploy schedule {slot:%Y-%m-%d %H:%M} 4h")
    bot.cycle()
    day = f"{slot:%Y-%m-%d}"
    assert cli("check-day", "CAIB", day, "--duration", "4h").exit_code == 1
    alone = cli("check-day", "CAIB", day, "--duration", "4h", "--rules-only")
    assert alone.exit_code == 0 and alone.output.strip() == f"CAIB {day}: permitido"


@pytest.mark.parametrize("bot", ["confirm"], indirect=True)
def test_a_choice_held_for_the_team_is_taken_for_plan_check_day_and_the_page(
    bot: InProcess,
) -> None:
    diba, caib = ready_of(bot, "DIBA"), ready_of(bot, "CAIB")
    slot = diba.proposals[0]
    assert slot == caib.proposals[0]
    token = LINKS.token(claim_for(diba, bot.clock(), 7))
    desk = BookingDesk(bot.service, LINKS, after=lambda: None)
    assert desk.choose(token, slot, "").kind == "chosen"  # held until the team accepts
    [day] = [d for d in desk.offer(caib) if d.day == slot.date()]
    assert slot not in [s.start for s in day.slots]
    plan = json.loads(cli("plan", "CAIB", "--json", "--count", "1").output)
    assert plan["slots"][0]["start"] != slot.isoformat()
    check = cli("check-day", "CAIB", f"{slot:%Y-%m-%d}", "--duration", "4h")
    assert check.exit_code == 1 and f"ocupado por {diba.id} (09:00–09:15)" in check.output


def test_a_reply_choosing_an_option_taken_since_is_refused(bot: InProcess) -> None:
    slot = ready_of(bot, "CAIB").proposals[0]
    bot.zammad.person_notes(
        1, f"/deploy schedule {slot.astimezone(bot.config.provider.tz):%Y-%m-%d %H:%M}"
    )
    bot.cycle()
    [diba] = bot.service.store.deployments.list(customer="DIBA", states=[State.SCHEDULED])
    bot.zammad.customer_replies(11, "Buenos días, la opción 1 nos va bien.")
    bot.cycle()
    note = bot.zammad.notes(11)[-1]
    assert "pero no se puede" in note and diba.id in note, note
    assert "El cliente elige la opción 1" not in note
