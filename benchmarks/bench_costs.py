"""What deploybot's work costs in outside requests and CPU (issue: cost proportional to change).

Run: .venv/bin/python benchmarks/bench_costs.py   (prints figures and their conditions)

Requests are counted by the emulators; deploybot's CPU is the calling thread's (the emulators
answer in their own threads); start-up times are wall-clock, three runs each, side by side.
"""

from __future__ import annotations

import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from bot.cli.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.config.models import Config
from bot.domain.calendar.planning import explain_day
from bot.domain.calendar.rules import rules_for
from bot.domain.model import Deployment, State
from bot.domain.notifications import log_row
from bot.resources import example_config_path
from emulators.gitlab import GitLabEmulator
from emulators.scenario import load_scenario, with_old_tickets
from emulators.server import RunningEmulator
from integrations.deployment_log import DeploymentLog, write_template
from integrations.gitlab import GitLabClient

TICKETS, WATCHED = 10_000, 500
DIBA = "Diputació de Barcelona"
ROOT = Path(__file__).resolve().parent.parent


def big_scenario() -> dict[str, Any]:
    """The demo scenario plus 10,000 old tickets, 500 of them with a status tag."""
    return with_old_tickets(load_scenario(), TICKETS, watched=WATCHED, organization=DIBA)


def zammad_poll(bench: Workbench) -> tuple[int, float, float]:
    """Requests, deploybot CPU seconds and wall seconds of one Zammad poll."""
    before = len(bench.zammad.log)
    cpu, wall = time.thread_time(), time.perf_counter()
    bench.service.poll_zammad()
    return len(bench.zammad.log) - before, time.thread_time() - cpu, time.perf_counter() - wall


def zammad_figures() -> None:
    pages = math.ceil(WATCHED / 200)
    print(f"Zammad: {TICKETS:,} tickets, {WATCHED} watched (ceil(watched/200) = {pages})")
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(example_config_path())
        with workbench(config, big_scenario(), Path(folder)) as bench:
            requests, _, wall = zammad_poll(bench)
            print(f"  first cycle on an existing Zammad   {requests:5d} requests  {wall:.2f} s")
            idle = [zammad_poll(bench) for _ in range(5)]
            cpu_ms = statistics.median(c for _, c, _ in idle) * 1000
            print(f"  idle cycle                          {idle[-1][0]:5d} requests  "
                  f"{cpu_ms:.1f} ms deploybot CPU (median of 5)")  # fmt: skip
            for changed in (1, 10, 100):
                for n in range(changed):
                    bench.person_notes(1000 + n, "a note that is not a command")
                requests, _, _ = zammad_poll(bench)
                print(f"  cycle with {changed:3d} changed ticket(s)      {requests:5d} requests"
                      f"  (target ≤ {pages + changed})")  # fmt: skip


def demo_figures() -> None:
    config = load_config(example_config_path())
    with (
        tempfile.TemporaryDirectory() as folder,
        workbench(config, load_scenario(), Path(folder)) as b,
    ):
        b.cycle()  # running already: the GitLab poll has its window
        b.person_tags(1, "deploy")
        b.person_tags(2, "deploy")
        zammad, gitlab = len(b.zammad.log), len(b.gitlab.log)
        b.cycle()
        zammad, gitlab = len(b.zammad.log) - zammad, len(b.gitlab.log) - gitlab
        print(f"Two tickets tagged deploy (demo, one cycle): Zammad {zammad}, "
              f"GitLab {gitlab} requests (poll of 4 projects included)")  # fmt: skip
        b.restart()
        gitlab = len(b.gitlab.log)
        b.service.run_cycle(zammad=False, timers=False)
        print(f"  idle GitLab cycle in a fresh process, 4 component projects: "
              f"{len(b.gitlab.log) - gitlab} requests")  # fmt: skip
    changed_of_sixty()


def changed_of_sixty() -> None:
    """Five changed tickets among 60 watched: one search page and one read each."""
    scenario = with_old_tickets(load_scenario(), 60, watched=60, organization=DIBA)
    config = load_config(example_config_path())
    with tempfile.TemporaryDirectory() as folder, workbench(config, scenario, Path(folder)) as b:
        b.service.poll_zammad()
        for n in range(5):
            b.person_notes(1000 + n, "the customer called back")
        requests, _, _ = zammad_poll(b)
        print(f"Five changed tickets of 60 watched: Zammad {requests} requests (target ≤ 6)")


def many_releases(count: int) -> dict[str, Any]:
    commits = [{"sha": f"{n:040x}", "message": f"r{n}"} for n in range(count)]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    releases = [{"tag": f"1.0.{n}", "released_at": (start + timedelta(days=n)).isoformat()}
                for n in range(count)]  # fmt: skip
    tags = [{"name": r["tag"], "sha": commits[i]["sha"]} for i, r in enumerate(releases)]
    project = {"id": 1, "path": "big/project", "commits": commits, "tags": tags,
               "releases": releases}  # fmt: skip
    return {"gitlab": {"projects": [project]}}


def gitlab_figures() -> None:
    with RunningEmulator(GitLabEmulator(many_releases(1000))) as gitlab:
        client = GitLabClient(gitlab.url, "demo-token")
        with client.cycle():
            release = next(r for r in client.releases("big/project") if r.tag_name == "1.0.998")
            client.latest_release("big/project")
            client.previous_release("big/project", release.tag_name)
            client.ticket_references("big/project", release.tag_name)
        print(f"GitLab, one project with 1,000 releases: one component version "
              f"{len(gitlab.app.log)} requests")  # fmt: skip
        before = len(gitlab.app.log)
        client.releases_since(["big/project"], datetime(2030, 1, 1, tzinfo=UTC))
        print(f"  idle poll                           {len(gitlab.app.log) - before} request(s)")


def planning_figures() -> None:
    regions = ["CT", "MD", "IB", "AN", "VC", "GA", "PV", "AR"]
    customers = [
        {"name": f"C{n:03d}", "holidays": {"country": "ES", "subdiv": regions[n % 8]},
         "window": {"days": ["mon", "tue", "wed", "thu"], "start": "09:00", "end": "13:00"}}
        for n in range(500)
    ]  # fmt: skip
    provider = {"name": "Soffid", "holidays": {"country": "ES", "subdiv": "IB"}}
    config = Config.model_validate({"provider": provider, "customers": customers})
    now = datetime(2026, 11, 26, 9, tzinfo=UTC)
    rules = [rules_for(config, customer) for customer in config.customers]
    started = time.perf_counter()
    for rule in rules:
        for offset in range(365):
            explain_day(rule, now.date() + timedelta(days=offset), now=now)
    print(f"Planning: 500 customers × 365 day verdicts  {time.perf_counter() - started:.2f} s")


def log_figures() -> None:
    """An update of one row in a log of 1,000 and 10,000 full rows: time and extra memory."""
    config = load_config(example_config_path())
    for count in (1_000, 10_000):
        with tempfile.TemporaryDirectory() as folder:
            log = DeploymentLog(Path(folder) / "shared", "DIBA", backup_dir=Path(folder) / "bak")
            workbook = openpyxl.load_workbook(write_template(log.path))
            sheet = workbook.active
            assert sheet is not None
            for number in range(1, count + 1):
                sheet.append([f"DIBA-2025-{number:05d}", *[f"cell {number}"] * 19])
            workbook.save(log.path)
            deployment = Deployment(id="DIBA-2025-00500", customer="DIBA", environment="PRO",
                                    state=State.SCHEDULED, requested_at=datetime.now(UTC),
                                    planned_start=datetime(2026, 12, 1, 9, tzinfo=UTC))  # fmt: skip
            row = log_row(deployment, config)
            started = time.perf_counter()
            log.upsert_row(row)
            elapsed = time.perf_counter() - started
            tracemalloc.start()  # a second update, traced (tracing slows it: timed apart)
            log.upsert_row(row)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            print(f"Log update, {count:,} rows of 20 cells: {elapsed:.2f} s, "
                  f"peak {peak:.0f} MB traced")  # fmt: skip


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_figures(cycles: int = 1_000) -> None:
    """Resident memory of the service over many idle cycles (the demo, after its procedure)."""
    config = load_config(example_config_path())
    with (
        tempfile.TemporaryDirectory() as folder,
        workbench(config, load_scenario(), Path(folder)) as bench,
    ):
        bench.person_tags(1, "deploy")
        after_100 = 0.0
        for n in range(cycles):
            bench.service.run_cycle()
            bench.zammad.log.clear()  # the emulators' request logs are not deploybot's memory
            bench.gitlab.log.clear()
            if n == 99:
                after_100 = _rss_mb()
        print(f"Daemon, {cycles:,} cycles: resident memory grew "
              f"{_rss_mb() - after_100:.1f} MB after the first 100")  # fmt: skip


def start_up(args: list[str]) -> float:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(args, capture_output=True, check=False, cwd=ROOT)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def startup_figures() -> None:
    bare = start_up([sys.executable, "-c", "pass"])
    deploybot = str(Path(sys.executable).parent / "deploybot")
    config = str(example_config_path())
    helped = start_up([deploybot, "--help"])
    checked = start_up([deploybot, "check-day", "DIBA", "2026-12-01", "--config", config])
    print(f"Start-up (median of 3): python -c pass {bare:.2f} s, deploybot --help {helped:.2f} s, "
          f"check-day {checked:.2f} s (target ≤ {3 * bare + 0.25:.2f} s)")  # fmt: skip


def main() -> None:
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{platform.system()}; emulators on loopback")  # fmt: skip
    zammad_figures()
    demo_figures()
    gitlab_figures()
    planning_figures()
    log_figures()
    memory_figures()
    startup_figures()


if __name__ == "__main__":
    main()
