"""Step 3 in the lifecycle: a start refused while a system is down, a close held while a check
fails or an alert started firing during the window, and the checks asked for on demand."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.events import DoneRequested, StartRequested, VerifyRequested
from bot.domain.lifecycle.builder import Builder, say_op, status_tag
from bot.domain.model import Deployment
from bot.domain.problems import Problem
from bot.domain.rendering import note_language
from bot.domain.step3 import alert_lines, failed_lines, flight_lines, passed_lines, verified


def preflight_problems(b: Builder, event: StartRequested) -> list[str]:
    """The live checks that fail before the start, each a line of the refusal (alerts already
    firing do not refuse it: they are the state the deployment starts from)."""
    if event.preflight is None:
        return []
    return failed_lines(event.preflight, note_language(b.config))


def preflight_lines(b: Builder, event: StartRequested) -> list[str]:
    """What the checks said just before the start, for the checklist note."""
    if event.preflight is None:
        return []
    language, flight = note_language(b.config), event.preflight
    firing = alert_lines("step3_alert_firing", flight.firing or (), language)
    known = tuple(alert.fingerprint for alert in flight.firing or ())
    return [*passed_lines(flight, language), *flight_lines(flight, known, language), *firing]


def remember_start(event: StartRequested, d: Deployment) -> Deployment:
    """What step 3 keeps at the start: the alerts already firing (they do not hold the end)."""
    flight = event.preflight
    if flight is None or flight.firing is None:
        return d
    return replace(d, firing_at_start=tuple(alert.fingerprint for alert in flight.firing))


def held(b: Builder, event: DoneRequested) -> bool:
    """Hold ``done`` when the post-flight fails and nobody forced it: the engineer gets each
    failure and the choices, the deployment stays under way. True when held."""
    d, flight = b.deployment, event.postflight
    if flight is None or not flight.holds(d.firing_at_start) or event.force:
        return False
    language = note_language(b.config)
    b.deployment = replace(d, done_held=True)
    lines = flight_lines(flight, d.firing_at_start, language)
    b.status("done_held", details=lines, message=say_op(b, "step3_done_choices"))
    b.tags(status_tag(b.config, d.state), consumed=[b.config.zammad.tags.done])
    return True


def closing(b: Builder, event: DoneRequested, d: Deployment) -> Deployment:
    """The deployment as it closes: what was verified, and a forced close's reason."""
    flight = event.postflight
    if flight is None:
        return d
    d = replace(d, verified=verified(flight), done_held=False)
    if event.force and flight.holds(d.firing_at_start):
        language = note_language(b.config)
        problems = "; ".join(flight_lines(flight, d.firing_at_start, language))
        d = replace(d, notes=(*d.notes, Problem.of("note_done_forced", problems=problems,
                                                    reason=event.force)))  # fmt: skip
    return d


def unread_lines(b: Builder, event: DoneRequested) -> list[str]:
    """The completion note's line when the monitoring could not be read (it held nothing; a
    forced close that held says it with the rest)."""
    flight = event.postflight
    if flight is None or flight.monitoring_problem is None:
        return []
    if event.force and flight.holds(b.deployment.firing_at_start):
        return []
    problem = flight.monitoring_problem.text(note_language(b.config))
    return [say_op(b, "step3_monitoring_unread", why=problem)]


def on_verify(b: Builder, event: VerifyRequested) -> None:
    """The checks' answers now, in a note; nothing changes."""
    language = note_language(b.config)
    flight = event.flight
    lines = [*passed_lines(flight, language),
             *flight_lines(flight, b.deployment.firing_at_start, language)]  # fmt: skip
    b.status("verified", details=lines or [say_op(b, "step3_nothing")])
