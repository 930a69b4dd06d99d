"""A request's tickets take one short path down the layers (issue 35): followed from the request
entry point, ``Orders.request``, they visit few modules, come back to a module they left at
most twice, and never climb back up — the entry point makes one call, ``Requests.open``, which
plans the request itself (requesting → gather → domain).

The path is watched with the standard library's profiler hook: every frame whose locals hold
the very ``tickets`` list handed to the entry point (its arguments included) is recorded when
it is entered and whenever control comes back to it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from bot.domain.events import Origin
from integrations.zammad import Ticket
from tests.scenes import diba

#: The request's modules, higher layer first: a path never goes from one to an earlier one
#: except by returning to the module that called it.
ENTRY = "bot.app.orders.orders"
ENTRY_POINT = "Orders.request"
GATHER = "bot.app.orders.gather"


@dataclass(frozen=True)
class Path_:
    """Where a request's tickets went: the modules in order (a module repeated only after
    another), and the functions the entry point handed them to."""

    modules: tuple[str, ...]
    handed_to: tuple[str, ...]

    @property
    def distinct(self) -> set[str]:
        """Every module visited."""
        return set(self.modules)

    @property
    def returns(self) -> int:
        """How many times the path comes back to a module it already left."""
        return sum(1 for index, module in enumerate(self.modules) if module in self.modules[:index])

    @property
    def climbs(self) -> list[tuple[str, str]]:
        """The steps that go back up a layer: from the domain to the shell, or from the fact
        gathering straight to the entry point."""
        steps = zip(self.modules, self.modules[1:], strict=False)
        return [(low, high) for low, high in steps if _climbs(low, high)]


def _climbs(low: str, high: str) -> bool:
    from_domain = low.startswith("bot.domain") and high.startswith("bot.app")
    return from_domain or (low == GATHER and high == ENTRY)


def collapsed(modules: Sequence[str]) -> tuple[str, ...]:
    """The modules with each run of one module said once."""
    return tuple(m for index, m in enumerate(modules) if index == 0 or modules[index - 1] != m)


def follow(tickets: list[Ticket], run: Callable[[], object]) -> Path_:
    """The path of ``tickets`` while ``run`` runs."""
    modules: list[str] = []
    handed_to: list[str] = []

    def holds(frame: FrameType | None) -> bool:
        if frame is None or not frame.f_globals.get("__name__", "").startswith("bot."):
            return False  # the test's own frames hold them too: only the application's count
        return any(v is tickets for v in frame.f_locals.values())

    def watch(frame: FrameType, event: str, _: Any) -> None:
        caller = frame.f_back
        if event == "call" and holds(frame):
            modules.append(frame.f_globals.get("__name__", ""))
            if caller is not None and _within_entry(caller) and holds(caller):
                handed_to.append(frame.f_code.co_qualname)
        elif event == "return" and caller is not None and holds(caller):
            modules.append(caller.f_globals.get("__name__", ""))

    sys.setprofile(watch)
    try:
        run()
    finally:
        sys.setprofile(None)
    return Path_(collapsed(modules), tuple(handed_to))


@pytest.mark.parametrize(
    ("ticket_ids", "opens"),
    [((1, 2), True), ((9,), False)],
    ids=["a customer's tickets open a deployment", "nobody's ticket is answered why not"],
)
def test_a_requests_tickets_go_down_the_layers_once(
    tmp_path: Path, ticket_ids: tuple[int, ...], opens: bool
) -> None:
    bot = diba(tmp_path)
    bot.zammad.add_ticket(9, "7419999", "Elsewhere", "Nobody we serve")
    reads = bot.service.reads()
    tickets = [reads.ticket(ticket_id) for ticket_id in ticket_ids]
    opened: list[object] = []

    def request() -> None:
        origin = Origin("tag", "Marta", ticket_ids[0])
        opened.append(bot.service.orders.request(tickets, origin, reads, cause="deploy@1"))

    path = follow(tickets, request)
    assert (opened[0] is not None) is opens
    assert path.handed_to == ("Requests.open",), path  # one call down, not one per step
    assert path.modules[0] == ENTRY and path.modules[-1] == ENTRY, path
    assert len(path.distinct) <= 7, path
    assert path.returns <= 2, path
    assert path.climbs == [], path


def test_the_path_measure_sees_an_entry_point_that_calls_down_step_by_step() -> None:
    # Orders.request as it was: match, target, gather and event asked of Requests in turn.
    requesting, domain = "bot.app.orders.requesting", "bot.domain.request_plan"
    modules = [ENTRY, requesting, ENTRY, requesting, ENTRY, requesting, GATHER, ENTRY]
    modules += [requesting, domain, requesting, ENTRY]
    path = Path_(collapsed(modules), ("Requests.match", "Requests.target"))
    assert path.returns == 8
    assert path.climbs == [(GATHER, ENTRY), (domain, requesting)]
    assert Path_(collapsed([ENTRY, domain, ENTRY]), ()).climbs == [(domain, ENTRY)]
    assert collapsed([ENTRY, ENTRY, requesting, requesting, ENTRY]) == (ENTRY, requesting, ENTRY)


def _within_entry(frame: FrameType) -> bool:
    """Whether ``frame`` runs the entry point itself or a function it defines (the attempt it
    makes again when its read went stale)."""
    name = frame.f_code.co_qualname
    return name == ENTRY_POINT or name.startswith(f"{ENTRY_POINT}.<locals>.")
