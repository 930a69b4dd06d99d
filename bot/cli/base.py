"""What every ``deploybot`` command shares: the group, loading the configuration, parsing
dates and durations, failing with exit 2 and a clear line.

The group loads a command's module only when that command runs (``COMMANDS`` says where each
lives and what ``--help`` says of it), so ``deploybot --help`` builds no configuration model,
no renderer and no client. Light on purpose: the configuration is imported when first loaded.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from bot import __version__
from bot.domain.durations import DurationError, parse_duration
from bot.resources import example_config_path

if TYPE_CHECKING:
    from bot.config.models import Config, Customer
    from bot.domain.prerequisites.result import Report

EXIT_CONFIG = 2


log = logging.getLogger("deploybot")


def counted(count: int, one: str, other: str) -> str:
    """A count and its noun in the CLI's English, the plural as CLDR gives it: ``1 slot``,
    ``3 slots``, ``0 slots``."""
    from babel import Locale

    return f"{count} {one if Locale('en').plural_form(count) == 'one' else other}"


def utc_now() -> datetime:
    """The system clock, read by the shell only (tests move it with time-machine)."""
    return datetime.now(UTC)


def default_config_path(cwd: Path | None = None) -> Path:
    """``$DEPLOYBOT_CONFIG`` (an explicit setting beats an implicit one), else
    ``./deploybot.yaml``, else the shipped example."""
    from_env = os.environ.get("DEPLOYBOT_CONFIG")
    if from_env:
        return Path(from_env)
    local = (cwd or Path.cwd()) / "deploybot.yaml"
    if local.exists():
        return local
    return example_config_path()


def fail(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def load(config_path: Path | None, *, quiet: bool = False) -> Config:
    """Load the configuration or exit with code 2 and every problem on stderr. The shipped
    example keeps its state and files in the current folder, never beside itself (inside an
    installed package); when it is used for want of another, one line on stderr says so unless
    ``quiet`` (the demo and the previews, which are meant to run on it)."""
    from bot.config.loading import ConfigError, load_config

    path = config_path or default_config_path()
    named = config_path is not None or bool(os.environ.get("DEPLOYBOT_CONFIG"))
    if config_path is None and named and not path.exists():
        fail(
            f"$DEPLOYBOT_CONFIG names {path}, which does not exist; "
            "set it to the configuration file, or unset it"
        )
    example = example_config_path()
    folder = Path.cwd() if path.resolve() == example.resolve() else None
    if folder is not None and not named and not quiet:
        click.echo(
            "deploybot: no configuration given (--config, $DEPLOYBOT_CONFIG or ./deploybot.yaml): "
            f"using the shipped example {example}, its state and files in {folder}",
            err=True,
        )
    try:
        return load_config(path, folder=folder)
    except ConfigError as exc:
        fail(str(exc))


def find_customer(config: Config, name: str) -> Customer:
    """The named customer (case-insensitive) or exit 2 listing the known ones."""
    from bot.config.models import UnknownCustomerError

    try:
        return config.customer(name)
    except UnknownCustomerError as exc:
        fail(str(exc))


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date; write it as YYYY-MM-DD", param_hint=option
        ) from None


def parse_duration_option(value: str | None, default: timedelta) -> timedelta:
    if value is None:
        return default
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise click.BadParameter(str(exc), param_hint="--duration") from None


def config_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--config PATH`` option every command takes."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Configuration file (default: $DEPLOYBOT_CONFIG, ./deploybot.yaml, the example).",
    )(function)


#: Every command: the module of ``bot.cli`` that defines it, and its line in ``--help``
#: (``tests/test_cli.py`` keeps these equal to the commands' own docstrings).
COMMANDS: dict[str, tuple[str, str]] = {
    "accept": (
        "lifecycle",
        "Book the slot the customer chose through the booking link, as the tag deploy-accept "
        "does (for requests without a ticket).",
    ),
    "calendar": (
        "planning",
        "A month grid of allowed and refused days, with a legend naming holidays and vacations.",
    ),
    "cancel": (
        "lifecycle",
        "Cancel a deployment (calendar cancel, log row, notice if anyone was told).",
    ),
    "check-day": (
        "planning",
        "Whether DATE can hold a deployment for CUSTOMER: exit 0 if allowed, 1 if not.",
    ),
    "delay": (
        "lifecycle",
        "Send the delay email now; with EXTENSION (30m) also extend the estimate.",
    ),
    "demo": (
        "tools",
        "Play the whole procedure for DIBA on the emulators and leave every artifact in --out.",
    ),
    "doctor": ("setup", "Check everything deploybot needs, one line each: ✓, or ✗ with the fix."),
    "done": ("lifecycle", "Close a deployment: end email, comments, log row, calendar."),
    "emulate": (
        "tools",
        "Serve a Zammad, GitLab or Google (Drive, Sheets, Calendar) emulator on 127.0.0.1 "
        "until interrupted.",
    ),
    "gate": (
        "gate",
        "The change gate: exit 0 while a deployment of the project at that version is in "
        "progress for the environment; otherwise say why and which one is next (exit 1).",
    ),
    "log-template": (
        "tools",
        "Write the deployment-log template (styled header, filters, status list) to PATH.",
    ),
    "overview": (
        "planning",
        "Every customer's next allowed slots (partner-exclusive customers are named, not planned).",
    ),
    "plan": (
        "planning",
        "The next allowed slots of CUSTOMER and every day skipped on the way, with reasons.",
    ),
    "preview": (
        "tools",
        "Print an email rendered for a sample deployment of a customer (its next allowed slot).",
    ),
    "report": (
        "reports",
        "Per customer and overall, per month: deployments, median lead time (request → "
        "completion), share delayed and mean delay, change failure rate (rolled back / "
        "finished), estimate vs real duration, forced bookings, refused starts.",
    ),
    "request": (
        "lifecycle",
        "Open a deployment requested by email (no ticket); it follows the same lifecycle.",
    ),
    "rollback": ("lifecycle", "Record a rollback, with its reason, and send the rollback notice."),
    "run": (
        "lifecycle",
        "Run the daemon: poll Zammad and GitLab, fire timers, carry out effects, until stopped.",
    ),
    "schedule": (
        "lifecycle",
        "Schedule (or reschedule) a deployment: DATE TIME like 2026-12-01 09:30.",
    ),
    "serve": (
        "inspection",
        "Serve the change calendar, the deployment pages, the report and the calendar feed "
        "from the store, without the daemon: /calendar, /calendar.ics, /deployments/ID, "
        "/report; with booking links configured, the customers' booking pages too (/book/…).",
    ),
    "setup": (
        "setup",
        "Prepare Zammad (and GitLab) for deploybot; prints the plan unless --apply.",
    ),
    "show": (
        "inspection",
        "One deployment: its details, its history (audit trail) and its effects.",
    ),
    "start": (
        "lifecycle",
        "Start a scheduled deployment (start email, delay timer) and print its checklist.",
    ),
    "status": (
        "inspection",
        "Deployments and their states, the next timers and the outbox; with --all also the "
        "newest ended ones, and how many there are in each state.",
    ),
    "validate-config": (
        "planning",
        "Check the configuration; print OK and one line per customer, or every error (exit 2).",
    ),
    "verify-live": (
        "lifecycle",
        "Run step 3's live checks and monitoring for a deployment now; exit 1 if any fails.",
    ),
    "verify": (
        "inspection",
        "Check the prerequisites of deploying TICKETS to production: exit 0 when all pass.",
    ),
}


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at a word to fit ``limit`` characters, as click shortens help lines."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 0)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


class LazyGroup(click.Group):
    """A group whose commands are imported when one of them is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, without importing any."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported first (which registers it on the group)."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"bot.cli.{COMMANDS[cmd_name][0]}")
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from ``COMMANDS`` (nothing imported)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, _shortened(COMMANDS[name][1], limit))
                for name in names]  # fmt: skip
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="deploybot")
def main() -> None:
    """deploybot: production deployments by the procedure, driven from Zammad."""


_MARKS = {"passed": "✓", "failed": "✗", "warning": "⚠", "not_applicable": "–"}


def print_report(report: Report, language: str) -> None:
    """The prerequisite report as text: the summary, then one line per check with its links."""
    title = " ".join(part for part in (report.customer, report.environment) if part) or "?"
    click.echo(f"{title}: {report.summary(language)}")
    unknown = next((c for c in report.checks if c.code == "customer_known"), None)
    if unknown is not None and unknown.status == "failed":
        # Without a customer nothing else can be checked: say why once, not once per check.
        click.echo(f"  {_MARKS[unknown.status]} {unknown.message}")
        return
    for check in report.checks:
        click.echo(f"  {_MARKS[check.status]} {check.code:<24} {check.message}")
        for link in check.links:
            click.echo(f"      {link.label}: {link.url}")
        for line in check.lines:
            click.echo(f"      · {line}")
