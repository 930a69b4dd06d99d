"""What 500 customers cost against 4, and a poll of 200 GitLab projects (issue: a provider with
hundreds of customers; cost grows with change, not with customers).

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_fleet.py   (prints figures, conditions)

The configurations are the example generated to 4 and 500 customers (``benchmarks/fleet.py``:
copies of the example's customers over Spain's 17 autonomous communities, one GitLab project
per generated customer deploybot handles). Zammad and GitLab are the emulators, each in its own
process on loopback, so their CPU is not counted. Commands: CPU of the whole process (user +
system), median of 5. Daemon cycles: the process's CPU for one cycle in a running service (two
cycles first), median of 5.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fleet import fleet_config, fleet_projects, fleet_scenario, write_fleet_config

from bot.app.run.service import Service
from bot.app.run.wiring import build_service
from bot.config.loading import load_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOYBOT = str(Path(sys.executable).parent / "deploybot")
SIZES = (4, 500)
RUNS = 5
#: The 200-project poll: each GitLab answer this late, as across a network.
LATENCY = 0.06


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(value)


@contextmanager
def emulator(system: str, scenario: dict[str, Any], folder: Path) -> Iterator[str]:
    """``deploybot emulate SYSTEM`` on the scenario, in its own process; yields its URL."""
    path = folder / f"{system}-scenario.json"
    path.write_text(json.dumps(scenario, default=_json_default), encoding="utf-8")
    port = _free_port()
    process = subprocess.Popen(
        [DEPLOYBOT, "emulate", system, "--port", str(port), "--scenario", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def command_cpu(args: list[str], env: dict[str, str] | None = None) -> float:
    """User + system CPU seconds of one run of a command, whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, capture_output=True, check=True, cwd=ROOT, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def median_of(action: Callable[..., float], *args: Any, **kwargs: Any) -> float:
    return statistics.median(action(*args, **kwargs) for _ in range(RUNS))


def cycle_cpu(service: Service, **steps: bool) -> float:
    """The process's CPU seconds of one cycle (the GitLab readers' threads included)."""
    started = time.process_time()
    service.run_cycle(**steps)
    return time.process_time() - started


def row(what: str, small: float, big: float, unit: str = "ms") -> None:
    scale, digits = (1000, 1) if unit == "ms" else (1, 2)
    print(f"  {what:<56} {small * scale:9.{digits}f} {big * scale:9.{digits}f} {unit:<2}  "
          f"{big / small:5.2f}×")  # fmt: skip


def command_figures(folder: Path) -> None:
    paths = {n: write_fleet_config(n, folder / f"fleet-{n}.yaml") for n in SIZES}
    for command in ("validate-config", "overview"):
        runs = {n: [DEPLOYBOT, command, "--config", str(paths[n])] for n in SIZES}
        small, big = (median_of(command_cpu, runs[n]) for n in SIZES)
        row(f"deploybot {command}", small, big, "s")


def services(folder: Path, zammad: str, gitlab: str, hooks: bool) -> dict[int, Service]:
    """A running service per size, on the emulators, its files under ``folder``."""
    built = {}
    clock = _Clock()
    for n in SIZES:
        sections: dict[str, dict[str, Any]] = {
            "zammad": {"url": zammad},
            "gitlab": {"url": gitlab, "hooks": hooks, "webhook_secret_env": "HOOK_SECRET"},
            "state": {"url": f"sqlite:///{folder}/state-{n}-{hooks}.sqlite"},
            "smtp": {"transport": "directory", "directory": str(folder / f"mail-{n}")},
            "server": {"port": 8787},
        }
        path = write_fleet_config(n, folder / f"daemon-{n}-{hooks}.yaml", **sections)
        built[n] = build_service(load_config(path), clock=clock, token="demo-token")
    return built


class _Clock:
    """The services' clock: now, moved on by hand between cycles."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def daemon_figures(folder: Path, zammad: str, gitlab: str) -> None:
    for hooks in (False, True):
        running = services(folder, zammad, gitlab, hooks)
        for service in running.values():
            service.run_cycle()
            service.run_cycle()
        kinds: list[tuple[str, dict[str, bool]]] = [
            ("Zammad cycle (every zammad.poll_seconds)", {"timers": False, "gitlab": False}),
            ("timer check (every 20 s)", {"zammad": False, "gitlab": False}),
        ]
        if hooks:
            kinds = [("GitLab cycle with hooks, between safety polls",
                      {"zammad": False, "timers": False})]  # fmt: skip
        else:
            polled = {n: len(fleet_projects(fleet_config(n))) for n in SIZES}
            what = f"GitLab cycle, every project read ({polled[4]} / {polled[500]})"
            kinds.append((what, {"zammad": False, "timers": False}))
        for what, steps in kinds:
            small, big = (median_of(cycle_cpu, running[n], **steps) for n in SIZES)
            row(f"idle {what}", small, big)
        env = {**os.environ, "ZAMMAD_TOKEN": "demo-token", "GITLAB_TOKEN": "demo-token"}
        runs = {n: [DEPLOYBOT, "run", "--once", "--config", str(running[n].config.source)]
                for n in SIZES}  # fmt: skip
        small, big = (median_of(command_cpu, runs[n], env) for n in SIZES)
        mode = "with hooks, between safety polls" if hooks else "every project read"
        row(f"deploybot run --once, {mode}", small, big, "s")


def poll_figure(folder: Path) -> None:
    """A GitLab cycle over 200 projects, each answer LATENCY late: wall time."""
    count, config = 4, fleet_config(4)
    while len(fleet_projects(config)) < 200:
        count += 1
        config = fleet_config(count)
    scenario = fleet_scenario(count)
    scenario["gitlab"]["latency"] = LATENCY
    with emulator("zammad", scenario, folder) as zammad, emulator("gitlab", scenario, folder) as gl:
        for concurrency in (8, 1):
            sections: dict[str, dict[str, Any]] = {
                "zammad": {"url": zammad},
                "gitlab": {"url": gl, "concurrency": concurrency},
                "state": {"url": f"sqlite:///{folder}/poll-{concurrency}.sqlite"},
                "smtp": {"transport": "directory", "directory": str(folder / "mail-poll")},
            }
            path = write_fleet_config(count, folder / f"poll-{concurrency}.yaml", **sections)
            service = build_service(load_config(path), clock=_Clock(), token="demo-token")
            projects = len(fleet_projects(config))
            service.run_cycle(zammad=False, timers=False)  # the first poll opens the window
            runs = 3 if concurrency > 1 else 1
            walls = []
            for _ in range(runs):
                started = time.perf_counter()
                service.run_cycle(zammad=False, timers=False)
                walls.append(time.perf_counter() - started)
            print(f"  GitLab cycle, {projects} projects at {LATENCY * 1000:.0f} ms an answer, "
                  f"gitlab.concurrency {concurrency}: {statistics.median(walls):.2f} s wall "
                  f"(median of {runs})")  # fmt: skip


def main() -> None:
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
          f"emulators in their own processes on loopback; medians of {RUNS}")  # fmt: skip
    print(f"  {'customers':<56} {'4':>9} {'500':>9}      ratio")
    print("  (commands: whole process CPU; idle cycles: CPU in a running service)")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        command_figures(folder)
        scenario = fleet_scenario(max(SIZES))
        with (
            emulator("zammad", scenario, folder) as zammad,
            emulator("gitlab", scenario, folder) as gitlab,
        ):
            daemon_figures(folder, zammad, gitlab)
        poll_figure(folder)


if __name__ == "__main__":
    main()
