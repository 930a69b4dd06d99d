"""Running it: the composition root (wiring), the service's cycle and the daemon."""

from typing import TYPE_CHECKING

from bot.app import face

if TYPE_CHECKING:
    from bot.app.run.daemon import gitlab_webhook_secret, run_daemon, views_token, webhook_secret
    from bot.app.run.service import CycleResult, Service
    from bot.app.run.wiring import (
        DaemonRunningError,
        LiveSystems,
        booking_links,
        build_service,
        caldav_calendar,
        claim_sqlite_state,
        deployment_log,
        gitlab_client,
        google_apis,
        google_calendar,
        smtp_mailer,
        uses_google,
        zammad_admin,
        zammad_client,
    )

__all__ = [
    "CycleResult",
    "DaemonRunningError",
    "LiveSystems",
    "Service",
    "booking_links",
    "build_service",
    "caldav_calendar",
    "claim_sqlite_state",
    "deployment_log",
    "gitlab_client",
    "gitlab_webhook_secret",
    "google_apis",
    "google_calendar",
    "run_daemon",
    "smtp_mailer",
    "uses_google",
    "views_token",
    "webhook_secret",
    "zammad_admin",
    "zammad_client",
]

__getattr__ = face(
    __name__,
    {
        "daemon": ("gitlab_webhook_secret", "run_daemon", "views_token", "webhook_secret"),
        "service": ("CycleResult", "Service"),
        "wiring": (
            "DaemonRunningError",
            "LiveSystems",
            "booking_links",
            "build_service",
            "caldav_calendar",
            "claim_sqlite_state",
            "deployment_log",
            "gitlab_client",
            "google_apis",
            "google_calendar",
            "smtp_mailer",
            "uses_google",
            "zammad_admin",
            "zammad_client",
        ),
    },
)
