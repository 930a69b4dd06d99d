"""How long a cycle holds the decision lock (what a customer's booking page may wait for), with
a slow SMTP server and a GitLab that answers like one over a network, against the demo's
workbench (Zammad and GitLab emulated on loopback).

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

from bot.app.store.locks import DecisionLock
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


class Holds:
    """Every stretch the cycle's thread held the lock, in seconds."""

    def __init__(self, lock: DecisionLock) -> None:
        self.spans: list[float] = []
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


def book(bench: Workbench) -> None:
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
    outcome = desk.choose(token, datetime.fromisoformat(slot), "")
    print(f"  (the customer's choice of {slot}: {outcome.kind})")


def report(label: str, bench: Workbench, holds: Holds) -> None:
    holds.spans.clear()
    started = time.perf_counter()
    result = bench.service.run_cycle()
    wall = time.perf_counter() - started
    longest = max(holds.spans, default=0.0)
    print(f"{label:<44} cycle {wall * 1000:7.0f} ms   lock held {sum(holds.spans) * 1000:7.0f} ms"
          f" in {len(holds.spans)} stretch(es), longest {longest * 1000:6.0f} ms"
          f"   ({result.effects_done} effects)")  # fmt: skip


def main() -> None:
    print(f"Python {sys.version.split()[0]}, {threading.active_count()} thread(s); emulators on "
          f"loopback; SMTP {SMTP_SECONDS * 1000:.0f} ms per message, GitLab "
          f"{GITLAB_SECONDS * 1000:.0f} ms per answer; the example's customers")  # fmt: skip
    config = load_config(example_config_path())
    scenario = load_scenario(SCENARIO)
    scenario.setdefault("gitlab", {})["latency"] = GITLAB_SECONDS
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
        book(bench)
        report("cycle after the customer's choice", bench, holds)
        bench.person_tags(1, "deploy-accept")
        report("cycle: the team accepts, emails sent", bench, holds)
        report("idle cycle", bench, holds)


if __name__ == "__main__":
    main()
