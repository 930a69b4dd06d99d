"""What the customer's booking page costs: opening it (the next five weeks computed live) and
booking through it, over loopback against the demo's workbench (Zammad and GitLab emulated).

Run: .venv/bin/python benchmarks/bench_booking.py   (prints figures and their conditions)
"""

from __future__ import annotations

import platform
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import requests
from timing import measure

from bot.app.web.booking_desk import BookingDesk
from bot.app.web.booking_pages import BookingPages
from bot.app.web.server import serve
from bot.cli.demo import workbench
from bot.config.loading import load_config
from bot.domain.booking_offer import customer_rules, offer_days
from bot.domain.calendar.rules import Booking, rules_for
from bot.resources import example_config_path
from emulators.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "config" / "demo-scenario.yaml"


def main() -> None:
    print(f"Python {sys.version.split()[0]} on {platform.machine()}, emulators on loopback")
    config = load_config(example_config_path())
    with (
        tempfile.TemporaryDirectory() as out,
        workbench(config, load_scenario(SCENARIO), Path(out), booking=True) as bench,
    ):
        bench.person_tags(1, "deploy")
        bench.cycle()
        comments = [a["body"] for a in bench.zammad.ticket_articles(1) if not a["internal"]]
        token = re.findall(r"/book/([\w-]+\.[\w-]+)", comments[-1])[-1]
        service = bench.service
        assert service.links is not None
        desk = BookingDesk(service, service.links, after=lambda: None)
        server = serve(BookingPages(desk), "127.0.0.1", 0)
        site = f"http://127.0.0.1:{server.server_port}/book/{token}"
        session = requests.Session()
        try:
            measure("GET /book/{token} (5 weeks computed live)", 50, lambda: session.get(site))
            rules = customer_rules(rules_for(config, config.customers[0]), "ca")
            now = bench.clock()
            others = [Booking(f"X-{i}", "CAM", now + timedelta(days=i, hours=1),
                              now + timedelta(days=i, hours=2)) for i in range(40)]  # fmt: skip
            quarter = timedelta(minutes=15)
            measure("offer_days, 5 weeks, 40 other bookings", 200, lambda: offer_days(
                rules, now=now, duration=quarter, bookings=others, weeks=5))  # fmt: skip
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
