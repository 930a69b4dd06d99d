"""Client throughput against the emulators on loopback: searches, ticket reads, GitLab facts.

Run: .venv/bin/python benchmarks/bench_clients.py   (prints figures; not a timed test)
"""

from __future__ import annotations

from timing import measure

from emulators.gitlab import GitLabEmulator
from emulators.scenario import load_scenario
from emulators.server import Faults, RunningEmulator
from emulators.zammad import ZammadEmulator
from integrations.gitlab import GitLabClient
from integrations.retry import RetryPolicy
from integrations.zammad import ZammadClient


def main() -> None:
    tickets = [{"number": str(70000 + n), "title": f"T{n}", "tags": ["deploy"]} for n in range(450)]
    with RunningEmulator(ZammadEmulator({"zammad": {"tickets": tickets}})) as zammad:
        client = ZammadClient(zammad.url, "demo-token")
        measure(
            "zammad: condition search, 450 tagged tickets (3 pages)",
            10,
            lambda: client.find_tickets_with_tags(["deploy"]),
        )
        measure(
            "zammad: one ticket with tags and articles (?all=true)", 100, lambda: client.ticket(1)
        )
    faults = Faults(error_rate=0.2, seed=1)
    with RunningEmulator(ZammadEmulator(load_scenario(), faults=faults)) as zammad:
        client = ZammadClient(
            zammad.url, "demo-token", retry=RetryPolicy(max_attempts=10, sleep=lambda _: None)
        )
        measure(
            "zammad: tags read with a 20% 5xx rate (retries, no sleep)", 100, lambda: client.tags(1)
        )
        failed = sum(1 for r in zammad.app.log if r.status >= 500)
        print(f"{'':<58} {failed} of {len(zammad.app.log)} requests failed and were retried")
    with RunningEmulator(GitLabEmulator(load_scenario())) as gitlab:
        gl = GitLabClient(gitlab.url, "demo-token")

        def facts() -> None:
            release = gl.release("soffid/addons/diba", "3.2.11")
            assert release is not None and release.commit_sha
            gl.latest_release("soffid/addons/diba")
            gl.pipeline_for("soffid/addons/diba", "3.2.11", release.commit_sha)
            gl.on_default_branch("soffid/addons/diba", release.commit_sha)
            gl.latest_test_deployment("soffid/addons/diba")
            gl.ticket_references("soffid/addons/diba", "3.2.11")

        measure("gitlab: every fact of one component version", 20, facts)
        print(f"{'':<58} {len(gitlab.app.log) // 20} requests per component version")


if __name__ == "__main__":
    main()
