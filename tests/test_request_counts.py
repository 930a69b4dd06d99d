"""What a cycle costs in outside requests, counted by the emulators (issue: each ticket and its
articles read once, however many parts of deploybot need them)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.app.orders.gather import FactGatherer
from bot.cli.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.domain.prerequisites.facts import TicketFacts
from bot.resources import example_config_path
from emulators.scenario import with_old_tickets
from integrations.zammad import Ticket

pytestmark = pytest.mark.both_stores


def reads_of_one_poll(bench: Workbench) -> Counter[str]:
    """The Zammad reads of one poll: what deploybot reads to decide (the outbox's own
    look-ups before posting a note, which make posting idempotent, are not counted here)."""
    before = len(bench.zammad.log)
    bench.service.poll_zammad()
    return Counter(f"{r.method} {r.path}" for r in bench.zammad.log[before:] if r.method == "GET")


def test_two_newly_tagged_tickets_are_each_read_once_with_their_articles(
    bench: Workbench,
) -> None:
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    reads = reads_of_one_poll(bench)
    for ticket in (1, 2):
        assert reads[f"GET /api/v1/tickets/{ticket}"] == 1
        # The articles and their authors come in the ticket's ?all=true answer.
        assert reads[f"GET /api/v1/ticket_articles/by_ticket/{ticket}"] == 0
        assert reads[f"GET /api/v1/ticket_history/{ticket}"] == 1
    assert max(reads.values()) == 1, reads
    # Nothing is looked up again by number: the request reuses what the poll read.
    assert not [path for path in reads if "search" in path], reads
    assert sum(reads.values()) <= 5, reads


def test_two_tickets_tagged_deploy_cost_at_most_13_zammad_and_21_gitlab_requests(
    bench: Workbench,
) -> None:
    bench.cycle()  # deploybot running already: the GitLab poll has its window
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    zammad, gitlab = len(bench.zammad.log), len(bench.gitlab.log)
    bench.cycle()
    # GitLab: the facts of two component versions, then the poll of the four projects.
    assert len(bench.gitlab.log) - gitlab <= 21, bench.gitlab.log[gitlab:]
    # Zammad: one search, the two tickets (their organization comes with them), their tag
    # histories, and the writes: two notes (never tried before: posted without a look-up) and
    # the tags (each tag write reads the ticket's tags first — Zammad's tag removal touches the
    # ticket even when the tag is absent, so nothing is removed blindly). README, Performance.
    assert len(bench.zammad.log) - zammad <= 13, bench.zammad.log[zammad:]
    assert not [r for r in bench.zammad.log[zammad:] if "/organizations/" in r.path]
    [deployment] = bench.store.deployments.list()
    assert [t.id for t in deployment.tickets] == [1, 2]


def test_an_idle_gitlab_poll_costs_one_request_per_component_project(bench: Workbench) -> None:
    bench.cycle()
    projects = {
        component.gitlab_project
        for customer in bench.config.customers
        if customer.managed_by != "partner_exclusive"
        for component in customer.components.values()
    }
    bench.restart()  # a fresh process knows no project yet: none is read to be asked about
    before = len(bench.gitlab.log)
    bench.service.run_cycle(zammad=False, timers=False)
    assert len(bench.gitlab.log) - before == len(projects) == 4, bench.gitlab.log[before:]


def test_a_poll_with_nothing_new_reads_no_ticket(bench: Workbench) -> None:
    bench.person_tags(1, "deploy")
    bench.service.run_cycle(gitlab=False)
    bench.service.run_cycle(gitlab=False)  # the tags deploybot set change the ticket once more
    before = len(bench.zammad.log)
    reads = reads_of_one_poll(bench)
    assert sum(reads.values()) == 0, reads
    assert [r.path for r in bench.zammad.log[before:]] == ["/api/v1/tickets/search"]


def test_five_changed_tickets_among_sixty_watched_cost_one_search_and_five_reads(
    tmp_path: Path, demo_scenario: dict[str, Any]
) -> None:
    scenario = with_old_tickets(
        demo_scenario, 60, watched=60, organization="Diputació de Barcelona"
    )
    config = load_config(example_config_path())
    with workbench(config, scenario, tmp_path / "out") as bench:
        bench.service.poll_zammad()
        for n in range(5):  # chatter, and one agent's note that is not a command
            bench.person_notes(1000 + n, "the customer called back" if n else "see the log")
        before = len(bench.zammad.log)
        bench.service.poll_zammad()
        requests = bench.zammad.log[before:]
    # ceil(60 / 200) = 1 page of the search, then each changed ticket once (with its articles).
    assert len(requests) <= 1 + 5, [r.path for r in requests]


def test_a_requests_tickets_are_read_into_facts_once(
    bench: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    original = FactGatherer._read_ticket

    def counted(gatherer: FactGatherer, ticket: Ticket) -> tuple[TicketFacts, str | None]:
        read.append(ticket.id)
        return original(gatherer, ticket)

    monkeypatch.setattr(FactGatherer, "_read_ticket", counted)
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    bench.cycle()
    # Matched to its customer and checked from the same facts: each ticket's notes scanned once.
    assert sorted(read) == [1, 2]
