"""What a cycle costs in outside requests, counted by the emulators (issue: each ticket and its
articles read once, however many parts of deploybot need them)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.app.demo import Workbench

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


def test_two_tickets_tagged_deploy_cost_at_most_16_zammad_and_17_gitlab_requests(
    bench: Workbench,
) -> None:
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    zammad, gitlab = len(bench.zammad.log), len(bench.gitlab.log)
    bench.cycle()
    assert len(bench.gitlab.log) - gitlab <= 17, bench.gitlab.log[gitlab:]
    # Zammad: the searches, the two tickets (their organization comes with them), their tag
    # histories, and the writes (each tag write reads the ticket's tags first; each note looks
    # for its marker first, so that a retry after a crash never posts twice).
    assert len(bench.zammad.log) - zammad <= 16, bench.zammad.log[zammad:]
    assert not [r for r in bench.zammad.log[zammad:] if "/organizations/" in r.path]
    [deployment] = bench.store.deployments()
    assert [t.id for t in deployment.tickets] == [1, 2]


def test_a_poll_with_nothing_new_reads_no_ticket(bench: Workbench) -> None:
    bench.person_tags(1, "deploy")
    bench.service.run_cycle(gitlab=False)
    bench.service.run_cycle(gitlab=False)  # the tags deploybot set change the ticket once more
    before = len(bench.zammad.log)
    reads = reads_of_one_poll(bench)
    assert sum(reads.values()) == 0, reads
    assert [r.path for r in bench.zammad.log[before:]] == ["/api/v1/tickets/search"]
