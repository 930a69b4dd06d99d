"""How long gathering facts and checking prerequisites takes, and how many requests it makes.

Run: .venv/bin/python benchmarks/bench_verify.py   (prints figures; not a timed test)
"""

from __future__ import annotations

import statistics
import time

from bot.app.orders.gather import DeploymentRequest, FactGatherer
from bot.app.outside.zammad_reads import ZammadReads
from bot.config.loading import load_config
from bot.domain.prerequisites.checks import check_prerequisites
from bot.resources import example_config_path
from emulators.gitlab import GitLabEmulator
from emulators.scenario import load_scenario
from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator
from integrations.gitlab import GitLabClient
from integrations.zammad import ZammadClient


def main() -> None:
    config = load_config(example_config_path())
    scenario = load_scenario()
    requests = {
        "DIBA, 2 tickets, components derived": DeploymentRequest(("7412280", "7412301")),
        "DIBA, 2 tickets, components explicit": DeploymentRequest(
            ("7412280", "7412301"), None, (("addon-diba", "3.2.11"), ("iam-sync", "3.2.1"))
        ),
    }
    with (
        RunningEmulator(ZammadEmulator(scenario)) as zammad,
        RunningEmulator(GitLabEmulator(scenario)) as gitlab,
    ):
        for label, request in requests.items():
            samples = []
            for _ in range(20):
                zammad_client = ZammadClient(zammad.url, "demo-token")
                gitlab_client = GitLabClient(gitlab.url, "demo-token")
                before_z, before_g = len(zammad.app.log), len(gitlab.app.log)
                started = time.perf_counter()
                facts = FactGatherer(config, ZammadReads(zammad_client), gitlab_client).gather(
                    request
                )
                report = check_prerequisites(facts, config)
                samples.append(time.perf_counter() - started)
                assert report.ready
                calls_z = len(zammad.app.log) - before_z
                calls_g = len(gitlab.app.log) - before_g
            print(
                f"{label:<40} median {statistics.median(samples) * 1000:7.1f} ms   "
                f"Zammad {calls_z} requests, GitLab {calls_g} requests (n={len(samples)})"
            )


if __name__ == "__main__":
    main()
