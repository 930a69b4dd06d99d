"""One decision at a time across the processes that share a store: two customers booking the
last slot through two processes (the daemon and ``deploybot serve`` on one SQLite file, or a
leader and a follower on PostgreSQL) end with one booking."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.app.run.service import Service
from bot.app.store import DecisionLock, LockBusyError, Store, sqlite_url
from bot.domain.booking_link import BookingLinks
from bot.domain.events import Origin
from bot.domain.model import State
from integrations.gitlab_records import Release
from integrations.mail import SmtpMailer, SmtpSettings
from tests.booking_side import SECRET, booking_site, choose, token_in
from tests.postgres import new_database
from tests.scenes import two_customers
from tests.servers import smtp_sink

LINKS = BookingLinks("https://deploybot.example", SECRET)


def second_in_line(url: str) -> list[str]:
    """Two locks on one database, as two processes hold them: who decided in which order."""
    first, second = DecisionLock(sa.create_engine(url)), DecisionLock(sa.create_engine(url))
    order: list[str] = []

    def later() -> None:
        with second:
            order.append("second")

    with first:
        waiting = threading.Thread(target=later)
        waiting.start()
        time.sleep(0.3)  # the second is asking meanwhile; it must not get in
        order.append("first")
    waiting.join(timeout=10)
    return order


def test_two_processes_on_one_sqlite_file_decide_one_at_a_time(tmp_path: Path) -> None:
    Store(sqlite_url(tmp_path / "state.sqlite"))
    assert second_in_line(sqlite_url(tmp_path / "state.sqlite")) == ["first", "second"]


def test_two_instances_on_one_postgresql_database_decide_one_at_a_time(postgres: str) -> None:
    url = new_database(postgres)
    Store(url)
    assert second_in_line(url) == ["first", "second"]


def test_two_processes_serving_booking_pages_book_the_last_slot_once(tmp_path: Path) -> None:
    bot = two_customers(tmp_path, LINKS, "direct")
    for tickets in ((1, 2), (11, 12)):
        for ticket_id in tickets:
            bot.zammad.person_tags(ticket_id, "deploy")
        bot.cycle()
    other = Service(bot.config, Store(bot.service.store.url), bot.zammad, bot.gitlab,
                    bot.service.channels, clock=bot.clock, links=LINKS)  # fmt: skip
    tokens = [token_in([a.body for a in bot.zammad.article_lists[t] if not a.internal])
              for t in (1, 11)]  # fmt: skip
    slot = "2026-11-30T09:00:00+01:00"
    answers: list[int] = []
    with booking_site(bot.service) as daemon, booking_site(other) as serve:
        pairs = ((daemon, tokens[0]), (serve, tokens[1]))  # DIBA at one, CAIB at the other
        racers = [threading.Thread(target=lambda s=s, t=t: answers.append(
                      choose(s, t, slot).status_code)) for s, t in pairs]  # fmt: skip
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
    assert sorted(answers) == [200, 409]
    states = sorted(d.state for d in bot.service.store.deployments.list())
    assert states == [State.READY, State.SCHEDULED]


def busy_for(url: str, seconds: float) -> float:
    """How long a second process waited for the lock the first holds, asking for ``seconds``
    (it must give up then, nothing decided)."""
    first, second = DecisionLock(sa.create_engine(url)), DecisionLock(sa.create_engine(url))
    with first:
        asked = time.monotonic()
        with pytest.raises(LockBusyError), second.within(seconds):
            pytest.fail("the second got in while the first decided")
        waited = time.monotonic() - asked
    with second.within(seconds):  # free again: taken at once
        pass
    return waited


def test_a_wait_for_the_lock_ends_at_its_timeout_on_sqlite(tmp_path: Path) -> None:
    Store(sqlite_url(tmp_path / "state.sqlite"))
    assert 0.3 <= busy_for(sqlite_url(tmp_path / "state.sqlite"), 0.3) < 1.3


def test_a_wait_for_the_lock_ends_at_its_timeout_on_postgresql(postgres: str) -> None:
    url = new_database(postgres)
    Store(url)
    assert 0.3 <= busy_for(url, 0.3) < 1.3


def test_the_lock_is_given_up_while_outside_systems_are_read(tmp_path: Path) -> None:
    Store(sqlite_url(tmp_path / "state.sqlite"))
    lock = DecisionLock(sa.create_engine(sqlite_url(tmp_path / "state.sqlite")))
    others: list[str] = []

    def booking() -> None:
        with lock.within(1):
            others.append("booked")

    with lock:
        with lock.released():  # a live check that takes its time
            other = threading.Thread(target=booking)
            other.start()
            other.join(timeout=5)
        assert others == ["booked"] and lock.held()
    assert not lock.held()


def test_a_cycle_that_cannot_get_the_lock_decides_nothing_and_says_so(tmp_path: Path) -> None:
    bot = two_customers(tmp_path, LINKS)
    bot.zammad.person_tags(1, "deploy")
    bot.service.lock.wait = 0.2
    other = bot.service.store.decision_lock()
    with other:  # another process deciding
        result = bot.service.run_cycle()
    assert result.errors == ["cycle: another decision held the lock for more than 0.2 s"]
    assert bot.service.store.deployments.list() == [] and bot.service.totals["cycles"] == 0
    bot.cycle()
    assert bot.service.store.deployments.open_with_ticket(1) is not None


def test_a_booking_decided_while_a_cycle_reads_its_checks_keeps_to_its_own_markers(
    tmp_path: Path,
) -> None:
    bot = two_customers(tmp_path, LINKS)
    bot.zammad.person_tags(11, "deploy")
    bot.cycle()
    caib = bot.service.store.deployments.open_with_ticket(11)
    assert caib is not None
    orders = bot.service.orders
    cycle = bot.service.committer.caused_by({"tag:2:deploy-done": "acted"})  # the cycle's order
    other = threading.Thread(target=lambda: orders.recheck(caib, Origin("booking", "x")))
    other.start()
    other.join(timeout=10)
    assert bot.service.store.markers.get("tag:2:deploy-done") is None
    cycle.settle()
    assert bot.service.store.markers.get("tag:2:deploy-done") == "acted"  # the cycle's, at its end


def test_a_booking_answers_at_once_while_the_cycle_sends_emails_to_a_slow_server(
    tmp_path: Path,
) -> None:
    bot = two_customers(tmp_path, LINKS, "direct")
    for ticket_id in (1, 2, 11, 12):
        bot.zammad.person_tags(ticket_id, "deploy")
    bot.cycle()
    diba, caib = (token_in([a.body for a in bot.zammad.article_lists[t] if not a.internal])
                  for t in (1, 11))  # fmt: skip
    with smtp_sink(slow_seconds=1.5) as sink, booking_site(bot.service, after=lambda: None) as site:
        settings = SmtpSettings(host=sink.host, port=sink.port, starttls=False)
        bot.service.channels.mailer = SmtpMailer(settings)
        assert choose(site, diba, "2026-11-30T09:00:00+01:00").status_code == 200
        cycle = threading.Thread(target=bot.service.run_cycle)
        cycle.start()  # it sends DIBA's emails, each answered in 1.5 s
        assert sink.in_data.wait(10)
        asked = time.monotonic()
        answer = choose(site, caib, "2026-12-01T09:00:00+01:00")
        waited = time.monotonic() - asked
        cycle.join(timeout=30)
        bot.service.drain_outbox()
    assert answer.status_code == 200 and waited < 1.0, (answer.status_code, waited)
    trail = bot.service.store.audit.trail("CAIB-2026-0001")
    assert [e.new_state for e in trail].count("scheduled") == 1  # decided once
    received = Counter(str(r.message["Message-ID"]).split("@")[0] for r in sink.received)
    assert received == Counter(f"<{deployment}.{kind}.0"
                               for deployment in ("DIBA-2026-0001", "CAIB-2026-0001")
                               for kind in ("schedule", "invitation"))  # fmt: skip


def test_two_drains_of_one_process_send_each_email_once(tmp_path: Path) -> None:
    bot = two_customers(tmp_path, LINKS, "direct")
    bot.zammad.person_tags(1, "deploy")
    bot.cycle()
    token = token_in([a.body for a in bot.zammad.article_lists[1] if not a.internal])
    with smtp_sink(slow_seconds=0.5) as sink, booking_site(bot.service, after=lambda: None) as site:
        settings = SmtpSettings(host=sink.host, port=sink.port, starttls=False)
        bot.service.channels.mailer = SmtpMailer(settings)
        assert choose(site, token, "2026-11-30T09:00:00+01:00").status_code == 200
        # the cycle's drain and a booking page's, at once
        drains = [threading.Thread(target=bot.service.drain_outbox) for _ in range(2)]
        for drain in drains:
            drain.start()
        for drain in drains:
            drain.join(timeout=30)
    received = Counter(str(r.message["Message-ID"]).split("@")[0] for r in sink.received)
    assert received == Counter(f"<DIBA-2026-0001.{kind}.0" for kind in ("schedule", "invitation"))


def test_a_booking_answers_at_once_while_the_cycle_reads_a_slow_gitlab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = two_customers(tmp_path, LINKS, "direct")
    for ticket_id in (1, 2):
        bot.zammad.person_tags(ticket_id, "deploy")
    bot.cycle()
    token = token_in([a.body for a in bot.zammad.article_lists[1] if not a.internal])
    reading = threading.Event()
    read = bot.gitlab.releases_since_each

    def slow(projects: Iterable[str], since: datetime) -> dict[str, list[Release]]:
        reading.set()
        time.sleep(2)  # 200 projects read one after another over a network
        return read(projects, since)

    monkeypatch.setattr(bot.gitlab, "releases_since_each", slow)
    with booking_site(bot.service) as site:
        cycle = threading.Thread(target=lambda: bot.service.run_cycle(zammad=False, timers=False))
        cycle.start()
        assert reading.wait(10)
        asked = time.monotonic()
        answer = choose(site, token, "2026-11-30T09:00:00+01:00")
        waited = time.monotonic() - asked
        cycle.join(timeout=30)
    assert answer.status_code == 200 and waited < 1.0, (answer.status_code, waited)
    trail = bot.service.store.audit.trail("DIBA-2026-0001")
    assert [e.new_state for e in trail].count("scheduled") == 1
    assert bot.service.last_cycle is not None and bot.service.last_cycle.errors == []
