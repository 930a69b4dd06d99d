"""Step 3 carried out, the shell: drives each running deployment's
:class:`~bot.domain.step3_jobs.Run` — reads GitLab for the job to play, records it in the run
and queues the play (one transaction, so a restarted daemon follows the job instead of playing
another), follows it, runs the step-3 checks, posts the progress and the hold note, and closes
the deployment (``auto_done``) through the same order as ``deploy-done``.

Every read goes through the :class:`~bot.app.outside.ports.JobsPort`; every write is an outbox
effect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from bot.app.outside.ports import JobsPort
from bot.app.store import Store
from bot.config.models import Config, Customer
from bot.domain import step3_jobs as jobs
from bot.domain.effects import OutboxEffect, PostNote
from bot.domain.events import Origin
from bot.domain.lifecycle import RUNNING
from bot.domain.model import Deployment, State
from bot.domain.step3 import Flight
from bot.domain.step3_jobs import Run, StepRun
from integrations.gitlab_jobs import Job

if TYPE_CHECKING:
    from bot.app.orders.orders import Orders
    from bot.domain.routing import JobsOrder

log = logging.getLogger("deploybot")

#: The most actions one deployment's run takes in one cycle (a play ends the turn anyway).
TURN = 8
FlightOf = Callable[[Customer, Deployment], Flight | None]
Close = Callable[[Deployment], object]


class JobsRunner:
    """Moves every running deployment's step 3 on, as far as GitLab lets it this cycle."""

    def __init__(
        self, config: Config, store: Store, port: JobsPort, *, clock: Callable[[], datetime],
        flight: FlightOf, close: Close,
    ) -> None:  # fmt: skip
        self.config = config
        self.store = store
        self.port = port
        self.clock = clock
        self.flight = flight
        self.close = close
        self.runs = store.runs
        self.language = config.provider.language

    def advance_all(self) -> int:
        """One turn for each running deployment whose customer has ``step3``; how many moved."""
        moved = 0
        running = self.store.deployments.list(states=list(RUNNING))
        ended = [self.store.deployments.get(d) for d in self.runs.unfinished()]
        known = {d.id for d in running}
        for deployment in [*running, *(d for d in ended if d and d.id not in known)]:
            customer = self.config.customer(deployment.customer)
            if customer.step3 is None:
                continue
            run = self.runs.load(deployment.id)
            if deployment.state not in RUNNING:
                if run is None or run.phase == "finished":
                    continue
                run = self._leaving(run, deployment, customer)
            moved += self.advance(deployment, customer, run)
        return moved

    def _leaving(self, run: Run, deployment: Deployment, customer: Customer) -> Run:
        """The deployment ended while its run had not: a rollback plays the previous
        release's jobs, any other end leaves with maintenance off (each once)."""
        if run.mode != "forward":
            return run
        before = len(run.lines)
        if deployment.state is State.ROLLED_BACK:
            back = jobs.plan(customer, deployment.components, deployment.environment,
                             deployment.id, rollback=True)  # fmt: skip
            run = jobs.rollback(run, back, deployment.state.value, self.language)
        else:
            run = jobs.way_out(run, self.language)
        self._save(run, before)
        return run

    def advance(self, deployment: Deployment, customer: Customer, run: Run | None = None) -> int:
        """Start the run if new, then resolve, follow, check and finish as far as it goes."""
        run = run or self.runs.load(deployment.id) or self._begin(deployment, customer)
        before = len(run.lines)
        for _ in range(TURN):
            action, index = jobs.next_step(run)
            if action == "wait":
                break
            if action == "done":
                run = self._finish(run, deployment)
                break
            if action == "checks":
                run = self._checks(run, deployment, customer)
                continue
            assert index is not None
            if action == "resolve":
                run = self._resolve(run, index, before)
                before = len(run.lines)
                break  # the play is queued: follow it next cycle
            run, moved = self._follow(run, index)
            if not moved:
                break
        self._save(run, before)
        return 1

    def _begin(self, deployment: Deployment, customer: Customer) -> Run:
        targets = jobs.plan(customer, deployment.components, deployment.environment,
                            deployment.id)  # fmt: skip
        auto = bool(customer.step3 and customer.step3.auto_done)
        return jobs.start(deployment.id, targets, auto_done=auto)

    def _resolve(self, run: Run, index: int, before: int) -> Run:
        """Find the job of step ``index``, record it and queue its play with the progress."""
        step, now = run.steps[index], self.clock()
        target = step.target
        found: Job | None = None
        if not target.trigger and (step.attempt == 0 or step.job_id is None):
            found = self.port.find(target.project, target.ref, target.job)
            if found is None:
                held = _missing(run, index, now, self.language)
                self.runs.save(held, self._note(held, before), now)
                return held
        job_id = found.id if found else None
        pipeline = found.pipeline_id if found else step.pipeline_id
        url = found.web_url if found else step.web_url
        rerun = found is not None and found.status in ("success", "failed", "canceled")
        run, play = jobs.recorded(run, index, job_id, pipeline, url, now, self.language,
                                  rerun=rerun)  # fmt: skip
        self.runs.save(run, [play, *self._note(run, before)], now)
        return run

    def _follow(self, run: Run, index: int) -> tuple[Run, bool]:
        """Read step ``index``'s job; whether it moved past (or held)."""
        step, now = run.steps[index], self.clock()
        target = step.target
        trace = ""
        if target.trigger:
            key = f"{run.deployment}/step3-{run.mode}-{index}-{step.attempt}/0"
            seen = self.port.triggered(target.project, target.ref, key)
            if seen is None:
                return jobs.observed(run, index, "played", now, self.language), False
            pipeline_id, status, url = seen
            state, job_id = _state(status), None
            run = _with_pipeline(run, index, pipeline_id)
        else:
            job = self._job(step)
            if job is None:  # not played yet: only its timeout can move it
                held = jobs.observed(run, index, "played", now, self.language)
                return held, held.phase == "held"
            state, job_id, url = _state(job.status), job.id, job.web_url
            if state in ("failed", "canceled"):
                trace = self.port.trace(target.project, job.id)
        followed = jobs.observed(run, index, state, now, self.language, job_id=job_id,
                                 web_url=url, trace=trace)  # fmt: skip
        if followed.phase == "held" and followed.held == "timed_out" and job_id:
            followed = replace(
                followed, tail=jobs.trace_tail(self.port.trace(target.project, job_id))
            )
        return followed, followed.steps[index].state in ("success", *jobs.FINISHED_BAD)

    def _job(self, step: StepRun) -> Job | None:
        """The job step ``step`` follows: a retry's newest run once GitLab made it (None
        while the newest is still the job retried: the play has not happened yet)."""
        target = step.target
        if step.retry_of is not None and step.pipeline_id is not None:
            newest = self.port.newest(target.project, step.pipeline_id, target.job)
            return None if newest is None or newest.id == step.retry_of else newest
        return self.port.job(target.project, step.job_id) if step.job_id else None

    def _checks(self, run: Run, deployment: Deployment, customer: Customer) -> Run:
        flight = self.flight(customer, deployment)
        if flight is None:  # the customer has no checks: nothing to say
            return replace(run, checks_passed=True)
        from bot.domain.step3 import flight_lines

        lines = flight_lines(flight, deployment.firing_at_start, self.language)
        return jobs.checked(run, not flight.holds(deployment.firing_at_start), lines, self.language)

    def _finish(self, run: Run, deployment: Deployment) -> Run:
        if run.phase == "finished":
            return run
        run = jobs.finished(run, self.language)
        if run.auto_done and run.mode == "forward":
            self._save(run, len(run.lines) - 1)
            self.close(deployment)
        return run

    def _save(self, run: Run, before: int) -> None:
        self.runs.save(run, self._note(run, before), self.clock())

    def _note(self, run: Run, before: int) -> list[OutboxEffect]:
        return progress_notes(run, before, self._ticket(run.deployment), self.language)

    def _ticket(self, deployment_id: str) -> int | None:
        deployment = self.store.deployments.get(deployment_id)
        return deployment.first_ticket_id if deployment else None


def choose_on(config: Config, store: Store, order: JobsOrder, now: datetime) -> bool:
    """``/deploy retry`` or ``/deploy continue force:`` on the deployment's held run; whether
    it was held (the next turn carries the choice out)."""
    runs = store.runs
    run = runs.load(order.deployment_id)
    if run is None or run.phase != "held":
        return False
    language, before = config.provider.language, len(run.lines)
    if order.choice == "retry":
        run = jobs.retry(run, language)
    else:
        run = jobs.force(run, order.reason, language)
    deployment = store.deployments.get(order.deployment_id)
    ticket = deployment.first_ticket_id if deployment else None
    runs.save(run, progress_notes(run, before, ticket, language), now)
    return True


def jobs_runner(
    config: Config, store: Store, port: JobsPort, orders: Orders, clock: Callable[[], datetime]
) -> JobsRunner:
    """The runner of a service: its checks are the orders' live checks, and it closes a
    deployment with the same order as ``deploy-done``."""

    def flight(customer: Customer, deployment: Deployment) -> Flight | None:
        if not customer.checks and customer.monitoring.alertmanager is None:
            return None
        return orders.live.flight(customer, deployment, "after")

    def close(deployment: Deployment) -> object:
        current = store.deployments.get(deployment.id) or deployment
        return orders.done(current, Origin("gitlab", "deploybot"))

    return JobsRunner(config, store, port, clock=clock, flight=flight, close=close)


def progress_notes(run: Run, before: int, ticket: int | None, language: str) -> list[OutboxEffect]:
    """The progress lines added since ``before`` (and the hold note, when it held), as
    internal notes on the request's first ticket."""
    new = run.lines[before:]
    if ticket is None or not new:
        return []
    html = "<br>".join(escape(line) for line in new)
    notes: list[OutboxEffect] = [
        PostNote(f"{run.deployment}/step3-progress-{len(run.lines)}/0", ticket, html)
    ]
    if run.phase == "held":
        body = "<br>".join(escape(line) for line in jobs.hold_lines(run, language))
        notes.append(PostNote(f"{run.deployment}/step3-hold-{len(run.lines)}/0", ticket, body))
    return notes


def _state(status: str) -> jobs.JobState:
    if status in ("success", "failed", "canceled", "running"):
        return status  # type: ignore[return-value]
    return "played"


def _with_pipeline(run: Run, index: int, pipeline_id: int) -> Run:
    step = replace(run.steps[index], pipeline_id=pipeline_id)
    return replace(run, steps=(*run.steps[:index], step, *run.steps[index + 1 :]))


def _missing(run: Run, index: int, now: datetime, language: str) -> Run:
    """No such job in the newest pipeline of the ref: held as failed, saying so."""
    target = run.steps[index].target
    held = jobs.observed(run, index, "failed", now, language)
    return replace(held, tail=(f"no job '{target.job}' in the newest pipeline of "
                               f"{target.project} {target.ref}",))  # fmt: skip
