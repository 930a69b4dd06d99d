"""The outcome of the prerequisite checks: one result per check, and the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.domain.prerequisites.facts import Link
from bot.domain.texts import say

Status = Literal["passed", "failed", "warning", "not_applicable"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check."""

    code: str
    status: Status
    message: str
    links: tuple[Link, ...] = ()
    lines: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of a check."""
        return {
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "details": {
                "links": [{"label": link.label, "url": link.url} for link in self.links],
                "lines": list(self.lines),
            },
        }


@dataclass(frozen=True)
class Report:
    """Every check of one request. ``handled`` is False for partner-exclusive customers."""

    customer: str | None
    environment: str | None
    checks: tuple[CheckResult, ...]
    handled: bool = True

    @property
    def ready(self) -> bool:
        """Whether the deployment may be scheduled: handled and no check failed."""
        return self.handled and all(check.status != "failed" for check in self.checks)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        """The checks that failed."""
        return tuple(check for check in self.checks if check.status == "failed")

    def check(self, code: str) -> CheckResult:
        """The result of the check with this code."""
        return next(check for check in self.checks if check.code == code)

    def summary(self, language: str) -> str:
        """One line: how many prerequisites fail, or that all pass (and how many warn)."""
        if not self.handled:
            return say(language, "summary_not_handled")
        total = len(self.checks)
        if self.failed:
            return say(language, "summary_failed", failed=len(self.failed), total=total)
        warnings = sum(1 for check in self.checks if check.status == "warning")
        extra = say(language, "summary_warnings", count=warnings) if warnings else ""
        return say(language, "summary_passed", total=total) + extra

    def as_json(self) -> dict[str, Any]:
        """``{"ready": bool, "checks": [...]}``."""
        return {"ready": self.ready, "checks": [check.as_json() for check in self.checks]}
