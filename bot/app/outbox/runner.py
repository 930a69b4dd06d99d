"""Carrying out the outbox: effects in order per deployment, retried with backoff, the
operator alerted when one keeps failing. A failing effect holds up only its own deployment."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.app.outbox.executors import Channels, execute, is_permanent
from bot.app.outside import HealthBook
from bot.app.store import Deployments, OutboxItem, OutboxQueue, backoff
from bot.config.models import Config
from bot.domain.effects import OutboxEffect, channel_of, describe
from bot.domain.rendering import Renderer
from bot.domain.replies import ALERTS, alert
from bot.domain.routing import Reply

#: How long a claim on an effect holds: longer than any effect takes (an SMTP or Zammad call
#: gives up after its timeouts well before), short enough that a dead instance's claims lapse.
CLAIM_LEASE = timedelta(minutes=5)

log = logging.getLogger("deploybot")


_STARTED = secrets.token_hex(4)


def instance_identity() -> str:
    """This process start as an outbox owner: ``host/pid/random``, the random part drawn once
    per process (a pid is reused after a reboot; the draw is not)."""
    return f"{socket.gethostname()[:60]}/{os.getpid()}/{_STARTED}"


def dead_claims(owners: Iterable[str]) -> list[str]:
    """The owners, among ``owners``, that were processes of this host that have stopped: a
    daemon restarted after a crash takes their claims back at once instead of waiting for the
    lease; a live instance's claims (another process) and other hosts' are left to lapse."""
    host = socket.gethostname()[:60]
    dead = []
    for owner in owners:
        owner_host, _, rest = owner.partition("/")
        pid = rest.partition("/")[0]
        if owner_host != host or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            dead.append(owner)
        except PermissionError:
            continue  # alive, another user's
    return dead


class OutboxRunner:
    """Executes pending effects against the channels: the store's ``outbox`` queue, and its
    ``deployments`` to address an alert about one."""

    def __init__(
        self,
        config: Config,
        outbox: OutboxQueue,
        deployments: Deployments,
        channels: Channels,
        renderer: Renderer,
        *,
        clock: Callable[[], datetime],
        stopping: threading.Event,
        observer: Callable[[str], None],
        reply: Callable[[Reply], None],
        health: HealthBook,
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.deployments = deployments
        self.channels = channels
        self.renderer = renderer
        self.clock = clock
        self.stopping = stopping
        self.observer = observer
        self.reply = reply
        self.health = health
        #: Who carries effects out, in the outbox's claims: this process start, unique even
        #: between two instances on one host (they must never carry one effect out both).
        self.owner = instance_identity()
        self._took_back = False
        # The claims are per process: two drains of one process (a cycle's and a booking
        # page's) would both hold an effect's claim, so they take turns.
        self._draining = threading.Lock()

    def drain(self, *, limit: int | None = None) -> tuple[int, int]:
        """Carry out the effects that are due, in order per deployment and channel; returns
        (done, failed).

        A failing effect holds up the later effects of its own deployment and channel only.
        Stops between two effects when ``stopping`` is set (a graceful shutdown). Another
        drain of this process is waited for (one that comes later finds its effects pending).
        """
        with self._draining:
            return self._drain(limit)

    def _drain(self, limit: int | None) -> tuple[int, int]:
        done = failed = 0
        blocked: set[tuple[str, str]] = set()
        if not self._took_back:
            self._took_back = True
            released = self.outbox.release_claims(dead_claims(self.outbox.claim_owners()))
            if released:
                log.info("took back %d effect(s) claimed by a stopped instance", released)
        for item in self.outbox.pending():
            if self.stopping.is_set() or (limit is not None and done >= limit):
                break
            now = self.clock()
            queue = (item.deployment_id, channel_of(item.effect))
            if queue in blocked or item.next_attempt_at > now:
                blocked.add(queue)  # keep this deployment's channel in order
                continue
            claim = self.outbox.claim(item.id, self.owner, now, CLAIM_LEASE)
            if claim is None:
                blocked.add(queue)  # another instance carries it out: never both at once
                continue
            try:
                execute(item.effect, self.channels, now=now, first_try=claim == "first")
            except Exception as error:  # an outside system failed: retry later, never crash
                failed += 1
                self.health.failed(queue[1], error)
                if self._failed(item, error):
                    blocked.add(queue)
                continue
            self.health.succeeded(queue[1])
            self.outbox.mark_done(item.id, now)
            done += 1
            self.observer(f"  done: {describe(item.effect)}")
        return done, failed

    def _failed(self, item: OutboxItem, error: Exception) -> bool:
        """Record a failure; returns whether the effect stays queued (a retryable error)."""
        workflow = self.config.workflow
        text = f"{type(error).__name__}: {error}"
        attempts = item.attempts + 1
        permanent = is_permanent(error)
        log.warning(
            "deployment=%s effect=%s attempt=%d permanent=%s error=%s",
            item.deployment_id,
            describe(item.effect),
            attempts,
            permanent,
            text,
        )
        if permanent:
            self.outbox.mark_given_up(item.id, text)
            if item.deployment_id != ALERTS:
                self._alert(item.deployment_id, item.effect, attempts, text)
            return False
        wait = backoff(attempts, workflow.retry_base_seconds, workflow.retry_max_seconds)
        alert = (
            attempts >= workflow.alert_after_attempts
            and not item.alerted
            and item.deployment_id != ALERTS
        )
        self.outbox.mark_failed(item.id, text, self.clock() + wait, alerted=alert)
        if alert:
            self._alert(item.deployment_id, item.effect, attempts, text)
        return True

    def _alert(self, deployment_id: str, effect: OutboxEffect, attempts: int, error: str) -> None:
        """A note on the deployment's first ticket and an email to the support team."""
        deployment = self.deployments.get(deployment_id)
        self.reply(
            alert(deployment_id, deployment, effect, attempts, error, self.config, self.renderer)
        )
