"""What deploybot knows of each outside system's health: when it last answered and the last
error it gave. ``/healthz`` reports it, and a system whose latest outcome is an error makes the
daemon "degraded" — a wrong token that fails every poll is never reported as ok."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.effects import CHANNELS
from integrations.gitlab import GitLabError
from integrations.zammad import ZammadError

#: The outside systems deploybot depends on: the two it polls and every channel of the outbox
#: (derived, so a new channel is never a system the outbox cannot report on).
SYSTEMS: tuple[str, ...] = tuple(dict.fromkeys(("zammad", "gitlab", *CHANNELS)))


@dataclass
class SystemHealth:
    """One system's latest success and latest error."""

    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None

    @property
    def ok(self) -> bool:
        """Whether the latest outcome was a success (or nothing failed yet)."""
        if self.last_error_at is None:
            return True
        return self.last_success is not None and self.last_success > self.last_error_at

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of one system in ``/healthz``."""
        return {
            "ok": self.ok,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
        }


def system_of(error: BaseException, default: str) -> str:
    """Which system an error came from (the step that met it, when it does not say)."""
    if isinstance(error, ZammadError):
        return "zammad"
    if isinstance(error, GitLabError):
        return "gitlab"
    return default


class HealthBook:
    """The health of every outside system, updated by the polls and the outbox."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.systems = {name: SystemHealth() for name in SYSTEMS}
        self._lock = threading.Lock()

    def succeeded(self, system: str) -> None:
        """The system answered."""
        with self._lock:
            self.systems[system].last_success = self.clock()

    def failed(self, system: str, error: BaseException) -> None:
        """The system did not answer, or refused; the error is kept as a line."""
        with self._lock:
            health = self.systems[system]
            health.last_error = f"{type(error).__name__}: {error}"[:500]
            health.last_error_at = self.clock()

    def failing(self) -> list[str]:
        """The systems whose latest outcome is an error."""
        return [name for name, health in self.systems.items() if not health.ok]

    def as_json(self) -> dict[str, Any]:
        """Every system, as ``/healthz`` shows them."""
        return {name: health.as_json() for name, health in self.systems.items()}
