"""The daemon: APScheduler jobs for the Zammad poll, the GitLab poll and the timers.

Timers live in the store, so a timer that came due while the daemon was down fires at the first
timer check after start. SIGTERM and SIGINT stop it gracefully: the effect being carried out
finishes, then the daemon stops.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.app.intake import DAEMON_STARTED
from bot.app.run.service import Service
from bot.app.web import ControlApp, booking_app, serve
from bot.config.models import Config
from bot.domain.gitlab_watch import full_poll_seconds, mode
from integrations.secrets import read_secret

log = logging.getLogger("deploybot")

#: How often due timers are looked for.
TIMER_CHECK_SECONDS = 20


def _guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except Exception:  # the daemon never dies of an outside error
            log.exception("job=%s failed; it runs again at its next interval", name)

    return run


def build_scheduler(service: Service, config: Config) -> BlockingScheduler:
    """The scheduler with the poll and timer jobs (each runs at once, then at its interval)."""
    scheduler = BlockingScheduler(timezone=config.provider.tz)
    options = {"max_instances": 1, "coalesce": True, "next_run_time": service.clock()}
    leadership = service.leadership

    # Only the leader acts; a follower asks for the lead at each job (leadership.py).
    def zammad_cycle() -> None:
        if leadership.leading():
            service.run_cycle(timers=False, gitlab=False)

    def gitlab_cycle() -> None:
        if leadership.leading():
            service.run_cycle(zammad=False, timers=False)

    def timer_check() -> None:
        if leadership.leading():
            service.run_cycle(zammad=False, gitlab=False)

    scheduler.add_job(
        _guarded("zammad", zammad_cycle),
        "interval",
        id="zammad",
        seconds=config.zammad.poll_seconds,
        **options,
    )
    scheduler.add_job(
        _guarded("gitlab", gitlab_cycle),
        "interval",
        id="gitlab",
        seconds=config.gitlab.poll_seconds,
        **options,
    )
    scheduler.add_job(
        _guarded("timers", timer_check),
        "interval",
        id="timers",
        seconds=TIMER_CHECK_SECONDS,
        **options,
    )
    return scheduler


def webhook_secret(config: Config) -> bytes | None:
    """The webhook secret from its environment variable (None: the webhook is off)."""
    name = config.zammad.webhook_secret_env
    return read_secret(name, None, what="Zammad webhook secret").encode() if name else None


def views_token(config: Config) -> bytes | None:
    """The token of the pages and the feed (None: they are off)."""
    name = config.server.token_env
    return read_secret(name, None, what="pages token").encode() if name else None


def gitlab_webhook_secret(config: Config) -> bytes | None:
    """The secret GitLab's project hooks send (None: ``/webhooks/gitlab`` is off)."""
    name = config.gitlab.webhook_secret_env
    return read_secret(name, None, what="GitLab webhook secret").encode() if name else None


def stop_handler(
    stopping: threading.Event, scheduler: BaseScheduler
) -> Callable[[int, FrameType | None], None]:
    """What SIGTERM and SIGINT do: the service stops after the current effect, the scheduler
    after the current job."""

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal=%s stopping after the current effect", signal.Signals(signum).name)
        stopping.set()
        # Not here: the handler runs in the main thread, which may be inside the executor's
        # submit() holding its non-reentrant lock, which shutdown() takes too.
        threading.Thread(target=_shut_down, args=(scheduler,), daemon=True).start()

    return stop


def _shut_down(scheduler: BaseScheduler) -> None:
    # A second signal finds it already stopping.
    with contextlib.suppress(SchedulerNotRunningError):
        scheduler.shutdown(wait=False)


def run_daemon(service: Service, config: Config, secret: bytes | None = None) -> None:
    """Run until SIGTERM or SIGINT; the current effect finishes before the daemon stops."""
    scheduler = build_scheduler(service, config)
    server = None
    if config.server.port is not None:

        def wake() -> None:
            scheduler.modify_job("zammad", next_run_time=datetime.now(config.provider.tz))

        def wake_gitlab() -> None:
            scheduler.modify_job("gitlab", next_run_time=datetime.now(config.provider.tz))

        app = ControlApp(
            service,
            secret,
            wake,
            gitlab_secret=gitlab_webhook_secret(config),
            wake_gitlab=wake_gitlab,
            views_token=views_token(config),
            booking=booking_app(service, service.links, after=wake),  # the cycle carries them out
        )
        server = serve(app, config.server.host, config.server.port)
        log.info(
            "http endpoint on %s:%s (/calendar, /calendar.ics, /deployments/…, /book/…, "
            "/webhooks/…, /healthz, /metrics)",
            config.server.host,
            server.server_port,
        )

    stop = stop_handler(service.stopping, scheduler)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    store, leadership = service.store, service.leadership
    # doctor asks whether a hook was delivered since then.
    store.markers.remember(DAEMON_STARTED, service.clock().isoformat())
    log.info(
        "daemon started: zammad every %ss, gitlab by %s (every project read every %ss)",
        config.zammad.poll_seconds,
        mode(config.gitlab),
        full_poll_seconds(config.gitlab),
    )
    scheduler.start()
    leadership.release()
    if server is not None:
        server.shutdown()
    log.info("daemon stopped")
