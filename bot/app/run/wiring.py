"""The composition root: the one place where clients and channels are built from the
configuration, used by the daemon, the CLI, ``verify`` and the demo.

The adapters in ``integrations`` take plain settings; reading tokens from the environment or a
file and choosing timeouts from the configuration happens here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, Union

import filelock

from bot.app.outbox import Channels
from bot.app.outside import LogPort, MailPort, ZammadPort
from bot.app.run.service import Service
from bot.app.store import Store
from bot.app.store.locations import state_url as state_url  # re-exported: its old home
from bot.config.models import Config, GitLabConfig, ZammadConfig
from bot.domain.booking_link import BookingLinks
from integrations.alertmanager import AlertmanagerClient
from integrations.calendar import CalDavCalendar, IcsDirectory
from integrations.deployment_log import DeploymentLog
from integrations.gitlab import GitLabClient
from integrations.mail import DirectoryMailer, SmtpMailer, smtp_settings
from integrations.probes import HttpProbe, TcpProbe
from integrations.retry import RetryPolicy
from integrations.secrets import read_secret
from integrations.zammad import ZammadClient, ZammadError
from integrations.zammad_admin import ZammadAdminClient

if TYPE_CHECKING:  # the Google client library loads only where a configuration uses it
    from integrations.google_api import GoogleApis
    from integrations.google_calendar import GoogleCalendar
    from integrations.log_drive import DriveDeploymentLog
    from integrations.log_sheets import SheetsDeploymentLog


#: Which client of Zammad is built: the agent's, or the admin's of ``setup zammad``.
ZammadKind = TypeVar("ZammadKind", bound=ZammadClient)


def zammad_client(
    config: ZammadConfig,
    environ: Mapping[str, str] | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
    sleep: Callable[[float], None] | None = None,
    on_retry: Callable[[str, int, int, str], None] | None = None,
) -> ZammadClient:
    """A client for the configured Zammad, its token read from the environment or a file.

    ``url`` and ``token`` replace the configured ones (an emulator standing in for Zammad);
    ``sleep`` replaces waiting between retries (a demo or a test does not wait); ``on_retry``
    hears of each retry (the doctor says it is still trying).
    """
    url = url or config.url
    if not url:
        raise ZammadError(0, "zammad.url is not set in the configuration")
    if token is None:
        token = read_secret(
            config.token_env, config.token_file, what="Zammad token", environ=environ
        )
    attempts, wait = config.max_attempts, sleep or time.sleep
    retry = RetryPolicy(max_attempts=attempts, sleep=wait, on_retry=on_retry)
    return _zammad(ZammadClient, config, url, token, retry)


def zammad_admin(config: ZammadConfig, token: str) -> ZammadAdminClient:
    """The client of ``deploybot setup zammad``: the configured Zammad, an admin's token."""
    if not config.url:
        raise ZammadError(0, "zammad.url is not set in the configuration")
    retry = RetryPolicy(max_attempts=config.max_attempts)
    return _zammad(ZammadAdminClient, config, config.url, token, retry)


def _zammad(
    kind: type[ZammadKind], config: ZammadConfig, url: str, token: str, retry: RetryPolicy
) -> ZammadKind:
    return kind(url, token, connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout, retry=retry)  # fmt: skip


def gitlab_client(
    config: GitLabConfig,
    environ: Mapping[str, str] | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
    on_retry: Callable[[str, int, int, str], None] | None = None,
) -> GitLabClient:
    """A client for the configured GitLab, its token from the environment or a file.

    ``url`` and ``token`` replace the configured ones (an emulator standing in for GitLab);
    ``on_retry`` hears of each retry.
    """
    if token is None:
        token = read_secret(
            config.token_env, config.token_file, what="GitLab token", environ=environ
        )
    return GitLabClient(
        url or config.url,
        token,
        release_tag_pattern=config.release_tag_pattern,
        ticket_pattern=config.ticket_pattern,
        max_retries=config.max_retries,
        timeout=config.timeout,
        test_environment=config.test_environment,
        policy=RetryPolicy(max_attempts=config.max_retries + 1, on_retry=on_retry),
        concurrency=config.concurrency,
    )


class DaemonRunningError(RuntimeError):
    """Another daemon already runs on this SQLite state."""


def claim_sqlite_state(config: Config) -> filelock.BaseFileLock | None:
    """Hold the lock file beside a SQLite state for the daemon's life: two daemons on one file
    would both act. None for other stores (several instances there is a matter of leadership)."""
    url = state_url(config)
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return None
    database = Path(url.removeprefix("sqlite:///"))
    lock = filelock.FileLock(str(database) + ".daemon.lock", timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise DaemonRunningError(
            f"another deploybot daemon already runs on {database} (it holds {lock.lock_file}); "
            "stop it first — two daemons on one SQLite file would both act"
        ) from None
    return lock


def lock_dir(config: Config) -> Path:
    """The folder of the workbook locks, shared by every process that reads this configuration
    (a temporary folder is not: the daemon's may be private)."""
    if config.deployment_log.lock_dir is not None:
        return config.resolve_path(config.deployment_log.lock_dir)
    url = state_url(config)
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url.removeprefix("sqlite:///")).parent / "locks"
    return config.resolve_path(Path(".deploybot-locks"))


def deployment_log(
    config: Config, customer: str, *, apis: GoogleApis | None = None
) -> DeploymentLogBackend:
    """The customer's deployment log as the configuration places it: ``.xlsx`` files in a
    folder or in Drive, or a native Google Sheet (through ``apis``, else clients of its own)."""
    settings = config.deployment_log
    language = config.customer(customer).language
    if settings.backend != "folder":
        from integrations.log_drive import DriveDeploymentLog
        from integrations.log_sheets import SheetsDeploymentLog

        backend = DriveDeploymentLog if settings.backend == "google_drive" else SheetsDeploymentLog
        return backend(
            apis or google_apis(config),
            str(settings.folder_id),
            customer,
            template_name=settings.template,
            language=language,
        )
    return DeploymentLog(
        config.resolve_path(config.deployment_log.dir),
        customer,
        template_name=config.deployment_log.template,
        # A new log is written for its readers, the customer's people; an existing one keeps
        # the language of its headers.
        language=language,
        lock_dir=lock_dir(config),
        backup_dir=backup_dir(config),
    )


DeploymentLogBackend = Union[DeploymentLog, "DriveDeploymentLog", "SheetsDeploymentLog"]


def uses_google(config: Config) -> bool:
    """Whether the log or the calendar is at Google."""
    return config.deployment_log.backend != "folder" or config.calendar.google is not None


def google_apis(config: Config, *, sleep: Callable[[float], None] | None = None) -> GoogleApis:
    """The Google clients of the configured service account; ``sleep`` waits between retries.
    The daemon builds them once (``channels_for``) so that every log and the calendar share the
    token and the files found."""
    from integrations.google_api import GoogleApis, GoogleCredentialsError, GoogleSettings

    google = config.google
    if google is None:
        raise GoogleCredentialsError("the configuration has no google: section")
    path = (
        config.resolve_path(google.credentials_file)
        if google.credentials_file is not None
        else _credentials_from_environment()
    )
    settings = GoogleSettings(path, google.impersonate, google.api_url, google.timeout)
    return GoogleApis(settings, RetryPolicy() if sleep is None else RetryPolicy(sleep=sleep))


def _credentials_from_environment() -> Path:
    from integrations.google_api import GoogleCredentialsError

    named = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    if not named:
        raise GoogleCredentialsError(
            "google.credentials_file is not set and neither is GOOGLE_APPLICATION_CREDENTIALS: "
            "name the service account's key file"
        )
    return Path(named)


def google_calendar(config: Config, *, apis: GoogleApis | None = None) -> GoogleCalendar | None:
    """The configured Google Calendar, if any (through ``apis``, else clients of its own)."""
    settings = config.calendar.google
    if settings is None:
        return None
    from integrations.google_calendar import GoogleCalendar

    attendees = settings.attendees
    if attendees is None:
        attendees = bool(config.google and config.google.impersonate)
    return GoogleCalendar(
        apis or google_apis(config),
        settings.calendar_id,
        send_updates=settings.send_updates,
        attendees=attendees,
    )


def backup_dir(config: Config) -> Path:
    """Where the previous version of each log is kept: beside deploybot's own state, never in
    the shared log folder."""
    if config.deployment_log.backup_dir is not None:
        return config.resolve_path(config.deployment_log.backup_dir)
    return lock_dir(config).parent / "log-backups"


def smtp_mailer(config: Config) -> SmtpMailer:
    """The SMTP transport as configured, its login read from the environment or a file."""
    smtp = config.smtp
    return SmtpMailer(
        smtp_settings(
            host=smtp.host,
            port=smtp.port,
            starttls=smtp.starttls,
            tls=smtp.tls,
            timeout=smtp.timeout,
            username_env=smtp.username_env,
            password_env=smtp.password_env,
            password_file=smtp.password_file,
        )
    )


def caldav_calendar(config: Config) -> CalDavCalendar | None:
    """The configured CalDAV calendar, if any, its login read from the environment or a file."""
    dav = config.calendar.caldav
    if dav is None:
        return None
    username = (
        read_secret(dav.username_env, None, what="CalDAV username") if dav.username_env else None
    )
    password = (
        read_secret(dav.password_env, dav.password_file, what="CalDAV password")
        if dav.password_env or dav.password_file
        else None
    )
    return CalDavCalendar(dav.url, calendar_name=dav.calendar, username=username, password=password)


class LiveSystems:
    """Where step 3's checks look, over the network: HTTP(S) and TCP probes, Alertmanager."""

    def http(
        self,
        url: str,
        seconds: float,
        auth: tuple[str, str] | None,
        bearer: str | None,
        cert: tuple[Path, Path] | Path | None,
        ca_file: Path | None,
    ) -> HttpProbe:
        """An HTTP(S) GET of ``url``, its credentials read."""
        return HttpProbe(url, seconds, auth, bearer, cert, ca_file)

    def tcp(self, host: str, port: int, seconds: float) -> TcpProbe:
        """A TCP connection to ``host:port``."""
        return TcpProbe(host, port, seconds)

    def alertmanager(self, url: str, seconds: float, bearer: str | None) -> AlertmanagerClient:
        """The reader of the Alertmanager at ``url``."""
        return AlertmanagerClient(url, seconds, bearer)


def channels_for(
    config: Config, zammad: ZammadPort, *, sleep: Callable[[float], None] | None = None
) -> Channels:
    """The outside channels the configuration names: mail transport, calendar, logs. ``sleep``
    waits between retries of the Google APIs (tests do not wait)."""
    smtp = config.smtp
    mailer: MailPort = (
        DirectoryMailer(config.resolve_path(smtp.directory))
        if smtp.transport == "directory"
        else smtp_mailer(config)
    )

    apis = google_apis(config, sleep=sleep) if uses_google(config) else None

    def log_for(customer: str) -> LogPort:
        return deployment_log(config, customer, apis=apis)

    return Channels(
        zammad=zammad,
        mailer=mailer,
        ics=IcsDirectory(config.resolve_path(config.calendar.ics_dir)),
        log_for=log_for,
        live=LiveSystems(),
        caldav=caldav_calendar(config),
        google_calendar=google_calendar(config, apis=apis),
    )


def build_service(
    config: Config,
    *,
    clock: Callable[[], datetime],
    observer: Callable[[str], None] | None = None,
    token: str | None = None,
    sleep: Callable[[float], None] | None = None,
    booking_secret: str | None = None,
) -> Service:
    """The service on the configured Zammad, GitLab, channels and store.

    ``token`` stands for both tokens, ``booking_secret`` for the links' secret and ``sleep``
    for waiting between retries: the demo and the tests point the configuration at emulators
    and do not wait.
    """
    zammad = zammad_client(config.zammad, token=token, sleep=sleep)
    gitlab = gitlab_client(config.gitlab, token=token)
    channels = channels_for(config, zammad, sleep=sleep)
    if any(customer.step3 is not None for customer in config.customers):
        from integrations.gitlab_jobs import GitLabJobs

        channels.gitlab_jobs = GitLabJobs(gitlab)  # step 3 carried out: plays and follows jobs
    return Service(
        config,
        Store(state_url(config)),
        zammad,
        gitlab,
        channels,
        clock=clock,
        observer=observer,
        links=booking_links(config, secret=booking_secret),
    )


def booking_links(
    config: Config, environ: Mapping[str, str] | None = None, *, secret: str | None = None
) -> BookingLinks | None:
    """How customers' booking links are made: ``server.public_url`` and the secret named by
    ``server.booking_secret_env`` (None when either is not configured). A named secret that is
    not there is an error, as a missing token is."""
    server = config.server
    if not server.public_url or not (server.booking_secret_env or secret):
        return None
    value = secret or read_secret(server.booking_secret_env, None, what="booking link secret",
                                  environ=environ)  # fmt: skip
    return BookingLinks(server.public_url, value.encode())
