"""GitLab facts about components and versions, through python-gitlab, as typed records.

A component is a GitLab project (by path); a version is a release tag. Lists are read to their
end, except releases, which come newest first and are read page by page only as far as a
question needs (:class:`ReleasePages`). Transient errors are retried by python-gitlab
Transient errors (5xx, 429, lost connections) are retried by the one policy of the adapters
(``integrations.retry``: backoff with jitter, ``Retry-After`` honoured) under every request
python-gitlab sends; python-gitlab's own retries are off.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import gitlab
import requests
from gitlab.v4.objects import Project

from integrations import __version__
from integrations.errors import OutsideError
from integrations.gitlab_records import (
    AssetLink,
    Deployment,
    Package,
    Pipeline,
    Release,
    ReleasePages,
)
from integrations.retry import RetriesExhaustedError, RetryingSession, RetryPolicy, plain_reason
from integrations.timestamps import parse_timestamp

# The records are part of this adapter's interface.
__all__ = [
    "AssetLink",
    "Deployment",
    "GitLabClient",
    "GitLabError",
    "Package",
    "Pipeline",
    "Release",
    "ReleasePages",
    "compile_pattern",
    "find_ticket_references",
]

TEST_TIERS = ("testing", "staging")
_EPOCH_TEXT = "1970-01-01T00:00:00Z"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class GitLabError(OutsideError):
    """GitLab could not answer a question; ``reason`` says why (``str()`` adds who)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"GitLab did not answer: {reason}")
        self.reason = reason


_F = TypeVar("_F", bound=Callable[..., Any])


def _typed_errors(method: _F) -> _F:
    """Turn python-gitlab and transport errors into :class:`GitLabError` with a plain reason."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except GitLabError:
            raise
        except gitlab.GitlabError as exc:
            message = str(exc.error_message)
            code = exc.response_code
            prefix = f"{code} " if code and not message.startswith(str(code)) else ""
            raise GitLabError(f"{prefix}{message}") from exc
        except requests.RequestException as exc:
            raise GitLabError(plain_reason(exc)) from exc
        except RetriesExhaustedError as exc:
            raise GitLabError(exc.last) from exc

    return wrapper  # type: ignore[return-value]


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A compiled regular expression (patterns are validated when the config is loaded)."""
    return re.compile(pattern)


def find_ticket_references(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Ticket references in free text, in order of first appearance, each once."""
    return list(dict.fromkeys(match.group(0) for match in pattern.finditer(text or "")))


class GitLabClient:
    """Answers deploybot's questions about GitLab projects and their releases."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        release_tag_pattern: str = r"^v?\d+\.\d+\.\d+$",
        ticket_pattern: str = r"(?:Ticket#\d+|\b[A-Z]{2,5}-\d{4,})",
        max_retries: int = 5,
        timeout: float = 30,
        test_environment: str | None = None,
        policy: RetryPolicy | None = None,
        concurrency: int = 8,
    ) -> None:
        policy = policy or RetryPolicy(max_attempts=max_retries + 1)
        session = RetryingSession("GitLab", policy)
        # One kept connection per reader (requests keeps 10 by default and drops the rest).
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(concurrency, 10))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self.gl = gitlab.Gitlab(
            url,
            private_token=token,
            timeout=timeout,
            retry_transient_errors=False,
            per_page=100,
            user_agent=f"deploybot/{__version__} (+python-gitlab)",
            session=session,
        )
        #: How many projects a poll reads at the same time.
        self.concurrency = concurrency
        # The policy retries 429s too: python-gitlab must not wait on them a second time.
        self.gl.http_request = functools.partial(  # type: ignore[method-assign]
            self.gl.http_request, obey_rate_limit=False
        )
        self.release_tag_pattern = compile_pattern(release_tag_pattern)
        self.ticket_pattern = compile_pattern(ticket_pattern)
        self.test_environment = test_environment
        self._projects: dict[str, Project] = {}
        self._lazy: dict[str, Project] = {}
        self._cycle_releases: dict[str, ReleasePages] | None = None
        self._cycle_environments: dict[str, list[tuple[str, str | None]]] | None = None

    def __repr__(self) -> str:  # never show the token
        return f"GitLabClient({self.gl.url!r})"

    @_typed_errors
    def _at(self, path: str) -> Project:
        """The project at ``path`` to ask about its lists and objects, without reading it:
        GitLab takes the URL-encoded path wherever it takes the id (a 404 then says the
        project is missing or hidden, as reading it would)."""
        found = self._projects.get(path) or self._lazy.get(path)
        if found is None:
            # Kept: building one costs python-gitlab ~80 managers (10% of an idle poll's CPU).
            found = self._lazy[path] = self.gl.projects.get(path, lazy=True)
        return found

    def project(self, path: str) -> Project:
        """The project at ``path``, read (its default branch): cached for the client's life."""
        if path not in self._projects:
            try:
                self._projects[path] = self.gl.projects.get(path)
            except gitlab.GitlabGetError as exc:
                if exc.response_code != 404:
                    raise
                # The project does not exist, or the token cannot see it: GitLab says 404.
                raise GitLabError(f"404 {path}") from exc
        return self._projects[path]

    # -- releases -------------------------------------------------------------------------

    @_typed_errors
    def release(self, project: str, tag: str) -> Release | None:
        """The release for ``tag``, or None when the tag has no release."""
        try:
            data = self.project(project).releases.get(tag)  # a missing project is not "no release"
        except gitlab.GitlabGetError as exc:
            if exc.response_code == 404:
                return None
            raise GitLabError(f"{exc.response_code} {project} {tag}: {exc.error_message}") from exc
        return Release.from_json(project, data.asdict())

    @contextlib.contextmanager
    def cycle(self) -> Iterator[None]:
        """Within the block each project's releases (as far as they were read) and its
        environments are read once and then remembered.

        A daemon must see new releases, so nothing is remembered across cycles.
        """
        self._cycle_releases = {}
        self._cycle_environments = {}
        try:
            yield
        finally:
            self._cycle_releases = None
            self._cycle_environments = None

    def _release_pages(self, project: str) -> ReleasePages:
        memo = self._cycle_releases
        if memo is not None and project in memo:
            return memo[project]
        items = self._at(project).releases.list(
            order_by="released_at", sort="desc", per_page=100, iterator=True
        )
        pages = ReleasePages(Release.from_json(project, item.asdict()) for item in items)
        if memo is not None:
            memo[project] = pages
        return pages

    @_typed_errors
    def releases(self, project: str) -> Sequence[Release]:
        """The project's releases, newest first; pages are read only as far as they are
        iterated (the releases deploybot asks about are recent: usually one page)."""
        return self._release_pages(project)

    def _is_production(self, release: Release) -> bool:
        return bool(
            release.released_at
            and not release.upcoming
            and self.release_tag_pattern.match(release.tag_name)
        )

    @_typed_errors
    def production_releases(self, project: str) -> list[Release]:
        """Released (not upcoming) releases whose tag matches the release pattern, oldest first
        (reads every page)."""
        found = [r for r in self._release_pages(project) if self._is_production(r)]
        return sorted(found, key=lambda r: r.released_at or _EPOCH)

    @_typed_errors
    def recent_production_releases(self, project: str, count: int) -> list[Release]:
        """The newest ``count`` production releases, newest first, reading only what they need."""
        newest = (r for r in self._release_pages(project) if self._is_production(r))
        return list(itertools.islice(newest, count))

    @_typed_errors
    def latest_release(self, project: str) -> Release | None:
        """The newest production release: not upcoming, tag matching the release pattern."""
        return next((r for r in self._release_pages(project) if self._is_production(r)), None)

    @_typed_errors
    def previous_release(self, project: str, tag: str) -> Release | None:
        """The production release just before ``tag`` (the rollback target)."""
        seen = False
        for release in self._release_pages(project):
            if not self._is_production(release):
                continue
            if seen:
                return release
            seen = release.tag_name == tag
        return None

    @_typed_errors
    def releases_since(self, projects: Iterable[str], since: datetime) -> list[Release]:
        """Production releases published after ``since`` across ``projects``, oldest first;
        each project's pages are read only back to ``since`` (one request when idle)."""
        found = []
        for path in projects:
            for release in self._release_pages(path):
                if release.released_at and release.released_at <= since and not release.upcoming:
                    break
                if self._is_production(release):
                    found.append(release)
        return sorted(found, key=lambda r: r.released_at or since)

    @_typed_errors
    def releases_since_each(
        self, projects: Iterable[str], since: datetime
    ) -> dict[str, list[Release]]:
        """:meth:`releases_since` of each project, read ``concurrency`` projects at a time
        (each request under the one retry policy, whose ``Retry-After`` holds them all); the
        first project that fails raises and the reads not yet started are dropped."""
        paths = list(dict.fromkeys(projects))
        if self.concurrency <= 1 or len(paths) <= 1:
            return {path: self.releases_since([path], since) for path in paths}
        workers = min(self.concurrency, len(paths))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gitlab-read")
        try:
            futures = [pool.submit(self.releases_since, [path], since) for path in paths]
            return {path: future.result() for path, future in zip(paths, futures, strict=True)}
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # -- pipeline, branch, artifact -------------------------------------------------------

    @_typed_errors
    def pipeline_for(self, project: str, tag: str, sha: str | None) -> Pipeline | None:
        """The newest pipeline of ``tag`` at ``sha``."""
        query: dict[str, Any] = {"ref": tag, "order_by": "id", "sort": "desc"}
        if sha:
            query["sha"] = sha
        for item in self._at(project).pipelines.list(iterator=True, **query):
            data = item.asdict()
            return Pipeline(
                int(data["id"]),
                str(data["status"]),
                data.get("ref"),
                data.get("sha"),
                data.get("web_url"),
            )
        return None

    @_typed_errors
    def on_default_branch(self, project: str, sha: str) -> bool:
        """Whether the commit is contained in the project's default branch."""
        proj = self.project(project)
        refs = proj.commits.get(sha, lazy=True).refs(type="branch", get_all=True)
        return any(ref.get("name") == proj.default_branch for ref in refs)

    @_typed_errors
    def packages(self, project: str, name: str, version: str | None = None) -> list[Package]:
        """Packages whose name is exactly ``name`` (the registry filter is fuzzy)."""
        query: dict[str, Any] = {"package_name": name}
        if version:
            query["package_version"] = version
        items = self._at(project).packages.list(get_all=True, **query)
        out = []
        for item in items:
            data = item.asdict()
            if data.get("name") == name and (version is None or data.get("version") == version):
                out.append(
                    Package(
                        int(data["id"]),
                        str(data["name"]),
                        str(data["version"]),
                        str(data.get("package_type", "")),
                    )
                )
        return out

    def artifact_published(
        self, project: str, release: Release, *, package_name: str | None = None
    ) -> bool:
        """A release asset link exists, or (with ``package_name``) the exact package version."""
        if package_name:
            version = release.tag_name.removeprefix("v")
            return bool(
                self.packages(project, package_name, version)
                or self.packages(project, package_name, release.tag_name)
            )
        return bool(release.links)

    # -- test deployments -----------------------------------------------------------------

    def _environments(self, project: str) -> list[tuple[str, str | None]]:
        memo = self._cycle_environments
        if memo is not None and project in memo:
            return memo[project]
        envs = self._at(project).environments.list(get_all=True)
        found = [(str(e.name), getattr(e, "tier", None)) for e in envs]
        if memo is not None:
            memo[project] = found
        return found

    @_typed_errors
    def test_environments(self, project: str, name: str | None = None) -> list[str]:
        """The TEST environments: the configured name, else every testing/staging tier."""
        wanted = name or self.test_environment
        envs = self._environments(project)
        if wanted:
            return [env for env, _ in envs if env == wanted]
        return [env for env, tier in envs if tier in TEST_TIERS]

    def _successful_deployments(self, project: str, env: str) -> Iterator[Deployment]:
        # GitLab's finders want finished_at sorting paired with a finished_at filter (older
        # ones) or a finished status (current ones): this query satisfies both.
        items = self._at(project).deployments.list(
            environment=env,
            status="success",
            order_by="finished_at",
            sort="desc",
            finished_after=_EPOCH_TEXT,
            iterator=True,
        )
        for item in items:
            data = item.asdict()
            deployable = data.get("deployable") or {}
            yield Deployment(
                id=int(data["id"]),
                status=str(data["status"]),
                sha=data.get("sha"),
                ref=data.get("ref"),
                environment=str((data.get("environment") or {}).get("name", env)),
                finished_at=parse_timestamp(
                    deployable.get("finished_at") or data.get("updated_at")
                ),
            )

    @_typed_errors
    def latest_test_deployment(self, project: str, name: str | None = None) -> Deployment | None:
        """The newest successful deployment to a TEST environment."""
        found = [
            deployment
            for env in self.test_environments(project, name)
            for deployment in itertools.islice(self._successful_deployments(project, env), 1)
        ]
        return max(found, key=lambda d: d.finished_at or _EPOCH, default=None)

    @_typed_errors
    def test_deployment_of(
        self, project: str, sha: str, name: str | None = None, *, look_back: int = 100
    ) -> Deployment | None:
        """The newest successful deployment of commit ``sha`` to a TEST environment, looking at
        the last ``look_back`` successful deployments of each."""
        found = [
            deployment
            for env in self.test_environments(project, name)
            for deployment in itertools.islice(
                self._successful_deployments(project, env), look_back
            )
            if deployment.sha == sha
        ]
        return max(found, key=lambda d: d.finished_at or _EPOCH, default=None)

    @_typed_errors
    def check_project(self, project: str) -> str:
        """Read one page of each list deploybot reads (releases, pipelines, environments,
        deployments, packages); a list the token may not read raises GitLabError."""
        found = self.project(project)  # read first: a missing project says so by its path
        lists = ("releases", "pipelines", "environments", "deployments", "packages")
        for name in lists:
            getattr(found, name).list(per_page=1, get_all=False)
        return "reads " + ", ".join(lists)

    @_typed_errors
    def default_branch(self, project: str) -> str:
        """The name of the project's default branch."""
        return str(self.project(project).default_branch)

    # -- ticket references ----------------------------------------------------------------

    @_typed_errors
    def ticket_references(self, project: str, tag: str) -> list[str]:
        """References to tickets in the release notes, the tag message and the commits since
        the previous release."""
        texts: list[str] = []
        # The release as the (remembered) list carried it, else asked for on its own.
        listed = self._cycle_releases is not None and project in self._cycle_releases
        release = (
            next((r for r in self._release_pages(project) if r.tag_name == tag), None)
            if listed
            else self.release(project, tag)
        )
        if release:
            texts.append(release.description)
        try:
            tag_data = self._at(project).tags.get(tag).asdict()
            texts.append(str(tag_data.get("message") or ""))
        except gitlab.GitlabGetError:
            pass
        previous = self.previous_release(project, tag)
        if previous:
            compare = self._at(project).repository_compare(previous.tag_name, tag)
            for commit in compare.get("commits", []) if isinstance(compare, dict) else []:
                texts.append(str(commit.get("message") or commit.get("title") or ""))
        return find_ticket_references("\n".join(texts), self.ticket_pattern)
