"""What a Zammad cycle costs, counted by the emulator: an idle cycle pages through the watched
tickets and reads nothing else; a changed ticket costs one request; the first cycle on a Zammad
that already has many tagged tickets costs a handful (issue: cost proportional to change)."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.resources import example_config_path

TICKETS = 1000
WATCHED = 450  # tagged deploy-ready: seen by every search, changed by nobody
PAGES = math.ceil(WATCHED / 200)


def big_scenario(demo_scenario: dict[str, Any]) -> dict[str, Any]:
    scenario = copy.deepcopy(demo_scenario)
    tickets = scenario["zammad"]["tickets"]
    for n in range(TICKETS):
        tags = ["deploy-ready"] if n < WATCHED else []
        tickets.append(
            {
                "id": 1000 + n,
                "number": str(7500000 + n),
                "title": f"Old ticket {n}",
                "organization": "Diputació de Barcelona",
                "tags": tags,
                "articles": [{"body": f"<p>history {n}</p>", "internal": True}],
            }
        )
    return scenario


@pytest.fixture
def big(tmp_path: Path, demo_scenario: dict[str, Any]) -> Iterator[Workbench]:
    config = load_config(example_config_path())
    with workbench(config, big_scenario(demo_scenario), tmp_path / "out") as bench:
        yield bench


def zammad_requests(bench: Workbench) -> list[str]:
    """The Zammad requests of one Zammad poll (the outbox's writes are not part of it)."""
    before = len(bench.zammad.log)
    bench.service.poll_zammad()
    return [f"{r.method} {r.path}" for r in bench.zammad.log[before:]]


def test_the_first_cycle_on_a_zammad_with_many_tagged_tickets_costs_a_handful(
    big: Workbench,
) -> None:
    requests = zammad_requests(big)
    assert len(requests) <= 5, requests


def test_an_idle_cycle_only_pages_through_the_watched_tickets(big: Workbench) -> None:
    zammad_requests(big)
    requests = zammad_requests(big)
    assert requests == ["POST /api/v1/tickets/search"] * PAGES, requests


@pytest.mark.parametrize("changed", [1, 10])
def test_each_changed_ticket_costs_one_request(big: Workbench, changed: int) -> None:
    zammad_requests(big)
    for n in range(changed):
        big.person_notes(1000 + n, "a note that is not a command")
    requests = zammad_requests(big)
    reads = [r for r in requests if r != "POST /api/v1/tickets/search"]
    assert len(reads) == changed, requests
    assert len(requests) <= PAGES + changed


def test_a_new_command_note_is_still_obeyed_after_the_first_cycle(big: Workbench) -> None:
    zammad_requests(big)
    big.person_notes(1000, "/deploy help")
    big.cycle()
    assert any("deploybot commands" in n["body"] or "Comandos" in n["body"]
               for n in big.notes(1000))  # fmt: skip
