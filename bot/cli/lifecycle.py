"""``deploybot`` to drive the lifecycle by hand: run, request, schedule, start, delay, done,
rollback, cancel."""

from __future__ import annotations

import logging
import os
import re
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.base import (
    config_option,
    fail,
    find_customer,
    load,
    log,
    main,
    parse_duration_option,
    print_report,
    utc_now,
)
from bot.cli.terminal_orders import Terminal, carry_out, given_deployment
from bot.config.models import Config
from bot.domain.calendar.rules import Slot
from bot.domain.commands import CommandError, note_text, parse_components, parse_datetime
from bot.domain.events import (
    CancelRequested,
    DelayRequested,
    Event,
    Origin,
    RollbackRequested,
)
from bot.domain.model import ComponentVersion, Deployment, State
from bot.domain.routing import (
    DoneOrder,
    MailedRequest,
    ScheduleOrder,
    StartOrder,
    Transition,
    VerifyOrder,
)
from bot.domain.texts import say
from integrations.secrets import MissingSecretError

if TYPE_CHECKING:
    from bot.app.run import Service


def _fixed_clock(text: str) -> Callable[[], datetime]:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--now: '{text}' is not a time (write it like 2026-12-01T09:30:00+01:00)")
    if moment.tzinfo is None:
        fail(f"--now: '{text}' needs its UTC offset (like +01:00)")
    return lambda: moment


def build_service(config: Config, clock: Callable[[], datetime] = utc_now) -> Service:
    """The service on the configured Zammad, GitLab, channels and store."""
    from bot.app.run import wiring  # the shell, loaded only by the commands that use it

    if not config.zammad.url:
        fail(f"{config.source}: zammad.url: the Zammad address is needed to run")
    try:
        return wiring.build_service(config, clock=clock, observer=lambda line: log.info("%s", line))
    except MissingSecretError as exc:
        fail(str(exc))


def build_terminal(config: Config) -> Terminal:
    """What an order given at the terminal works with: the service's own collaborators."""
    service = build_service(config)
    return Terminal(service.config, service.store, service.orders, service.committer,
                    service.renderer, service.links, drain=service.drain_outbox)  # fmt: skip


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # The scheduler says "Running job …" every few seconds: only its problems are news.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@main.command("run")
@click.option("--once", is_flag=True, help="One cycle (Zammad, timers, GitLab, outbox), then exit.")
@click.option(
    "--now",
    "now_text",
    metavar="TIME",
    help="With --once: the cycle's time, ISO 8601 with offset (to replay a day; tests use it).",
)
@config_option
def run(once: bool, now_text: str | None, config_path: Path | None) -> None:
    """Run the daemon: poll Zammad and GitLab, fire timers, carry out effects, until stopped."""
    _configure_logging()
    config = load(config_path)
    clock = utc_now
    if now_text is not None:
        if not once:
            fail("--now goes with --once: the daemon runs on the real clock")
        clock = _fixed_clock(now_text)
    service = build_service(config, clock)
    if once:
        result = service.run_cycle()
        click.echo(
            f"events {result.events}, effects done {result.effects_done}, "
            f"failed {result.effects_failed}" + "".join(f"; {e}" for e in result.errors)
        )
        sys.exit(1 if result.errors or result.effects_failed else 0)
    from bot.app.run import (
        DaemonRunningError,
        claim_sqlite_state,
        gitlab_webhook_secret,
        run_daemon,
        views_token,
        webhook_secret,
    )

    try:
        secret = webhook_secret(config)
        gitlab_webhook_secret(config)  # named now, not when the first hook arrives
        views_token(config)
        claim = claim_sqlite_state(config)
    except (MissingSecretError, DaemonRunningError) as exc:
        fail(str(exc))
    try:
        run_daemon(service, config, secret)
    except OSError as exc:  # the endpoint's port: in use, or not ours to take
        fail(f"cannot listen on {config.server.host}:{config.server.port}: {exc.strerror}")
    finally:
        if claim is not None:
            claim.release()


def _deployment(terminal: Terminal, deployment_id: str) -> Deployment:
    found = terminal.store.deployments.get(deployment_id.upper())
    if found is None:
        fail(say(terminal.config.provider.language, "cli_no_deployment", id=deployment_id), code=1)
    return found


def _finish(terminal: Terminal, deployment: Deployment) -> None:
    """Carry out the effects, say where the deployment stands; a refused order exits 1 with
    its reasons."""
    done, failed = terminal.drain()
    click.echo(f"{deployment.id}: {deployment.state.value} ({done} effects done, {failed} failed)")
    last = terminal.store.audit.trail(deployment.id)[-1]
    refused = last.details.get("refused")
    if refused:
        click.echo("  nothing changed:")
        for line in refused:
            click.echo(f"  - {line}")
        raise SystemExit(1)


def _one_line(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A person's name on one line: a line break or control character would forge a line of
    the audit trail or the log."""
    if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise click.BadParameter("a name on one line, without control characters")
    return value


by_option = click.option(
    "--by",
    "by",
    callback=_one_line,
    help="Who is acting (for the audit trail and the log; default: the provider.operators "
    "name of $USER, else the login).",
)


@main.command("request")
@click.option("--customer", "customer_name", required=True, help="The customer asking.")
@click.option("--components", required=True, help='e.g. "addon-diba 3.2.11, iam-sync 3.2.1"')
@click.option("--email", "emails", required=True, help="Requester addresses, comma-separated.")
@click.option("--thread", help="Message-ID of the request email, to answer in its thread.")
@click.option("--env", "environment", help="Target environment (default: the customer's).")
@click.option("--description", default="", help="What the request is about (for the emails).")
@click.option("--customer-validated", is_flag=True, help="The customer validated it (by email).")
@click.option(
    "--rollback-plan", default="", help="Rollback guide, or 'auto' for the generated one."
)
@by_option
@config_option
def request_command(
    customer_name: str,
    components: str,
    emails: str,
    thread: str | None,
    environment: str | None,
    description: str,
    customer_validated: bool,
    rollback_plan: str,
    by: str | None,
    config_path: Path | None,
) -> None:
    """Open a deployment requested by email (no ticket); it follows the same lifecycle.

    Prints the prerequisite report and, when ready, the proposals with the text to send the
    customer (the same draft as in Zammad)."""
    _configure_logging()
    config = load(config_path)
    customer = find_customer(config, customer_name)
    try:
        parsed = parse_components(components)
    except CommandError as exc:
        fail(f"--components: {exc}")
    terminal = build_terminal(config)
    asserted = (config.zammad.tags.customer_validated,) if customer_validated else ()
    order = MailedRequest(
        Origin("cli", _user(config, by)),
        customer.name,
        tuple(ComponentVersion(n, v) for n, v in parsed),
        requested_by=emails,
        requesters=tuple(a.strip() for a in emails.split(",") if a.strip()),
        environment=environment,
        thread=thread,
        description=description,
        asserted_tags=asserted,
        rollback_plan=rollback_plan,
    )
    given = terminal.orders.give(order)
    if given.report is not None:
        print_report(given.report, config.provider.language)
    deployment = given_deployment(given)
    for number, start in enumerate(deployment.proposals, start=1):
        click.echo(f"  proposal {number}: {start.astimezone(config.provider.tz):%Y-%m-%d %H:%M}")
    if deployment.proposals and terminal.links and customer.booking.self_service != "off":
        click.echo("The proposals went to the customer by email, with a booking link.")
    elif deployment.proposals:
        slots = [Slot(start, start + deployment.duration) for start in deployment.proposals]
        draft = terminal.renderer.proposals_draft(deployment, config, slots, now=utc_now())
        click.echo("Text for the customer:\n" + textwrap.indent(draft.strip(), "  "))
    _finish(terminal, deployment)


def _user(config: Config, by: str | None = None) -> str:
    """The person running the command: ``--by``, else the name ``provider.operators`` gives
    the login (``$USER``, else the process's account), else that login itself."""
    if (by or "").strip():
        return (by or "").strip()
    login = os.environ.get("USER") or os.environ.get("USERNAME") or _account()
    return config.provider.operators.get(login, login)


def _account() -> str:
    """The account the process runs as (systemd and Docker set no ``$USER``)."""
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no passwd entry (a container's arbitrary user)
        return f"uid {os.getuid()}"


dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Say what the command would do, and change nothing."
)


@main.command("schedule")
@click.argument("deployment_id")
@click.argument("day", metavar="DATE")
@click.argument("time_text", metavar="TIME")
@click.option("--duration", help="Estimated duration, e.g. 15m, 1h30.")
@click.option("--force", help="Override refused rules, with this reason (recorded).")
@dry_run_option
@by_option
@config_option
def schedule_command(
    deployment_id: str,
    day: str,
    time_text: str,
    duration: str | None,
    force: str | None,
    dry_run: bool,
    by: str | None,
    config_path: Path | None,
) -> None:
    """Schedule (or reschedule) a deployment: DATE TIME like 2026-12-01 09:30."""
    _configure_logging()
    config = load(config_path)
    terminal = build_terminal(config)
    try:
        start = parse_datetime(day, time_text, config.provider.tz)
    except CommandError as exc:
        fail(str(exc))
    length = parse_duration_option(duration, timedelta(0)) if duration else None
    deployment = _deployment(terminal, deployment_id)
    order = ScheduleOrder(deployment.id, Origin("cli", _user(config, by)), start, length, force)
    _finish(terminal, carry_out(terminal, order, dry_run=dry_run))


@main.command("accept")
@click.argument("deployment_id")
@by_option
@config_option
def accept_command(deployment_id: str, by: str | None, config_path: Path | None) -> None:
    """Book the slot the customer chose through the booking link, as the tag deploy-accept
    does (for requests without a ticket)."""
    _configure_logging()
    config = load(config_path)
    terminal = build_terminal(config)
    deployment = _deployment(terminal, deployment_id)
    if deployment.chosen is None:
        fail(f"{deployment.id}: the customer has chosen no slot through the booking link")
    order = ScheduleOrder(deployment.id, Origin("cli", _user(config, by)), deployment.chosen.start)
    _finish(terminal, carry_out(terminal, order, dry_run=False))


@main.command("start")
@click.argument("deployment_id")
@click.option(
    "--force", help="Start outside the slot or with failing prerequisites, with this reason."
)
@dry_run_option
@by_option
@config_option
def start_command(
    deployment_id: str, force: str | None, dry_run: bool, by: str | None, config_path: Path | None
) -> None:
    """Start a scheduled deployment (start email, delay timer) and print its checklist."""
    _configure_logging()
    config = load(config_path)
    terminal = build_terminal(config)
    order = StartOrder(
        _deployment(terminal, deployment_id).id, Origin("cli", _user(config, by)), force
    )
    deployment = carry_out(terminal, order, dry_run=dry_run)
    if deployment.state is State.IN_PROGRESS:
        html = terminal.renderer.deployment_note("checklist", deployment, config, now=utc_now())
        click.echo(re.sub(r"\n\s*\n", "\n", note_text(html)).strip())
    _finish(terminal, deployment)


def _simple_event(
    deployment_id: str,
    config_path: Path | None,
    make: Callable[[Origin], Event],
    by: str | None = None,
    *,
    dry_run: bool = False,
) -> None:
    _configure_logging()
    config = load(config_path)
    terminal = build_terminal(config)
    order = Transition(
        _deployment(terminal, deployment_id).id, make(Origin("cli", _user(config, by)))
    )
    _finish(terminal, carry_out(terminal, order, dry_run=dry_run))


@main.command("delay")
@click.argument("deployment_id")
@click.argument("extension", required=False)
@by_option
@config_option
def delay_command(
    deployment_id: str, extension: str | None, by: str | None, config_path: Path | None
) -> None:
    """Send the delay email now; with EXTENSION (30m) also extend the estimate."""
    length = parse_duration_option(extension, timedelta(0)) if extension else None
    _simple_event(deployment_id, config_path, lambda o: DelayRequested(o, length), by)


@main.command("done")
@click.argument("deployment_id")
@click.option("--force", help="Close although step 3's checks fail, with this reason.")
@dry_run_option
@by_option
@config_option
def done_command(
    deployment_id: str, force: str | None, dry_run: bool, by: str | None, config_path: Path | None
) -> None:
    """Close a deployment: end email, comments, log row, calendar."""
    _configure_logging()
    config = load(config_path)
    terminal = build_terminal(config)
    order = DoneOrder(
        _deployment(terminal, deployment_id).id, Origin("cli", _user(config, by)), force
    )
    _finish(terminal, carry_out(terminal, order, dry_run=dry_run))


@main.command("verify-live")
@click.argument("deployment_id")
@by_option
@config_option
def verify_live_command(deployment_id: str, by: str | None, config_path: Path | None) -> None:
    """Run step 3's live checks and monitoring for a deployment now; exit 1 if any fails."""
    _configure_logging()
    config = load(config_path)
    terminal = build_terminal(config)
    deployment = _deployment(terminal, deployment_id)
    flight = terminal.orders.give(
        VerifyOrder(deployment.id, Origin("cli", _user(config, by)))
    ).flight
    if flight is None:
        fail(f"no deployment {deployment.id}", code=1)
    _finish(terminal, deployment)
    for outcome in flight.outcomes:
        why = outcome.problem.text("en") if outcome.problem else "failed"
        click.echo(f"  {'✓' if outcome.passed else '✗'} {outcome.name}: "
                   f"{'passed' if outcome.passed else why}")  # fmt: skip
    for alert in flight.firing or ():
        click.echo(f"  ! firing: {alert.name}")
    if flight.monitoring_problem is not None:
        click.echo(f"  ? monitoring: {flight.monitoring_problem.text('en')}")
    if not flight.outcomes and flight.firing is None and flight.monitoring_problem is None:
        click.echo(f"  {deployment.customer} has no checks configured (checks, monitoring)")
    failed = bool(flight.failed)
    sys.exit(1 if failed else 0)


@main.command("rollback")
@click.argument("deployment_id")
@click.argument("reason")
@dry_run_option
@by_option
@config_option
def rollback_command(
    deployment_id: str, reason: str, dry_run: bool, by: str | None, config_path: Path | None
) -> None:
    """Record a rollback, with its reason, and send the rollback notice."""
    _simple_event(deployment_id, config_path, lambda o: RollbackRequested(o, reason), by,
                  dry_run=dry_run)  # fmt: skip


@main.command("cancel")
@click.argument("deployment_id")
@click.argument("reason", required=False, default="")
@dry_run_option
@by_option
@config_option
def cancel_command(
    deployment_id: str, reason: str, dry_run: bool, by: str | None, config_path: Path | None
) -> None:
    """Cancel a deployment (calendar cancel, log row, notice if anyone was told)."""
    _simple_event(deployment_id, config_path, lambda o: CancelRequested(o, reason), by,
                  dry_run=dry_run)  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    main()
