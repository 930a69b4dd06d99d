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

from integrations.calendar import CalendarEvent
from integrations.deployment_log import LogRow
from integrations.gitlab import Deployment as GitLabDeployment
from integrations.gitlab import Pipeline, Release
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


__all__ = [
    "CalendarFilePort",
    "CalendarServerPort",
    "GitLabPort",
    "LogPort",
    "MailPort",
    "ZammadPort",
]
