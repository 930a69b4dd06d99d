"""Running step 3's checks: every live check of the customer for the deployment's environment
in parallel, each try within its own timeout (a deadline for the whole answer) and a bounded
number of tries, and the monitoring's firing alerts at the same time — as one
:class:`~bot.domain.step3.Flight` for the domain to judge. The caller runs it with the decision
lock given up (``Orders``).

A check that cannot even be made (a missing secret, DNS, TLS) is a failed check with its reason
in plain words; nothing here raises, so a down system never holds up another deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.app.outside.ports import LiveSystemsPort, ProbePort
from bot.config.models import Customer
from bot.config.step3 import LiveCheck
from bot.domain.model import Deployment
from bot.domain.problems import Problem
from bot.domain.step3 import Firing, Flight, LiveOutcome, Phase, checks_for, expected_text
from integrations.alertmanager import AlertmanagerError, AlertmanagerUnreadableError
from integrations.probes import ProbeAnswer
from integrations.secrets import MissingSecretError, read_secret

#: How many times a failing check is tried before it counts as failed.
TRIES = 2


@dataclass
class LiveChecks:
    """Runs a customer's checks through the probes and Alertmanager readers ``systems`` makes;
    ``environ`` is where ``_env`` secrets are read."""

    systems: LiveSystemsPort
    environ: Mapping[str, str] | None = None
    tries: int = TRIES

    def flight(self, customer: Customer, deployment: Deployment, phase: Phase) -> Flight:
        """What the checks and the monitoring say now about ``deployment``'s systems."""
        checks = checks_for(customer, deployment.environment)
        with ThreadPoolExecutor(max_workers=min(8, len(checks)) + 1) as pool:
            monitoring = pool.submit(self._firing, customer)  # at the same time as the checks
            outcomes = tuple(
                pool.map(lambda check: self._outcome(check, deployment, phase), checks)
            )
            firing, problem = monitoring.result()
        return Flight(phase, outcomes, firing, problem)

    def _outcome(self, check: LiveCheck, deployment: Deployment, phase: Phase) -> LiveOutcome:
        try:
            probe = self._probe(check)
        except MissingSecretError as error:
            return LiveOutcome(check.label, False, Problem.of("step3_secret_missing", why=error))
        outcome = LiveOutcome(check.label, False)
        for _ in range(max(1, self.tries)):
            outcome = judge(check, probe.run(), deployment, phase)
            if outcome.passed:
                break
        return outcome

    def _probe(self, check: LiveCheck) -> ProbePort:
        if check.tcp is not None:
            host, port = check.target
            return self.systems.tcp(host, port, check.seconds)
        auth = None
        if check.basic_auth is not None:
            basic = check.basic_auth
            what = f"check {check.label}: password"
            secret = read_secret(basic.password_env, basic.password_file, what=what,
                                 environ=self.environ)  # fmt: skip
            auth = (basic.user, secret)
        bearer = None
        if check.bearer_env or check.bearer_file:
            what = f"check {check.label}: bearer token"
            bearer = read_secret(check.bearer_env, check.bearer_file, what=what,
                                 environ=self.environ)  # fmt: skip
        cert: tuple[Path, Path] | Path | None = check.client_cert_file
        if check.client_cert_file is not None and check.client_key_file is not None:
            cert = (check.client_cert_file, check.client_key_file)
        return self.systems.http(str(check.url), check.seconds, auth, bearer, cert, check.ca_file)

    def _firing(self, customer: Customer) -> tuple[tuple[Firing, ...] | None, Problem | None]:
        config = customer.monitoring.alertmanager
        if config is None:
            return None, None
        try:
            bearer = None
            if config.bearer_env or config.bearer_file:
                bearer = read_secret(config.bearer_env, config.bearer_file,
                                     what="Alertmanager token", environ=self.environ)  # fmt: skip
            client = self.systems.alertmanager(config.url, config.timeout.total_seconds(), bearer)
            alerts = client.firing(list(config.matchers))
        except AlertmanagerUnreadableError as error:
            return None, Problem.of("step3_monitoring_unreadable", why=error.why)
        except (AlertmanagerError, MissingSecretError) as error:
            return None, Problem.of("step3_monitoring_down", why=error)
        return tuple(Firing(a.fingerprint, a.name) for a in alerts), None


def judge(
    check: LiveCheck, answer: ProbeAnswer, deployment: Deployment, phase: Phase = "after"
) -> LiveOutcome:
    """Whether what a probe saw passes the check, and why not in the reader's words. Before
    the start the old version still runs: a check that looks for the new one only asks that
    the system answers."""
    if answer.failure is not None:
        return LiveOutcome(check.label, False, _failure(check, answer))
    if check.tcp is not None:
        return LiveOutcome(check.label, True)
    if answer.status != check.expect_status:
        problem = Problem.of("step3_status", got=answer.status, expected=check.expect_status)
        return LiveOutcome(check.label, False, problem)
    text, version = expected_text(check, deployment.components)
    if phase == "before" and version:
        return LiveOutcome(check.label, True)
    if text and text not in answer.body:
        key = "step3_missing_version" if version else "step3_missing_text"
        return LiveOutcome(check.label, False, Problem.of(key, text=text, version=version))
    return LiveOutcome(check.label, True, version=version)


def _failure(check: LiveCheck, answer: ProbeAnswer) -> Problem:
    if answer.failure == "timed_out":
        return Problem.of("step3_timed_out", seconds=f"{check.seconds:g}")
    if answer.failure == "tls":
        return Problem.of("step3_tls", why=answer.detail)
    if answer.failure == "unknown_host":
        return Problem.of("step3_unknown_host", host=answer.detail)
    return Problem.of("step3_unreachable", why=answer.detail or "connection failed")
