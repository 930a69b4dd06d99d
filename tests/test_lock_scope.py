"""The decision lock holds decisions, not I/O: a cycle reads Zammad, GitLab and the live checks
without it and takes it per decision, to re-read the store, decide and commit. A customer's
booking page answers at once whatever outside system the cycle waits on, and a decision made
on a read that a booking has since made stale is decided again on the store as it stands —
never committed over it. (A slow SMTP server: ``test_step3``, the outbox drains unlocked.)"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.orders.committer import StaleRead
from bot.app.store import LockBusyError
from bot.domain.booking_link import BookingLinks
from bot.domain.events import DoneRequested, Origin
from bot.domain.model import State
from tests.booking_side import SECRET, booking_site, choose, token_in
from tests.factories import customer_data, make_config
from tests.fakes import InProcess, in_process
from tests.scenes import PROJECT, START, two_customers

LINKS = BookingLinks("https://deploybot.example", SECRET)
SLOT = "2026-11-30T09:00:00+01:00"
#: How long a booking page may take while the cycle waits on a slow outside system.
AT_ONCE = 1.0
CYCLE = "cycle"


def link_of(bot: InProcess, ticket_id: int) -> str:
    """The booking link the customer of ``ticket_id`` was sent last."""
    return token_in(a.body for a in bot.zammad.article_lists[ticket_id] if not a.internal)


def diba_ready(bot: InProcess) -> InProcess:
    """DIBA's tickets 1 and 2 tagged ``deploy``: its request ready to be booked by link."""
    for ticket_id in (1, 2):
        bot.zammad.person_tags(ticket_id, "deploy")
    bot.cycle()
    return bot


def slow_in_cycle(
    monkeypatch: pytest.MonkeyPatch,
    target: object,
    name: str,
    wait: Callable[[], None],
    when: Callable[..., bool] = lambda *args: True,
) -> threading.Event:
    """``target.name`` first calls ``wait`` when the cycle's thread calls it with arguments
    ``when`` accepts — a booking page's reads stay fast; the event is set once the cycle waits
    in it."""
    read, waiting = getattr(target, name), threading.Event()

    def slow(*args: Any) -> Any:
        if threading.current_thread().name == CYCLE and when(*args):
            waiting.set()
            wait()
        return read(*args)

    monkeypatch.setattr(target, name, slow)
    return waiting


def book_during_cycle(bot: InProcess, waiting: threading.Event, token: str) -> tuple[int, float]:
    """A cycle runs; once it waits on the slow system the customer books :data:`SLOT`; the
    page's status and how long it took (the cycle is then waited for)."""
    cycle = threading.Thread(target=bot.service.run_cycle, name=CYCLE)
    with booking_site(bot.service, after=lambda: None) as site:  # its effects left to cycles
        cycle.start()
        assert waiting.wait(10)
        asked = time.monotonic()
        answer = choose(site, token, SLOT)
        waited = time.monotonic() - asked
        cycle.join(timeout=60)
    assert not cycle.is_alive()
    assert bot.service.last_cycle is not None and bot.service.last_cycle.errors == []
    return answer.status_code, waited


def scheduled(bot: InProcess, deployment_id: str) -> int:
    """How many times the deployment was booked (its audit trail's entries into scheduled)."""
    trail = bot.service.store.audit.trail(deployment_id)
    return sum(1 for e in trail if e.new_state == "scheduled" != e.old_state)


def test_a_booking_answers_at_once_while_the_cycle_waits_on_a_zammad_answering_in_5_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = diba_ready(two_customers(tmp_path, LINKS, "direct"))
    for ticket_id in (11, 12):
        bot.zammad.person_tags(ticket_id, "deploy")  # CAIB's request, read in the cycle

    waiting = slow_in_cycle(monkeypatch, bot.zammad, "articles", lambda: time.sleep(5),
                            when=lambda ticket_id: ticket_id in (11, 12))  # fmt: skip
    status, waited = book_during_cycle(bot, waiting, link_of(bot, 1))
    assert status == 200 and waited < AT_ONCE, (status, waited)
    assert scheduled(bot, "DIBA-2026-0001") == 1
    caib = bot.service.store.deployments.open_with_ticket(11)
    assert caib is not None and caib.state is State.READY
    # CAIB's request was decided after the booking, on the slots held then (one at a time).
    assert datetime.fromisoformat(SLOT) not in caib.proposals, caib.proposals


def fleet(tmp_path: Path, projects: int) -> InProcess:
    """DIBA (tickets 1 and 2, booking by link) and FLEET, a customer of ``projects``
    components, each its own GitLab project."""
    diba = customer_data(zammad_organization="Diputació de Barcelona",
                         booking={"self_service": "direct"},
                         components={"addon-diba": {"gitlab_project": PROJECT}})  # fmt: skip
    many = customer_data("FLEET", zammad_organization="Fleet",
                         components={f"c{n:03d}": {"gitlab_project": f"fleet/p{n:03d}"}
                                     for n in range(projects)})  # fmt: skip
    config = make_config([diba, many], email_domain="soffid.example")
    bot = in_process(config, tmp_path / "state.sqlite", START, LINKS)
    bot.gitlab.release(PROJECT, "3.2.11", START - timedelta(days=9), fixes=["7412280", "7412301"])
    for ticket_id, number in ((1, "7412280"), (2, "7412301")):
        bot.zammad.add_ticket(ticket_id, number, f"Change {number}", "Diputació de Barcelona")
        bot.zammad.person_tags(ticket_id, "customer-validated")
    bot.zammad.person_notes(1, "/deploy rollback-plan auto")
    return bot


def test_a_booking_answers_at_once_while_the_cycle_polls_200_gitlab_projects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = diba_ready(fleet(tmp_path, 200))
    bot.clock.advance(timedelta(minutes=5))
    asked: list[int] = []

    def over_a_network(projects: Iterable[str], since: datetime) -> bool:
        asked.append(len(list(projects)))
        return True

    # 10 ms a project, one after another
    waiting = slow_in_cycle(monkeypatch, bot.gitlab, "releases_since_each",
                            lambda: time.sleep(0.01 * asked[-1]), when=over_a_network)  # fmt: skip
    status, waited = book_during_cycle(bot, waiting, link_of(bot, 1))
    assert asked == [201]  # FLEET's 200 projects and DIBA's
    assert status == 200 and waited < AT_ONCE, (status, waited)
    assert scheduled(bot, "DIBA-2026-0001") == 1


def test_a_decision_on_a_read_a_booking_made_stale_is_decided_again_not_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot = diba_ready(two_customers(tmp_path, LINKS, "direct"))
    token = link_of(bot, 1)
    bot.zammad.person_notes(1, "/deploy recheck")  # the cycle gathers DIBA's facts again
    booked = threading.Event()

    def until_booked() -> None:
        booked.wait(10)

    waiting = slow_in_cycle(monkeypatch, bot.gitlab, "releases", until_booked)
    cycle = threading.Thread(target=bot.service.run_cycle, name=CYCLE)
    with caplog.at_level(logging.INFO, "deploybot"), booking_site(bot.service) as site:
        cycle.start()
        assert waiting.wait(10)  # the recheck's facts are being read for DIBA as it was
        answer = choose(site, token, SLOT)
        booked.set()
        cycle.join(timeout=30)
    assert answer.status_code == 200
    deployment = bot.service.store.deployments.open_with_ticket(1)
    assert deployment is not None and deployment.state is State.SCHEDULED
    assert deployment.planned_start == datetime.fromisoformat(SLOT)
    assert scheduled(bot, deployment.id) == 1
    events = [e.event for e in bot.service.store.audit.trail(deployment.id)]
    assert (
        events.index("deploy-schedule") < len(events) - 1
    )  # the recheck came after, on the booking
    assert any("decided again" in r.getMessage() for r in caplog.records)


def test_a_commit_over_a_deployment_changed_since_it_was_read_is_refused(tmp_path: Path) -> None:
    bot = diba_ready(two_customers(tmp_path, LINKS, "direct"))
    read = bot.deployment()
    committer = bot.service.committer
    committer.handle(read, DoneRequested(Origin("cli", "Marta"), None, "tested"))  # another's
    trail = bot.service.store.audit.trail(read.id)
    with pytest.raises(StaleRead) as stale:
        committer.handle(read, DoneRequested(Origin("cli", "Jordi"), None, "tested"))
    assert isinstance(stale.value, LockBusyError)  # like a lock not got: taken again later
    assert stale.value.current == bot.deployment() and stale.value.current.revision > read.revision
    assert bot.service.store.audit.trail(read.id) == trail  # nothing committed
    with pytest.raises(StaleRead):  # nor a deployment never stored, under a taken number
        committer.handle(replace(read, revision=0), DoneRequested(Origin("cli", "J"), None, ""))


def test_no_outside_system_is_read_while_the_lock_is_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = two_customers(tmp_path, LINKS, "direct")
    lock = bot.service.lock
    under_lock: list[str] = []
    for system in (bot.zammad, bot.gitlab):
        for name in [n for n in dir(system) if not n.startswith("_")]:
            method = getattr(system, name)
            if not callable(method) or name in ("cycle", "clock", "person_tags", "person_notes"):
                continue

            def watched(*args: Any, _name: str = name, _method: Any = method, **kw: Any) -> Any:
                if lock.held():
                    under_lock.append(_name)
                return _method(*args, **kw)

            monkeypatch.setattr(system, name, watched)
    diba_ready(bot)
    with booking_site(bot.service) as site:
        answer = choose(site, link_of(bot, 1), SLOT)
        assert answer.status_code == 200, answer.text
    bot.zammad.person_notes(1, "/deploy recheck")
    bot.gitlab.release(PROJECT, "3.2.12", START, fixes=["7412280"])
    bot.clock.advance(timedelta(minutes=5))
    bot.cycle()
    assert scheduled(bot, "DIBA-2026-0001") == 1
    assert under_lock == []


def test_a_booking_decided_on_slots_taken_before_its_commit_is_decided_again_on_them(
    tmp_path: Path,
) -> None:
    bot = two_customers(tmp_path, LINKS, "direct")
    for ticket_id in (1, 2, 11, 12):
        bot.zammad.person_tags(ticket_id, "deploy")
    bot.cycle()
    orders, store = bot.service.orders, bot.service.store
    diba, caib = (store.deployments.open_with_ticket(t) for t in (1, 11))
    assert diba is not None and caib is not None
    start = datetime.fromisoformat(SLOT)
    seen: list[set[str]] = []

    def meanwhile(held: Iterable[Any]) -> None:  # DIBA books the slot while CAIB decides
        seen.append({booking.id for booking in held})
        if len(seen) == 1:
            orders.book(diba, Origin("booking", "diba"), start, orders.check(diba)[1])

    caib_report = orders.check(caib)[1]
    after = orders.book(caib, Origin("booking", "caib"), start, caib_report, admit=meanwhile)
    assert seen == [set(), {diba.id}]  # decided again on the slots held at the commit
    assert after.state is not State.SCHEDULED and after.planned_start is None
    assert store.deployments.get(diba.id).state is State.SCHEDULED  # type: ignore[union-attr]
    assert scheduled(bot, diba.id) == 1 and scheduled(bot, caib.id) == 0
