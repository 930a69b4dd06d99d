"""Shared scenes for in-process tests: the service on fakes with DIBA's tickets and releases."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app.demo import Workbench
from bot.domain.model import State
from tests.factories import customer_data, make_config
from tests.fakes import InProcess, in_process

#: Thursday 26 November 2026, 10:00 in Madrid (the demo's "now").
START = datetime.fromisoformat("2026-11-26T10:00:00+01:00")
PROJECT = "soffid/addons/diba"


def diba(tmp_path: Path, *, validated: bool = True, **customer: Any) -> InProcess:
    """DIBA with one component whose release 3.2.11 fixes tickets 7412280 and 7412301.

    ``validated``: tickets 1–3 carry ``customer-validated`` from the start.
    """
    data = customer_data(
        zammad_organization="Diputació de Barcelona",
        components={"addon-diba": {"gitlab_project": PROJECT}},
        **customer,
    )
    config = make_config([data], email_domain="soffid.example")
    built = in_process(config, tmp_path / "state.sqlite", START)
    built.gitlab.release(PROJECT, "3.2.10", START - timedelta(days=60))
    built.gitlab.release(PROJECT, "3.2.11", START - timedelta(days=9), fixes=["7412280", "7412301"])
    for ticket_id, number in ((1, "7412280"), (2, "7412301"), (3, "7412999")):
        built.zammad.add_ticket(ticket_id, number, f"Change {number}", "Diputació de Barcelona")
        if validated:
            built.zammad.person_tags(ticket_id, "customer-validated")
    built.zammad.person_notes(1, "/deploy rollback-plan auto")
    built.zammad.add_ticket(4, "7413000", "Unrelated", "Diputació de Barcelona")
    return built


def ready(bot: InProcess) -> str:
    """Tickets 1 and 2 tagged ``deploy``: the deployment is ready, with proposals."""
    bot.zammad.person_tags(1, "deploy")
    bot.zammad.person_tags(2, "deploy")
    bot.cycle()
    deployment = bot.deployment()
    assert deployment.state is State.READY, bot.zammad.notes(1)
    return deployment.id


def book_first_proposal(bench: Workbench, tickets: tuple[int, ...] = (1, 2)) -> str:
    """Over the emulators: ``tickets`` tagged ``deploy``, then the first proposal booked with
    ``/deploy schedule``; returns the deployment's id."""
    for ticket_id in tickets:
        bench.person_tags(ticket_id, "deploy")
    bench.cycle()
    [deployment] = bench.store.deployments()
    first = deployment.proposals[0].astimezone(bench.config.provider.tz)
    bench.person_notes(tickets[0], f"/deploy schedule {first:%Y-%m-%d %H:%M}")
    bench.cycle()
    return deployment.id
