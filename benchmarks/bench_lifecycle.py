"""How long the lifecycle takes: one pure transition, one poll cycle, the whole demo procedure.

Run: .venv/bin/python benchmarks/bench_lifecycle.py   (prints figures; not a timed test)
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path

from timing import measure

from bot.cli.demo import DEMO_START, run_demo, workbench
from bot.config.loading import load_config
from bot.domain.events import Origin, ScheduleRequested, StartRequested
from bot.domain.lifecycle import apply
from bot.domain.model import ComponentVersion, Deployment, State, TicketRef
from bot.domain.rendering import Renderer
from bot.resources import example_config_path
from emulators.scenario import load_scenario


def main() -> None:
    config = load_config(example_config_path())
    renderer = Renderer()
    slot = DEMO_START + timedelta(days=5, hours=-1)
    ready = Deployment(
        id="DIBA-2026-0007",
        customer="DIBA",
        environment="PRO",
        state=State.READY,
        requested_at=DEMO_START,
        tickets=(TicketRef("7412280", "T", 1),),
        components=(ComponentVersion("addon-diba", "3.2.11", "3.2.10"),),
    )
    origin = Origin("tag", "bench", 1)
    measure(
        "apply: schedule (render 2 emails, event, row, notes)",
        100,
        lambda: apply(ready, ScheduleRequested(origin, slot), DEMO_START, config, renderer),
    )
    scheduled, _ = apply(ready, ScheduleRequested(origin, slot), DEMO_START, config, renderer)
    measure(
        "apply: start",
        100,
        lambda: apply(scheduled, StartRequested(origin), slot, config, renderer),
    )

    scenario = load_scenario()
    with tempfile.TemporaryDirectory() as folder:
        with workbench(config, scenario, Path(folder) / "quiet") as bench:
            bench.cycle()
            measure("poll cycle with nothing new (Zammad search, timers)", 20, bench.cycle)
        started = time.perf_counter()
        run_demo(config, scenario, Path(folder) / "demo", lambda line: None)
        elapsed = time.perf_counter() - started
        print(f"{'the whole demo procedure (5 steps, 29 effects)':<56} {elapsed:8.3f} s")


if __name__ == "__main__":
    main()
