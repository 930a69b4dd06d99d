"""An order given at the terminal: carried out, or refused or tried with ``--dry-run`` without
committing anything — its reasons, or what it would do, printed in the command line's words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from bot.cli.base import fail
from bot.config.models import Config
from bot.domain.model import Deployment
from bot.domain.routing import Routed

if TYPE_CHECKING:
    from bot.app.orders import Committer, Given, Orders, Withheld
    from bot.app.store import Store
    from bot.domain.booking_link import BookingLinks
    from bot.domain.rendering import Renderer


@dataclass(frozen=True)
class Terminal:
    """What an order given at the terminal works with: the service's configuration, store,
    orders, committer, renderer and booking links — the objects its cycles use — and ``drain``,
    which carries out the effects waiting (returns how many were done and how many failed)."""

    config: Config
    store: Store
    orders: Orders
    committer: Committer
    renderer: Renderer
    links: BookingLinks | None
    drain: Callable[[], tuple[int, int]]


def given_deployment(given: Given) -> Deployment:
    """The deployment an order left (every order of the command line has one)."""
    if given.deployment is None:
        fail("the order changed no deployment", code=1)
    return given.deployment


def carry_out(terminal: Terminal, order: Routed, *, dry_run: bool) -> Deployment:
    """Carry out an order given at the terminal. One the lifecycle refuses changes nothing
    (no note, no tag, no log row): its reasons are printed and the command exits 1; with
    ``dry_run`` nothing is committed either way and what would happen is printed."""
    from bot.app.orders import Withheld

    try:
        with terminal.committer.withholding(everything=dry_run):
            return given_deployment(terminal.orders.give(order))
    except Withheld as withheld:
        print_withheld(terminal.config, withheld)
        raise SystemExit(1 if withheld.outcome.refusal else 0) from None


def print_withheld(config: Config, withheld: Withheld) -> None:
    """What an order not committed would have done, or why it is refused, in CLI words."""
    from bot.domain.effects import ScheduleTimer, describe

    before, outcome = withheld.before, withheld.outcome
    if outcome.refusal:
        state, event = before.state.value, withheld.event
        click.echo(f"{before.id}: {state} — {event} refused, nothing changed:")
        for line in outcome.refusal:
            click.echo(f"  - {cli_syntax(line, before.id)}")
        return
    after = outcome.deployment.state.value
    click.echo(f"{before.id}: {withheld.event} would go {before.state.value} -> {after}; "
               "nothing changed (--dry-run)")  # fmt: skip
    tz = config.provider.tz
    for effect in outcome.effects:
        if isinstance(effect, ScheduleTimer):
            due = f"at {effect.due.astimezone(tz):%d/%m %H:%M}" if effect.due else "disarmed"
            click.echo(f"  - timer {effect.name} {due}")
        else:
            click.echo(f"  - {describe(effect, config.provider.language)}")


#: The chat syntax of the refusal tips, and what a person writes at the terminal instead.
_CHAT_TO_CLI = (
    (re.compile(r"/deploy (start|done) force: <([^>]+)>"), r"deploybot \1 {id} --force '<\2>'"),
    (re.compile(r"/deploy rollback <([^>]+)>"), r"deploybot rollback {id} '<\1>'"),
    (re.compile(r"/deploy recheck"), "deploybot verify-live {id}"),
    (re.compile(r"'?force: <([^>]+)>'?"), r"--force '<\1>'"),
)


def cli_syntax(line: str, deployment_id: str) -> str:
    """A refusal's tip as written at the terminal: ``--force`` instead of ``force:``."""
    for pattern, replacement in _CHAT_TO_CLI:
        line = pattern.sub(replacement.replace("{id}", deployment_id), line)
    return line
