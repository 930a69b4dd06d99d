"""Shared scenes for in-process tests: the service on fakes with DIBA's tickets and releases."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cli.demo import Workbench
from bot.domain.booking_link import BookingLinks
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
    [deployment] = bench.store.deployments.list()
    first = deployment.proposals[0].astimezone(bench.config.provider.tz)
    bench.person_notes(tickets[0], f"/deploy schedule {first:%Y-%m-%d %H:%M}")
    bench.cycle()
    return deployment.id


#: CAIB's component, whose release 1.4.0 fixes tickets 7500001 and 7500002.
CAIB_PROJECT = "soffid/addons/caib"


def two_customers(
    tmp_path: Path, links: BookingLinks, mode: str = "direct", **diba: Any
) -> InProcess:
    """DIBA (tickets 1–2) and CAIB (tickets 11–12), both ready to be booked with a link in
    ``mode``; one deployment at a time (``max_parallel: 1``). ``diba``: more of DIBA's
    settings (its step-3 checks, its monitoring)."""
    booking = {"self_service": mode}
    diba_data = customer_data(zammad_organization="Diputació de Barcelona", booking=booking,
                              components={"addon-diba": {"gitlab_project": PROJECT}},
                              **diba)  # fmt: skip
    caib_components = {"addon-caib": {"gitlab_project": CAIB_PROJECT}}
    caib_data = customer_data("CAIB", "IB", zammad_organization="Govern de les Illes Balears",
                              booking=booking, components=caib_components)  # fmt: skip
    config = make_config([diba_data, caib_data], email_domain="soffid.example")
    built = in_process(config, tmp_path / "state.sqlite", START, links)
    built.gitlab.release(PROJECT, "3.2.11", START - timedelta(days=9), fixes=["7412280", "7412301"])
    built.gitlab.release(CAIB_PROJECT, "1.4.0", START - timedelta(days=3),
                         fixes=["7500001", "7500002"])  # fmt: skip
    tickets = ((1, "7412280", "Diputació de Barcelona"), (2, "7412301", "Diputació de Barcelona"),
               (11, "7500001", "Govern de les Illes Balears"),
               (12, "7500002", "Govern de les Illes Balears"))  # fmt: skip
    for ticket_id, number, organization in tickets:
        built.zammad.add_ticket(ticket_id, number, f"Change {number}", organization)
        built.zammad.person_tags(ticket_id, "customer-validated")
    built.zammad.person_notes(1, "/deploy rollback-plan auto")
    built.zammad.person_notes(11, "/deploy rollback-plan auto")
    return built
