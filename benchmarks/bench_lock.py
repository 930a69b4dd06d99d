"""How long the decision lock is held — per decision (what a customer's booking page may wait
for) and in all per cycle — with a slow SMTP server and a Zammad and a GitLab that answer like
servers over a network, against the demo's workbench (Zammad and GitLab emulated on loopback).
A cycle reads without the lock; each decision holds it only to check what it read and commit.

Run: .venv/bin/python benchmarks/bench_lock.py   (prints figures and their conditions)
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import requests

from bot.app.store import DecisionLock
from bot.app.web.booking_desk import BookingDesk
from bot.app.web.booking_pages import BookingPages
from bot.app.web.server import serve
from bot.cli.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.resources import example_config_path
from emulators.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "config" / "demo-scenario.yaml"
#: How long the SMTP server takes per message, and GitLab per answer.
SMTP_SECONDS = 0.5
GITLAB_SECONDS = 0.06
ZAMMAD_SECONDS = 0.05


class Holds:
    """Every stretch the cycle's thread held the lock, in seconds."""

    def __init__(self, lock: DecisionLock) -> None:
        self.spans: list[float] = []
        #: Over every cycle reported: the longest hold by one decision, and in all by a cycle.
        self.per_decision = 0.0
        self.per_cycle = 0.0
        self._since = 0.0
        acquire, release = lock.acquire, lock.release

        def timed_acquire(seconds: float) -> None:
            acquire(seconds)
            self._since = time.perf_counter()

        def timed_release() -> None:
            if lock.held():
                self.spans.append(time.perf_counter() - self._since)
            release()

        lock.acquire = timed_acquire  # type: ignore[method-assign]
        lock.release = timed_release  # type: ignore[method-assign]


def slow_mail(bench: Workbench) -> None:
    """Every message takes ``SMTP_SECONDS`` to be accepted."""
    mailer = bench.service.channels.mailer
    send = mailer.send

    def slow(message: EmailMessage) -> bool:
        time.sleep(SMTP_SECONDS)
        return send(message)

    mailer.send = slow  # type: ignore[method-assign]


def book(bench: Workbench, holds: Holds) -> None:
    """The customer of ticket 1 chooses the first slot offered (its effects left to the cycle)."""
    comments = [a["body"] for a in bench.zammad.ticket_articles(1) if not a["internal"]]
    token = re.findall(r"/book/([\w-]+\.[\w-]+)", comments[-1])[-1]
    service = bench.service
    assert service.links is not None
    desk = BookingDesk(service, service.links, after=lambda: None)
    server = serve(BookingPages(desk), "127.0.0.1", 0)
    try:
        page = requests.get(f"http://127.0.0.1:{server.server_port}/book/{token}", timeout=30)
    finally:
        server.shutdown()
    slot = re.findall(r'name="slot" value="([^"]+)"', page.text)[0]
    holds.spans.clear()
    outcome = desk.choose(token, datetime.fromisoformat(slot), "")
    longest = max(holds.spans, default=0.0)
    holds.per_decision = max(holds.per_decision, longest)
    print(f"  (the customer's choice of {slot}: {outcome.kind}; lock held {longest * 1000:.0f} ms)")


def report(label: str, bench: Workbench, holds: Holds) -> None:
    holds.spans.clear()
    started = time.perf_counter()
    result = bench.service.run_cycle()
    wall = time.perf_counter() - started
    longest, held = max(holds.spans, default=0.0), sum(holds.spans)
    holds.per_decision = max(holds.per_decision, longest)
    holds.per_cycle = max(holds.per_cycle, held)
    print(f"{label:<40} cycle {wall * 1000:6.0f} ms   lock held {held * 1000:5.0f} ms in all,"
          f" by {len(holds.spans)} decision(s), longest {longest * 1000:4.0f} ms"
          f"   ({result.effects_done} effects)")  # fmt: skip


def main() -> None:
    print(f"Python {sys.version.split()[0]}, {threading.active_count()} thread(s); emulators on "
          f"loopback; SMTP {SMTP_SECONDS * 1000:.0f} ms per message, Zammad "
          f"{ZAMMAD_SECONDS * 1000:.0f} ms and GitLab {GITLAB_SECONDS * 1000:.0f} ms per answer; "
          "the example's customers")  # fmt: skip
    config = load_config(example_config_path())
    scenario = load_scenario(SCENARIO)
    scenario.setdefault("gitlab", {})["latency"] = GITLAB_SECONDS
    scenario.setdefault("zammad", {})["latency"] = ZAMMAD_SECONDS
    with (
        tempfile.TemporaryDirectory() as out,
        workbench(config, scenario, Path(out), booking=True) as bench,
    ):
        bench.cycle()
        slow_mail(bench)
        holds = Holds(bench.service.lock)
        report("idle cycle", bench, holds)
        bench.person_tags(1, "deploy")
        report("cycle: a request, its proposals", bench, holds)
        book(bench, holds)
        report("cycle after the customer's choice", bench, holds)
        bench.person_tags(1, "deploy-accept")
        report("cycle: the team accepts, emails sent", bench, holds)
        report("idle cycle", bench, holds)
        print(f"longest hold: {holds.per_decision * 1000:.0f} ms by one decision, "
              f"{holds.per_cycle * 1000:.0f} ms in all by one cycle")  # fmt: skip


if __name__ == "__main__":
    main()
