"""What every ``deploybot`` command shares: the group, loading the configuration, parsing
dates and durations, failing with exit 2 and a clear line."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click

from bot import __version__
from bot.config.loading import ConfigError, load_config
from bot.config.models import Config, Customer, UnknownCustomerError
from bot.domain.durations import DurationError, parse_duration
from bot.domain.prerequisites.result import Report
from bot.resources import example_config_path

EXIT_CONFIG = 2


log = logging.getLogger("deploybot")


def utc_now() -> datetime:
    """The system clock, read by the shell only (tests move it with time-machine)."""
    return datetime.now(UTC)


def default_config_path(cwd: Path | None = None) -> Path:
    """``./deploybot.yaml``, else ``$DEPLOYBOT_CONFIG``, else the shipped example."""
    local = (cwd or Path.cwd()) / "deploybot.yaml"
    if local.exists():
        return local
    from_env = os.environ.get("DEPLOYBOT_CONFIG")
    if from_env:
        return Path(from_env)
    return example_config_path()


def fail(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def load(config_path: Path | None) -> Config:
    """Load the configuration or exit with code 2 and every problem on stderr."""
    path = config_path or default_config_path()
    try:
        return load_config(path)
    except ConfigError as exc:
        fail(str(exc))


def find_customer(config: Config, name: str) -> Customer:
    """The named customer (case-insensitive) or exit 2 listing the known ones."""
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
        help="Configuration file (default: ./deploybot.yaml, $DEPLOYBOT_CONFIG, the example).",
    )(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
