"""How fast the slot rules answer: proposals and day verdicts on the example configuration.

Run: .venv/bin/python benchmarks/bench_calendar.py   (prints figures; not a timed test)
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, date, datetime, timedelta

from timing import measure

from bot.config.loading import load_config
from bot.domain.calendar.planning import explain_day, propose_slots
from bot.domain.calendar.rules import public_holidays, rules_for
from bot.resources import example_config_path

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def main() -> None:
    config = load_config(example_config_path())
    handled = [c for c in config.customers if c.managed_by != "partner_exclusive"]
    public_holidays.cache_clear()
    started = time.perf_counter()
    rules = [rules_for(config, c) for c in handled]
    propose_slots(rules[0], now=NOW, count=1)
    cold_ms = (time.perf_counter() - started) * 1000
    print(f"{'first proposal (cold holiday cache)':<48} {cold_ms:8.3f} ms")
    for rule in rules:
        measure(
            f"propose_slots {rule.customer} count=10",
            200,
            functools.partial(propose_slots, rule, now=NOW, count=10),
        )
    year = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    measure(
        "explain_day x 365 (one customer, a whole year)",
        20,
        lambda: [explain_day(rules[0], day, now=NOW) for day in year],
    )


if __name__ == "__main__":
    main()
