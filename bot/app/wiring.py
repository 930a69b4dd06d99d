"""Clients built from the configuration: the place where configuration meets the adapters.

The adapters in ``integrations`` take plain settings; reading tokens from the environment or a
file and choosing timeouts from the configuration happens here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.config.models import Config, GitLabConfig, ZammadConfig
from integrations.gitlab import GitLabClient
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
