"""Step 3 carried out: the plan of a deployment's GitLab jobs and the state machine that runs it.

maintenance on → each deploy job played (or pipeline triggered) and followed to its end →
restart → the step-3 checks → maintenance off → done (``auto_done``) or a note asking the
engineer to confirm. A job that fails, is cancelled or runs past its timeout holds the run with
its trace's tail and three ways on: ``retry`` (the job again), ``rollback`` (the previous
release's deploy jobs in reverse, then restart and checks) and ``force`` (on, as if it had
passed). Maintenance off is never skipped on the way out.

Pure: the shell reads GitLab and hands in what it saw (:func:`recorded`, :func:`observed`,
:func:`checked`); every play is a :class:`PlayJob` effect whose key is the step and attempt, and
the job it plays is recorded in the run before the effect is carried out, so a restarted daemon
follows that job instead of playing another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from bot.config.models import Customer
from bot.config.step3_jobs import PLACEHOLDER, JobStep, Step3Jobs
from bot.domain.effects import PlayJob
from bot.domain.model import ComponentVersion
from bot.domain.texts import say

StepKind = Literal["maintenance_on", "deploy", "restart", "maintenance_off"]
JobState = Literal["waiting", "played", "running", "success", "failed", "canceled", "timed_out"]
Phase = Literal["running", "checks", "held", "finished"]
FINISHED_BAD = ("failed", "canceled", "timed_out")
#: How many lines of a failed job's trace the hold note quotes.
TRACE_LINES = 20


@dataclass(frozen=True)
class Target:
    """One job to play, or pipeline to trigger (``trigger``: its token's variable name)."""

    kind: StepKind
    project: str
    ref: str
    job: str = ""
    component: str = ""
    version: str = ""
    variables: tuple[tuple[str, str], ...] = ()
    trigger: str = ""
    timeout: timedelta = timedelta(minutes=30)

    @property
    def label(self) -> str:
        """How the team's lines name it: the job, or the triggered project."""
        return self.job or f"{self.project}@{self.ref}"


@dataclass(frozen=True)
class StepRun:
    """A target's progress: the job (and pipeline) it plays, recorded before the play."""

    target: Target
    state: JobState = "waiting"
    attempt: int = 0
    job_id: int | None = None
    pipeline_id: int | None = None
    web_url: str = ""
    played_at: datetime | None = None
    #: The job this play retries (a retry, or a job that already ran in an earlier deployment):
    #: its newest run is followed, and it is not ours while it is still this one.
    retry_of: int | None = None


@dataclass(frozen=True)
class Run:
    """A deployment's step 3 in progress. ``mode``: forward, or rolling back; ``held``: why
    it waits for the engineer (a step's state, or ``checks``); ``lines``: the progress note."""

    deployment: str
    steps: tuple[StepRun, ...]
    phase: Phase = "running"
    mode: Literal["forward", "rollback", "leaving"] = "forward"
    held: str = ""
    checks_passed: bool = False
    auto_done: bool = False
    lines: tuple[str, ...] = ()
    #: The held job's last trace lines, for the hold note.
    tail: tuple[str, ...] = ()

    @property
    def current(self) -> int | None:
        """The index of the first step not yet passed, or None when all passed."""
        return next((i for i, s in enumerate(self.steps) if s.state != "success"), None)


# -- the plan ---------------------------------------------------------------------------------


def values_for(
    components: Sequence[ComponentVersion], environment: str, deployment: str,
    component: str = "", *, previous: bool = False,
) -> dict[str, str]:  # fmt: skip
    """What the placeholders stand for (``previous``: the versions to go back to)."""
    versions = {
        c.name: (c.rollback_version or c.version) if previous else c.version for c in components
    }
    values = {"environment": environment, "deployment": deployment}
    values["version"] = versions.get(component, "")
    values.update({f"version:{name}": version for name, version in versions.items()})
    return values


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders replaced (an unknown one is left as written)."""

    def one(match: object) -> str:
        name = match["name"] + (f":{match['component']}" if match["component"] else "")  # type: ignore[index]
        return values.get(name, str(match.group(0)))  # type: ignore[attr-defined]

    return PLACEHOLDER.sub(one, text)


def plan(
    customer: Customer, components: Sequence[ComponentVersion], environment: str,
    deployment: str, *, rollback: bool = False,
) -> tuple[Target, ...]:  # fmt: skip
    """The targets of a deployment's step 3, in order. ``rollback``: the previous release's
    deploy jobs in reverse, then restart and maintenance off (maintenance is already on)."""
    config = customer.step3
    if config is None:
        return ()
    chosen = [c for c in _ordered(config, components) if c.rollback_version or not rollback]
    targets = [_deploy_target(customer, config, c, components, environment, deployment,
                              previous=rollback) for c in chosen]  # fmt: skip
    if rollback:
        targets.reverse()
    values = values_for(components, environment, deployment)
    before, after = [], []
    if config.maintenance is not None:
        before = [_job_target("maintenance_on", config.maintenance.on, config, values)]
        after = [_job_target("maintenance_off", config.maintenance.off, config, values)]
    middle = [_job_target("restart", config.restart, config, values)] if config.restart else []
    return tuple((before if not rollback else []) + targets + middle + after)


def _ordered(config: Step3Jobs, components: Sequence[ComponentVersion]) -> list[ComponentVersion]:
    by_name = {c.name: c for c in components}
    if not config.deploy:
        return list(components)
    return [by_name[step.component] for step in config.deploy if step.component in by_name]


def _deploy_target(
    customer: Customer, config: Step3Jobs, component: ComponentVersion,
    components: Sequence[ComponentVersion], environment: str, deployment: str, *,
    previous: bool,
) -> Target:  # fmt: skip
    step = next((s for s in config.deploy if s.component == component.name), None)
    values = values_for(components, environment, deployment, component.name, previous=previous)
    version = values["version"]
    timeout = (step.timeout if step else None) or config.timeout
    if step is not None and step.trigger is not None:
        trigger = step.trigger
        return Target(
            "deploy", trigger.project, fill(trigger.ref, values), component=component.name,
            version=version, variables=_filled(trigger.variables, values),
            trigger=trigger.token_env, timeout=trigger.timeout or timeout,
        )  # fmt: skip
    project = (step.project if step else None) or customer.components[component.name].gitlab_project
    return Target(
        "deploy", project, version, (step.job if step else None) or config.default_job,
        component.name, version, _filled(step.variables if step else {}, values), "", timeout,
    )  # fmt: skip


def _job_target(kind: StepKind, step: JobStep, config: Step3Jobs, values: dict[str, str]) -> Target:
    return Target(
        kind, step.project or "", step.ref or "", step.job,
        variables=_filled(step.variables, values), timeout=step.timeout or config.timeout,
    )  # fmt: skip


def _filled(variables: dict[str, str], values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((key, fill(text, values)) for key, text in variables.items())


def start(deployment: str, targets: Sequence[Target], *, auto_done: bool = False) -> Run:
    """A new run of ``targets``."""
    return Run(deployment, tuple(StepRun(t) for t in targets), auto_done=auto_done)


# -- what to do next --------------------------------------------------------------------------

Next = Literal["resolve", "follow", "checks", "done", "wait"]


def next_step(run: Run) -> tuple[Next, int | None]:
    """What the shell does now: ``resolve`` the job of step N (find its id, then
    :func:`recorded`), ``follow`` step N (read its job, then :func:`observed`), run the
    ``checks`` (then :func:`checked`), close (``done``) or ``wait`` for the engineer."""
    if run.phase == "held":
        return "wait", None
    if run.phase == "finished":
        return "done", None
    index = run.current
    if index is None:
        return "done", None
    step = run.steps[index]
    if _checks_due(run, index):
        return "checks", None
    return ("resolve" if step.state == "waiting" else "follow"), index


def _checks_due(run: Run, index: int) -> bool:
    return (
        run.steps[index].target.kind == "maintenance_off"
        and run.steps[index].state == "waiting"
        and not run.checks_passed
        and run.phase != "checks"
    )


def recorded(
    run: Run, index: int, job_id: int | None, pipeline_id: int | None, web_url: str,
    now: datetime, language: str, *, rerun: bool = False,
) -> tuple[Run, PlayJob]:  # fmt: skip
    """The job of step ``index`` is known (a trigger's is not, yet): it is recorded in the run
    and the play is an effect with the step's key — committed together, before the play.
    ``rerun``: the job found already ran (an earlier deployment's): GitLab retries it."""
    step = run.steps[index]
    retried = step.job_id if step.attempt > 0 else None
    retry_of = retried if retried is not None else (job_id if rerun else None)
    target = step.target
    key = f"{run.deployment}/step3-{run.mode}-{index}-{step.attempt}/0"
    effect = PlayJob(key, target.project, job_id, pipeline_id, target.job, retry_of,
                     target.variables, target.ref, target.trigger)  # fmt: skip
    played = replace(step, state="played", job_id=None if retry_of else job_id,
                     pipeline_id=pipeline_id, web_url=web_url, played_at=now,
                     retry_of=retry_of)  # fmt: skip
    line = say(language, "jobs_played", job=target.label, what=_what(target, language),
               url=web_url or target.project)  # fmt: skip
    return _with(run, index, played, line), effect


def observed(
    run: Run, index: int, state: JobState, now: datetime, language: str, *,
    job_id: int | None = None, web_url: str = "", trace: str = "",
) -> Run:  # fmt: skip
    """What GitLab says of step ``index``'s job now: running on, passed (the next step), or
    failed, cancelled or past its timeout (the run holds, quoting the trace's tail)."""
    step = run.steps[index]
    started = step.played_at or now
    if state not in ("success", "failed", "canceled") and now - started > step.target.timeout:
        state = "timed_out"
    seen = replace(step, state=state, job_id=job_id or step.job_id, web_url=web_url or step.web_url)
    label, what = step.target.label, _what(step.target, language)
    if state == "success":
        minutes = max(1, round((now - started).total_seconds() / 60))
        line = say(language, "jobs_passed", job=label, what=what, minutes=minutes)
        return _with(run, index, seen, line)
    if state in FINISHED_BAD:
        line = say(language, f"jobs_{state}", job=label, what=what, url=seen.web_url)
        held = _with(run, index, seen, line)
        return replace(held, phase="held", held=state, tail=trace_tail(trace))
    return _with(run, index, seen, "")


def checked(run: Run, passed: bool, lines: Sequence[str], language: str) -> Run:
    """The step-3 checks after the jobs: passed (maintenance off is next), or held."""
    key = "jobs_checks_passed" if passed else "jobs_checks_failed"
    run = replace(run, lines=(*run.lines, say(language, key), *lines), checks_passed=passed)
    return run if passed else replace(run, phase="held", held="checks")


def finished(run: Run, language: str) -> Run:
    """Every step passed: done by itself (``auto_done``) or a note asking to confirm."""
    key = "jobs_done_auto" if run.auto_done and run.mode == "forward" else "jobs_done_confirm"
    if run.mode != "forward":
        key = "jobs_rolled_back" if run.mode == "rollback" else "jobs_left"
    return replace(run, phase="finished", lines=(*run.lines, say(language, key)))


def hold_lines(run: Run, language: str) -> list[str]:
    """The hold note: which job stopped and why, its trace's tail and the three choices."""
    if run.phase != "held":
        return []
    if run.held == "checks":
        lines = [say(language, "jobs_held_checks")]
    else:
        step = run.steps[run.current or 0]
        lines = [say(language, f"jobs_held_{run.held}", job=step.target.label,
                     what=_what(step.target, language), url=step.web_url,
                     minutes=round(step.target.timeout.total_seconds() / 60))]  # fmt: skip
        if run.tail:
            lines += [say(language, "jobs_trace_tail", count=len(run.tail)), *run.tail]
    return [*lines, say(language, "jobs_choices")]


# -- the engineer's choices on a held run -----------------------------------------------------


def retry(run: Run, language: str) -> Run:
    """``/deploy retry``: the held job again (or the checks, when they held it)."""
    if run.phase != "held":
        return run
    if run.held == "checks":
        line = say(language, "jobs_retry_checks")
        return replace(run, phase="running", held="", lines=(*run.lines, line))
    index = run.current
    assert index is not None
    step = run.steps[index]
    again = replace(step, state="waiting", attempt=step.attempt + 1)
    line = say(language, "jobs_retry", job=step.target.label)
    return replace(_with(run, index, again, line), phase="running", held="", tail=())


def rollback(run: Run, targets: Sequence[Target], reason: str, language: str) -> Run:
    """``/deploy rollback <reason>``: the previous release's jobs (``targets``, from
    :func:`plan` with ``rollback``), then restart, checks and maintenance off."""
    line = say(language, "jobs_rollback", reason=reason)
    return Run(run.deployment, tuple(StepRun(t) for t in targets), mode="rollback",
               auto_done=False, lines=(*run.lines, line))  # fmt: skip


def force(run: Run, reason: str, language: str) -> Run:
    """``/deploy continue force: <reason>``: the held step (or checks) counts as passed;
    the run goes on — maintenance off still runs."""
    if run.phase != "held":
        return run
    line = say(language, "jobs_forced", reason=reason)
    if run.held == "checks":
        return replace(run, phase="running", held="", checks_passed=True, lines=(*run.lines, line))
    index = run.current
    assert index is not None
    passed = replace(run.steps[index], state="success")
    return replace(_with(run, index, passed, line), phase="running", held="", tail=())


def way_out(run: Run, language: str) -> Run:
    """A cancel: every step still waiting is dropped but maintenance off (if any)."""
    steps = tuple(
        s for i, s in enumerate(run.steps)
        if s.state == "success" or s.target.kind == "maintenance_off"
        or (i == run.current and s.state in ("played", "running"))
    )  # fmt: skip
    line = say(language, "jobs_way_out")
    return replace(run, steps=steps, phase="running", held="", checks_passed=True,
                   mode="leaving", tail=(), lines=(*run.lines, line))  # fmt: skip


def trace_tail(trace: str, lines: int = TRACE_LINES) -> tuple[str, ...]:
    """The last ``lines`` lines of a job's trace, without ANSI colours or control characters."""
    clean = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", trace)
    clean = re.sub(r"section_(start|end):\d+:\S+\r?", "", clean)
    rows = [re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", row) for row in clean.splitlines()]
    return tuple(row for row in rows if row.strip())[-lines:]


def _what(target: Target, language: str) -> str:
    if target.kind == "deploy":
        return say(language, "jobs_what_deploy", component=target.component, version=target.version)
    return say(language, f"jobs_what_{target.kind}")


def _with(run: Run, index: int, step: StepRun, line: str) -> Run:
    steps = (*run.steps[:index], step, *run.steps[index + 1 :])
    return replace(run, steps=steps, lines=(*run.lines, line) if line else run.lines)
