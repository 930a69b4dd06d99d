"""Step 3 of the procedure, checked: what the live checks and the monitoring said, and what it
means before a start (a down system is said first), at ``done`` (every check passes and no alert
started firing during the window) and on demand.

Pure: the shell runs the checks (``bot.app.outside.live_checks``) and hands in a
:class:`Flight`; the words
are the catalogue's, the team's in detail, the customer's only as what was verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.config.models import Customer
from bot.config.step3 import VERSION_PLACEHOLDER, LiveCheck
from bot.domain.model import ComponentVersion
from bot.domain.problems import Problem
from bot.domain.texts import say
from bot.domain.texts.calendar import list_words, locale_of

Phase = Literal["before", "after", "asked"]

#: How many alerts a note names; the rest are counted ("and 99,990 more").
ALERTS_SHOWN = 10


@dataclass(frozen=True)
class LiveOutcome:
    """One check's answer: passed, or why not (``problem``, put into words for its reader).
    ``version``: the version the check confirmed running, when it looks for one."""

    name: str
    passed: bool
    problem: Problem | None = None
    version: str = ""


@dataclass(frozen=True)
class Firing:
    """An alert firing for the customer: its fingerprint and what it is called."""

    fingerprint: str
    name: str


@dataclass(frozen=True)
class Flight:
    """What the checks and the monitoring said at one moment. ``firing`` is None when the
    customer has no monitoring; ``monitoring_problem`` says why it could not be read."""

    phase: Phase
    outcomes: tuple[LiveOutcome, ...] = ()
    firing: tuple[Firing, ...] | None = None
    monitoring_problem: Problem | None = None

    @property
    def failed(self) -> tuple[LiveOutcome, ...]:
        """The checks that did not pass."""
        return tuple(outcome for outcome in self.outcomes if not outcome.passed)

    def new_alerts(self, at_start: Sequence[str]) -> tuple[Firing, ...]:
        """The alerts firing now that were not firing when the deployment started."""
        known = set(at_start)
        return tuple(alert for alert in self.firing or () if alert.fingerprint not in known)

    def holds(self, at_start: Sequence[str]) -> bool:
        """Whether this flight holds ``done``: a check fails, or an alert started firing.
        Monitoring that cannot be read is said, not held on (it must never wedge a close)."""
        return bool(self.failed or self.new_alerts(at_start))


def checks_for(customer: Customer, environment: str) -> tuple[LiveCheck, ...]:
    """The customer's checks that apply to deployments to ``environment``."""
    return tuple(check for check in customer.checks if check.applies_to(environment))


def expected_text(check: LiveCheck, components: Sequence[ComponentVersion]) -> tuple[str, str]:
    """What the check's answer must contain, with ``{version:NAME}`` replaced by the version
    being deployed, and that version ("" when the check names none)."""
    versions = {component.name: component.version for component in components}
    found = ""

    def version_of(match: object) -> str:
        nonlocal found
        name = match["component"]  # type: ignore[index]
        found = versions.get(name, "")
        return found or str(match.group(0))  # type: ignore[attr-defined]

    text = VERSION_PLACEHOLDER.sub(version_of, check.expect_contains or "")
    return text, found


def failed_lines(flight: Flight, language: str) -> list[str]:
    """The team's lines for the checks that failed, each with its reason."""
    return [
        say(language, "step3_check_failed", name=outcome.name,
            why=outcome.problem.text(language) if outcome.problem else "")
        for outcome in flight.failed
    ]  # fmt: skip


def alert_lines(key: str, alerts: Sequence[Firing], language: str) -> list[str]:
    """One line ``key`` per alert up to :data:`ALERTS_SHOWN`, then "and 99,990 more" (the
    audit keeps the list)."""
    lines = [say(language, key, name=alert.name) for alert in alerts[:ALERTS_SHOWN]]
    if len(alerts) > ALERTS_SHOWN:
        from babel.numbers import format_decimal  # CLDR is loaded when a count is first said

        count = format_decimal(len(alerts) - ALERTS_SHOWN, locale=locale_of(language))
        lines.append(say(language, "step3_alerts_more", count=count))
    return lines


def flight_lines(flight: Flight, at_start: Sequence[str], language: str) -> list[str]:
    """The team's lines: one per failed check, per alert that started firing (the first
    :data:`ALERTS_SHOWN`), and the monitoring that could not be read."""
    lines = failed_lines(flight, language)
    lines += alert_lines("step3_alert_new", flight.new_alerts(at_start), language)
    if flight.monitoring_problem is not None:
        problem = flight.monitoring_problem.text(language)
        lines.append(say(language, "step3_monitoring_unread", why=problem))
    return lines


def passed_lines(flight: Flight, language: str) -> list[str]:
    """The team's lines for what passed."""
    return [
        say(language, "step3_check_passed_version" if o.version else "step3_check_passed",
            name=o.name, version=o.version)
        for o in flight.outcomes
        if o.passed
    ]  # fmt: skip


def verified(flight: Flight) -> tuple[tuple[str, str], ...]:
    """What the customer may be told was verified: each passed check and the version it saw."""
    return tuple((o.name, o.version) for o in flight.outcomes if o.passed)


def verified_sentence(checks: Sequence[Sequence[str]], language: str) -> str:
    """``Hemos comprobado que la consola responde y ejecuta la versión 3.2.11, que la API
    responde y que …``: the customer's sentence of what was verified, a CLDR list ("" when
    nothing was)."""
    if not checks:
        return ""
    parts = [
        say(language, "step3_verified_version" if version else "step3_verified_up",
            name=name, version=version)
        for name, version in checks
    ]  # fmt: skip
    clauses = parts[:1] + [say(language, "step3_that", what=part) for part in parts[1:]]
    return say(language, "step3_verified", what=list_words(language, clauses))
