"""How deploybot learns that GitLab changed: by its project hooks (``gitlab.hooks``), with a full
poll of every project every ``gitlab.safety_poll_seconds`` as a safety net, or by the full poll
every ``gitlab.poll_seconds``. Pure: the daemon and ``/healthz`` ask it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.config.models import GitLabConfig


def mode(config: GitLabConfig) -> str:
    """``hooks`` or ``polling``."""
    return "hooks" if config.hooks else "polling"


def full_poll_seconds(config: GitLabConfig) -> int:
    """How often every project is read."""
    return config.safety_poll_seconds if config.hooks else config.poll_seconds


def full_poll_due(config: GitLabConfig, last: datetime, now: datetime) -> bool:
    """Whether a GitLab cycle reads every project: always when polling (the cycle runs every
    ``poll_seconds``), with hooks only once ``safety_poll_seconds`` passed since the last
    full poll (the cycles between re-check what hooks announced)."""
    return not config.hooks or now - last >= timedelta(seconds=config.safety_poll_seconds)


def mode_json(
    config: GitLabConfig, last_full_poll: datetime | None, last_hook: datetime | None
) -> dict[str, Any]:
    """How GitLab is watched, as ``/healthz`` shows it."""
    return {
        "mode": mode(config),
        "full_poll_seconds": full_poll_seconds(config),
        "last_full_poll_at": last_full_poll.isoformat() if last_full_poll else None,
        "last_hook_at": last_hook.isoformat() if last_hook else None,
    }
