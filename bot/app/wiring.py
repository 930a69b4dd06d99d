"""The composition root: the one place where clients and channels are built from the
configuration, used by the daemon, the CLI, ``verify`` and the demo.

The adapters in ``integrations`` take plain settings; reading tokens from the environment or a
file and choosing timeouts from the configuration happens here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.app.executors import Channels
from bot.app.ports import LogPort, MailPort, ZammadPort
from bot.config.models import Config, GitLabConfig, ZammadConfig
from integrations.calendar import CalDavCalendar, IcsDirectory
from integrations.deployment_log import DeploymentLog
from integrations.gitlab import GitLabClient
from integrations.mail import DirectoryMailer, SmtpMailer, smtp_settings
from integrations.retry import RetryPolicy
from integrations.secrets import read_secret
from integrations.zammad import ZammadClient, ZammadError


def zammad_client(
    config: ZammadConfig,
    environ: Mapping[str, str] | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
) -> ZammadClient:
    """A client for the configured Zammad, its token read from the environment or a file.

    ``url`` and ``token`` replace the configured ones (an emulator standing in for Zammad).
    """
    url = url or config.url
    if not url:
        raise ZammadError(0, "zammad.url is not set in the configuration")
    if token is None:
        token = read_secret(
            config.token_env, config.token_file, what="Zammad token", environ=environ
        )
    return ZammadClient(
        url,
        token,
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        retry=RetryPolicy(max_attempts=config.max_attempts),
        search=config.search,
        query_fallback=config.query_fallback,
    )


def gitlab_client(
    config: GitLabConfig,
    environ: Mapping[str, str] | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
) -> GitLabClient:
    """A client for the configured GitLab, its token from the environment or a file.

    ``url`` and ``token`` replace the configured ones (an emulator standing in for GitLab).
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
    )


def state_url(config: Config) -> str:
    """The store's URL, a relative SQLite path read from the configuration's folder."""
    url = config.state.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative != ":memory:":
            return f"sqlite:///{config.resolve_path(Path(relative))}"
    return url


def channels_for(config: Config, zammad: ZammadPort) -> Channels:
    """The outside channels the configuration names: mail transport, calendar, logs."""
    smtp = config.smtp
    mailer: MailPort
    if smtp.transport == "directory":
        mailer = DirectoryMailer(config.resolve_path(smtp.directory))
    else:
        mailer = SmtpMailer(
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
    caldav = None
    if config.calendar.caldav is not None:
        dav = config.calendar.caldav
        username = (
            read_secret(dav.username_env, None, what="CalDAV username")
            if dav.username_env
            else None
        )
        password = (
            read_secret(dav.password_env, dav.password_file, what="CalDAV password")
            if dav.password_env or dav.password_file
            else None
        )
        caldav = CalDavCalendar(
            dav.url, calendar_name=dav.calendar, username=username, password=password
        )
    log_dir = config.resolve_path(config.deployment_log.dir)

    def log_for(customer: str) -> LogPort:
        return DeploymentLog(
            log_dir,
            customer,
            template_name=config.deployment_log.template,
            language=config.provider.language,
        )

    return Channels(
        zammad=zammad,
        mailer=mailer,
        ics=IcsDirectory(config.resolve_path(config.calendar.ics_dir)),
        log_for=log_for,
        caldav=caldav,
    )
