"""The shell's view of each outside system, as ``typing.Protocol``s.

The service, the fact gathering and the executors are written against these, so that a test can
hand them in-memory fakes (``tests/fakes.py``) and production hands them the adapters of
``integrations/`` (built in ``wiring.py``). Each port names only what deploybot calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from integrations.alertmanager import Alert
from integrations.calendar import CalendarEvent
from integrations.deployment_log import LogRow
from integrations.gitlab import Deployment as GitLabDeployment
from integrations.gitlab import Pipeline, Release
from integrations.gitlab_jobs import Job
from integrations.probes import ProbeAnswer
from integrations.zammad import Article, Organization, TagChange, Ticket, User


class ZammadPort(Protocol):
    """Tickets, their tags and articles, organizations and users."""

    web_url: str

    def find_tickets_with_tags(self, tags: Iterable[str]) -> list[Ticket]: ...
    def ticket(self, ticket_id: int) -> Ticket: ...
    def ticket_by_number(self, number: str) -> Ticket | None: ...
    def tag_history(self, ticket_id: int) -> list[TagChange]: ...
    def tags(self, ticket_id: int) -> list[str]: ...
    def add_tag(self, ticket_id: int, tag: str) -> None: ...
    def remove_tag(self, ticket_id: int, tag: str) -> None: ...
    def articles(self, ticket_id: int) -> list[Article]: ...
    def post_note(
        self,
        ticket_id: int,
        html: str,
        *,
        key: str | None = None,
        subject: str | None = None,
        look: bool = True,
    ) -> Article: ...
    def post_public_comment(
        self, ticket_id: int, html: str, *, key: str | None = None, look: bool = True
    ) -> Article: ...
    def organization(self, organization_id: int) -> Organization: ...
    def user(self, user_id: int) -> User: ...


class GitLabPort(Protocol):
    """Releases, pipelines, branches, packages and deployments of the components' projects."""

    def cycle(self) -> AbstractContextManager[None]: ...
    def releases(self, project: str) -> Sequence[Release]: ...
    def production_releases(self, project: str) -> list[Release]: ...
    def recent_production_releases(self, project: str, count: int) -> list[Release]: ...
    def latest_release(self, project: str) -> Release | None: ...
    def previous_release(self, project: str, tag: str) -> Release | None: ...
    def releases_since(self, projects: Iterable[str], since: datetime) -> list[Release]: ...
    def releases_since_each(
        self, projects: Iterable[str], since: datetime
    ) -> dict[str, list[Release]]: ...
    def pipeline_for(self, project: str, tag: str, sha: str | None) -> Pipeline | None: ...
    def on_default_branch(self, project: str, sha: str) -> bool: ...
    def default_branch(self, project: str) -> str: ...
    def artifact_published(
        self, project: str, release: Release, *, package_name: str | None = None
    ) -> bool: ...
    def test_environments(self, project: str, name: str | None = None) -> list[str]: ...
    def test_deployment_of(
        self, project: str, sha: str, name: str | None = None
    ) -> GitLabDeployment | None: ...
    def ticket_references(self, project: str, tag: str) -> list[str]: ...


class MailPort(Protocol):
    """Hands a message over for delivery; False when it had already been delivered."""

    def send(self, message: EmailMessage) -> bool: ...


class CalendarFilePort(Protocol):
    """Keeps one file per calendar event."""

    def write(self, event: CalendarEvent) -> Path: ...


class CalendarServerPort(Protocol):
    """A shared calendar server (CalDAV): create or update an event by its UID."""

    def upsert(self, event: CalendarEvent) -> None: ...


class LogPort(Protocol):
    """One customer's deployment log: add or update a deployment's row."""

    def upsert_row(self, row: LogRow) -> int: ...


class JobsPort(Protocol):
    """GitLab CI jobs: find, play, trigger, follow, read a trace (``integrations.gitlab_jobs``)."""

    def find(self, project: str, ref: str, name: str) -> Job | None: ...
    def newest(self, project: str, pipeline_id: int, name: str) -> Job | None: ...
    def job(self, project: str, job_id: int) -> Job: ...
    def play(self, project: str, job_id: int, variables: Sequence[tuple[str, str]]) -> None: ...
    def trigger(
        self, project: str, ref: str, token: str, variables: Sequence[tuple[str, str]], key: str
    ) -> int: ...
    def triggered(self, project: str, ref: str, key: str) -> tuple[int, str, str] | None: ...
    def trace(self, project: str, job_id: int) -> str: ...


class ProbePort(Protocol):
    """One step-3 check's probe: an HTTP(S) GET or a TCP connection (``integrations.probes``)."""

    def run(self) -> ProbeAnswer: ...


class MonitoringPort(Protocol):
    """One Alertmanager: its firing alerts (``integrations.alertmanager``)."""

    def firing(self, matchers: list[str]) -> list[Alert]: ...


class LiveSystemsPort(Protocol):
    """Where step 3's checks look: it makes the probe of each check and the reader of each
    Alertmanager a customer names, its credentials already read (built in ``wiring``)."""

    def http(
        self,
        url: str,
        seconds: float,
        auth: tuple[str, str] | None,
        bearer: str | None,
        cert: tuple[Path, Path] | Path | None,
        ca_file: Path | None,
    ) -> ProbePort: ...
    def tcp(self, host: str, port: int, seconds: float) -> ProbePort: ...
    def alertmanager(self, url: str, seconds: float, bearer: str | None) -> MonitoringPort: ...


__all__ = [
    "CalendarFilePort",
    "CalendarServerPort",
    "GitLabPort",
    "JobsPort",
    "LiveSystemsPort",
    "LogPort",
    "MailPort",
    "MonitoringPort",
    "ProbePort",
    "ZammadPort",
]
