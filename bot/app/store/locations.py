"""Where the state lives, worked out from the configuration alone: light on purpose, so that a
command that only reads the calendar (``check-day``, ``plan``) opens no client library."""

from __future__ import annotations

from pathlib import Path

from bot.config.models import Config


def state_url(config: Config) -> str:
    """The store's URL, a relative SQLite path read from the configuration's folder."""
    url = config.state.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative != ":memory:":
            return f"sqlite:///{config.resolve_path(Path(relative))}"
    return url


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None: another database, or one in memory)."""
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url.removeprefix("sqlite:///"))
    return None
