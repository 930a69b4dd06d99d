"""In-memory fakes of the shell's ports (``bot.app.outside.ports``): Zammad, GitLab, mail,
calendar and log, stateful and strict enough for the service to run a whole procedure in-process.

They keep what was done to them so that tests assert on the final state (marge-bot's
``gitlab_api_mock`` idea). The HTTP emulators stay the reference for how the real systems
answer; these fakes only have to agree with the ports.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from bot.app.outbox.executors import Channels
from bot.app.run.service import Service
from bot.app.run.wiring import LiveSystems
from bot.app.store import Store, sqlite_url
from bot.cli.demo import ManualClock
from bot.config.models import Config
from bot.domain.booking_link import BookingLinks
from bot.domain.model import Deployment
from integrations.calendar import CalendarEvent
from integrations.deployment_log import LogRow
from integrations.gitlab import Deployment as GitLabDeployment
from integrations.gitlab import GitLabError, Pipeline, Release
from integrations.zammad import (
    Article,
    Organization,
    TagChange,
    Ticket,
    User,
    ZammadNotFoundError,
    marker_html,
    marker_text,
    visible_text,
)

Clock = Callable[[], datetime]


class FakeZammad:
    """Tickets with tags, articles and history; people act through ``person_*``."""

    web_url = "https://zammad.example"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.tickets: dict[int, Ticket] = {}
        self.tag_lists: dict[int, list[str]] = {}
        self.article_lists: dict[int, list[Article]] = {}
        self.history: dict[int, list[TagChange]] = {}
        self.organizations: dict[int, Organization] = {}
        self.users = {1: User(1, "marta", "Marta", "Vidal", "marta@soffid.example", None)}
        self.calls: Counter[str] = Counter()
        self._ticks = 0

    # -- what people do ---------------------------------------------------------------------

    def add_ticket(self, ticket_id: int, number: str, title: str, organization: str) -> None:
        """A ticket of ``organization`` (created when new)."""
        org = next((o for o in self.organizations.values() if o.name == organization), None)
        if org is None:
            org = Organization(len(self.organizations) + 1, organization, True)
            self.organizations[org.id] = org
        now = self.clock()
        self.tickets[ticket_id] = Ticket(ticket_id, number, title, org.id, None, 1, now, now)
        self.tag_lists[ticket_id], self.article_lists[ticket_id] = [], []
        self.history[ticket_id] = []

    def person_tags(self, ticket_id: int, *tags: str, by: str = "Marta Vidal") -> None:
        """A person adds tags to a ticket."""
        for tag in tags:
            self._change_tag(ticket_id, tag, added=True, by=by)

    def person_notes(self, ticket_id: int, text: str, *, internal: bool = True) -> Article:
        """An agent writes a note (internal unless told)."""
        return self._article(ticket_id, f"<p>{text}</p>", internal=internal, created_by_id=1)

    def customer_replies(
        self,
        ticket_id: int,
        text: str,
        *,
        content_type: str | None = None,
        auto_response: bool = False,
    ) -> Article:
        """The customer answers on the ticket (an email or a web reply: public, sender Customer):
        ``text`` in a paragraph, or the body as given with its ``content_type``;
        ``auto_response``: their mail server answered for them (out of office)."""
        body = f"<p>{text}</p>" if content_type is None else text
        article = self._article(ticket_id, body, internal=False, created_by_id=7)
        replied = dataclasses.replace(
            article,
            type="email",
            sender="Customer",
            content_type=content_type or "text/html",
            auto_response=auto_response,
        )
        self.article_lists[ticket_id][-1] = replied
        return replied

    def notes(self, ticket_id: int) -> list[str]:
        """The bodies of deploybot's own articles on a ticket."""
        return [a.body for a in self.article_lists[ticket_id] if "deploybot ref" in a.body]

    # -- the port ---------------------------------------------------------------------------

    def find_tickets_with_tags(self, tags: Iterable[str]) -> list[Ticket]:
        self.calls["search"] += 1
        wanted = set(tags)
        return [self._ticket(i) for i in self.tickets if wanted & set(self.tag_lists[i])]

    def ticket(self, ticket_id: int) -> Ticket:
        self.calls["ticket"] += 1
        return self._ticket(ticket_id)

    def ticket_by_number(self, number: str) -> Ticket | None:
        self.calls["ticket_by_number"] += 1
        found = [i for i, t in self.tickets.items() if t.number == number]
        return self._ticket(found[0]) if found else None

    def tag_history(self, ticket_id: int) -> list[TagChange]:
        self.calls["history"] += 1
        return list(self.history[ticket_id])

    def tags(self, ticket_id: int) -> list[str]:
        self.calls["tags"] += 1
        return list(self.tag_lists[ticket_id])

    def add_tag(self, ticket_id: int, tag: str) -> None:
        self._change_tag(ticket_id, tag, added=True, by="deploybot")

    def remove_tag(self, ticket_id: int, tag: str) -> None:
        self._change_tag(ticket_id, tag, added=False, by="deploybot")

    def articles(self, ticket_id: int) -> list[Article]:
        self.calls["articles"] += 1
        return list(self.article_lists[ticket_id])

    def post_note(
        self,
        ticket_id: int,
        html: str,
        *,
        key: str | None = None,
        subject: str | None = None,
        look: bool = True,
    ) -> Article:
        return self._post_once(ticket_id, html, key, look=look)

    def post_public_comment(
        self, ticket_id: int, html: str, *, key: str | None = None, look: bool = True
    ) -> Article:
        self.calls["post"] += 1
        for article in self.article_lists[ticket_id] if look else []:
            if not article.internal and visible_text(article.body) == visible_text(html):
                return article  # like the client: found again by its text, never marked
        return self._article(ticket_id, html, internal=False, created_by_id=None)

    def organization(self, organization_id: int) -> Organization:
        self.calls["organization"] += 1
        return self.organizations[organization_id]

    def user(self, user_id: int) -> User:
        self.calls["user"] += 1
        if user_id not in self.users:
            raise ZammadNotFoundError(404, f"Couldn't find User with 'id'={user_id}")
        return self.users[user_id]

    # -- internals --------------------------------------------------------------------------

    def _tick(self) -> datetime:
        self._ticks += 1
        return self.clock() + timedelta(microseconds=self._ticks)

    def _ticket(self, ticket_id: int) -> Ticket:
        base = self.tickets[ticket_id]
        articles = self.article_lists[ticket_id]
        return Ticket(
            base.id, base.number, base.title, base.organization_id, None, base.state_id,
            base.created_at, base.updated_at, tuple(self.tag_lists[ticket_id]),
            tuple(a.id for a in articles),
        )  # fmt: skip

    def _touch(self, ticket_id: int) -> None:
        base = self.tickets[ticket_id]
        self.tickets[ticket_id] = Ticket(
            base.id, base.number, base.title, base.organization_id, None, base.state_id,
            base.created_at, self._tick(),
        )  # fmt: skip

    def _change_tag(self, ticket_id: int, tag: str, *, added: bool, by: str) -> None:
        tags = self.tag_lists[ticket_id]
        if (tag in tags) == added:
            return
        tags.append(tag) if added else tags.remove(tag)
        self.history[ticket_id].append(TagChange(tag, added, by, self._tick()))
        self._touch(ticket_id)

    def _article(
        self, ticket_id: int, body: str, *, internal: bool, created_by_id: int | None
    ) -> Article:
        every = [a for articles in self.article_lists.values() for a in articles]
        article = Article(
            1000 + len(every), ticket_id, body, "text/html", internal, "note", "Agent", None,
            created_by_id, None, self._tick(),
        )  # fmt: skip
        self.article_lists[ticket_id].append(article)
        self._touch(ticket_id)
        return article

    def _post_once(self, ticket_id: int, html: str, key: str | None, *, look: bool) -> Article:
        self.calls["post"] += 1
        if key is not None:
            marker = marker_text(key)
            for article in self.article_lists[ticket_id] if look else []:
                if marker in article.body:
                    return article
            html = f"{html}\n{marker_html(key)}"
        return self._article(ticket_id, html, internal=True, created_by_id=None)


class FakeGitLab:
    """Projects whose releases all pass every check unless a test says otherwise."""

    def __init__(self) -> None:
        self.releases_of: dict[str, list[Release]] = {}
        self.references: dict[tuple[str, str], list[str]] = {}
        self.failing_pipelines: set[str] = set()
        self.down = False
        self.calls: Counter[str] = Counter()

    def release(
        self, project: str, tag: str, released_at: datetime, *, fixes: Iterable[str] = ()
    ) -> None:
        """A published release of ``project`` at ``tag`` that mentions the tickets ``fixes``."""
        sha = f"{abs(hash((project, tag))):040x}"[:40]
        found = Release(project, tag, tag, "", released_at, False, sha, (), None)
        self.releases_of.setdefault(project, []).insert(0, found)
        self.references[(project, tag)] = list(fixes)

    def _check(self, what: str) -> None:
        self.calls[what] += 1
        if self.down:
            raise GitLabError("502 Bad Gateway")

    @contextlib.contextmanager
    def cycle(self) -> Iterator[None]:
        yield

    def releases(self, project: str) -> list[Release]:
        self._check("releases")
        return list(self.releases_of.get(project, []))

    def production_releases(self, project: str) -> list[Release]:
        return sorted(self.releases(project), key=lambda r: r.released_at or datetime.min)

    def recent_production_releases(self, project: str, count: int) -> list[Release]:
        return list(reversed(self.production_releases(project)))[:count]

    def latest_release(self, project: str) -> Release | None:
        ordered = self.production_releases(project)
        return ordered[-1] if ordered else None

    def previous_release(self, project: str, tag: str) -> Release | None:
        ordered = self.production_releases(project)
        names = [r.tag_name for r in ordered]
        index = names.index(tag) if tag in names else 0
        return ordered[index - 1] if index > 0 else None

    def releases_since(self, projects: Iterable[str], since: datetime) -> list[Release]:
        return [
            r
            for p in projects
            for r in self.production_releases(p)
            if r.released_at and r.released_at > since
        ]

    def releases_since_each(
        self, projects: Iterable[str], since: datetime
    ) -> dict[str, list[Release]]:
        return {p: self.releases_since([p], since) for p in projects}

    def pipeline_for(self, project: str, tag: str, sha: str | None) -> Pipeline | None:
        self._check("pipeline")
        status = "failed" if tag in self.failing_pipelines else "success"
        return Pipeline(1, status, tag, sha, None)

    def on_default_branch(self, project: str, sha: str) -> bool:
        self._check("branch")
        return True

    def default_branch(self, project: str) -> str:
        return "main"

    def artifact_published(
        self, project: str, release: Release, *, package_name: str | None = None
    ) -> bool:
        self._check("artifact")
        return True

    def test_environments(self, project: str, name: str | None = None) -> list[str]:
        return ["TEST"]

    def test_deployment_of(
        self, project: str, sha: str, name: str | None = None
    ) -> GitLabDeployment | None:
        self._check("deployment")
        return GitLabDeployment(
            1, "success", sha, "main", "TEST", datetime(2026, 11, 1, tzinfo=UTC)
        )

    def ticket_references(self, project: str, tag: str) -> list[str]:
        self._check("references")
        return list(self.references.get((project, tag), []))


class FakeMailer:
    """Keeps every message; a Message-ID is delivered once."""

    def __init__(self) -> None:
        self.sent: dict[str, EmailMessage] = {}

    def send(self, message: EmailMessage) -> bool:
        key = str(message["Message-ID"])
        if key in self.sent:
            return False
        self.sent[key] = message
        return True

    def kinds(self) -> list[str]:
        """The kind of every email sent, in order (``start``, ``end``…)."""
        return [key.split(".")[1] for key in self.sent]


class FakeCalendar:
    """Events by UID, as a calendar server or a folder of ``.ics`` files would keep them."""

    def __init__(self) -> None:
        self.events: dict[str, CalendarEvent] = {}

    def write(self, event: CalendarEvent) -> Path:
        self.events[event.uid] = event
        return Path(f"{event.uid}.ics")


class FakeLogs:
    """Each customer's deployment log as rows keyed by deployment id."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, LogRow]] = {}

    def log_for(self, customer: str) -> FakeLog:
        return FakeLog(self.rows.setdefault(customer, {}))


class FakeLog:
    """One customer's log."""

    def __init__(self, rows: dict[str, LogRow]) -> None:
        self.rows = rows

    def upsert_row(self, row: LogRow) -> int:
        self.rows[row.deployment_id] = row
        return list(self.rows).index(row.deployment_id) + 2


@dataclass
class InProcess:
    """The service on fakes: everything a test drives, in one process."""

    config: Config
    clock: ManualClock
    zammad: FakeZammad
    gitlab: FakeGitLab
    mailer: FakeMailer
    calendar: FakeCalendar
    logs: FakeLogs
    service: Service

    def cycle(self) -> None:
        """One poll cycle of the daemon."""
        self.service.run_cycle()

    def restart(self) -> None:
        """A new deploybot process on the same store and outside systems."""
        old = self.service
        channels = old.channels
        self.service = Service(self.config, Store(old.store.url), self.zammad, self.gitlab,
                               channels, clock=self.clock, links=old.links)  # fmt: skip

    def deployment(self) -> Deployment:
        """The one deployment in the store."""
        [found] = self.service.store.deployments.list()
        return found


def in_process(
    config: Config, state: Path, start: datetime, links: BookingLinks | None = None
) -> InProcess:
    """The service on fakes, its store a SQLite file at ``state`` (``links``: the proposals
    reach the customer with a booking link)."""
    clock = ManualClock(start)
    zammad, gitlab = FakeZammad(clock), FakeGitLab()
    mailer, calendar, logs = FakeMailer(), FakeCalendar(), FakeLogs()
    channels = Channels(zammad=zammad, mailer=mailer, ics=calendar, log_for=logs.log_for,
                        live=LiveSystems())  # fmt: skip
    store = Store(sqlite_url(state))
    service = Service(config, store, zammad, gitlab, channels, clock=clock, links=links)
    return InProcess(config, clock, zammad, gitlab, mailer, calendar, logs, service)
