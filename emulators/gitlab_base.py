"""What every GitLab emulator route shares: routing of ``/api/v4/projects/<id or path>/…``,
GitLab's token check and error answers, its pagination headers, and commit records."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlencode

from werkzeug.wrappers import Request, Response

from emulators.server import EmulatorApp, json_response, shape
from integrations.timestamps import format_timestamp

_PROJECT_PATH = re.compile(r"^/api/v4/projects/(?P<project>[^/]+)(?P<rest>/.*)?$")
ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("project_show", re.compile(r"^$")),
    ("releases_list", re.compile(r"^/releases$")),
    ("release_links", re.compile(r"^/releases/(?P<tag>[^/]+)/assets/links$")),
    ("release_show", re.compile(r"^/releases/(?P<tag>[^/]+)$")),
    ("tag_show", re.compile(r"^/repository/tags/(?P<tag>[^/]+)$")),
    ("tags_list", re.compile(r"^/repository/tags$")),
    ("commit_refs", re.compile(r"^/repository/commits/(?P<sha>[^/]+)/refs$")),
    ("commit_merge_requests", re.compile(r"^/repository/commits/(?P<sha>[^/]+)/merge_requests$")),
    ("commit_show", re.compile(r"^/repository/commits/(?P<sha>[^/]+)$")),
    ("commits_list", re.compile(r"^/repository/commits$")),
    ("branches_list", re.compile(r"^/repository/branches$")),
    ("branch_show", re.compile(r"^/repository/branches/(?P<branch>[^/]+)$")),
    ("pipeline_variables", re.compile(r"^/pipelines/(?P<pipeline_id>\d+)/variables$")),
    ("pipeline_jobs", re.compile(r"^/pipelines/(?P<pipeline_id>\d+)/jobs$")),
    ("jobs_list", re.compile(r"^/jobs$")),
    ("job_show", re.compile(r"^/jobs/(?P<job_id>\d+)$")),
    ("job_play", re.compile(r"^/jobs/(?P<job_id>\d+)/play$")),
    ("job_trace", re.compile(r"^/jobs/(?P<job_id>\d+)/trace$")),
    ("trigger_pipeline", re.compile(r"^(?:/ref/(?P<ref>.+))?/trigger/pipeline$")),
    ("pipeline_show", re.compile(r"^/pipelines/(?P<pipeline_id>\d+)$")),
    ("environment_show", re.compile(r"^/environments/(?P<environment_id>\d+)$")),
    ("deployment_show", re.compile(r"^/deployments/(?P<deployment_id>\d+)$")),
    ("merge_requests", re.compile(r"^/merge_requests$")),
    ("compare", re.compile(r"^/repository/compare$")),
    ("pipelines_list", re.compile(r"^/pipelines$")),
    ("environments_list", re.compile(r"^/environments$")),
    ("deployments_list", re.compile(r"^/deployments$")),
    ("packages_list", re.compile(r"^/packages$")),
    ("hooks", re.compile(r"^/hooks$")),
    ("variables", re.compile(r"^/variables$")),
]


class GitLabBase(EmulatorApp):
    """Routing, auth, errors, pagination and commit records of the GitLab emulator."""

    projects: dict[int, dict[str, Any]]

    def find_project(self, key: str) -> dict[str, Any] | None:
        """A project by numeric id or by path."""
        decoded = unquote(key)
        if decoded.isdigit():
            return self.projects.get(int(decoded))
        return next((p for p in self.projects.values() if p["path"] == decoded), None)

    # -- routing, auth, errors ------------------------------------------------------------

    def resolve(self, environ: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raw = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ["PATH_INFO"])
        match = _PROJECT_PATH.match(raw.split("?", 1)[0])
        if not match:
            return "not_found", {}
        rest = match.group("rest") or ""
        for name, pattern in ROUTES:
            found = pattern.match(rest)
            if found:
                args = {k: unquote(v) for k, v in found.groupdict().items() if v is not None}
                return name, {"project_key": match.group("project"), **args}
        return "not_found", {}

    def authorized(self, request: Request) -> bool:
        private = request.headers.get("PRIVATE-TOKEN")
        bearer = request.headers.get("Authorization", "")
        return private == self.token or bearer == f"Bearer {self.token}"

    def unauthorized(self, request: Request) -> Response:
        return json_response({"message": "401 Unauthorized"}, 401)

    def not_found(self, request: Request) -> Response:
        return json_response({"error": "404 Not Found"}, 404)

    def error(self, status: int) -> Response:
        if status == 429:
            return json_response({"message": "429 Too Many Requests"}, 429)
        return json_response({"message": f"{status} Internal Server Error"}, status)

    @staticmethod
    def _missing(what: str) -> Response:
        return json_response({"message": f"404 {what} Not Found"}, 404)

    def _paginated(self, request: Request, items: list[Any]) -> Response:
        page = max(1, int(request.args.get("page", 1)))
        per_page = max(1, min(int(request.args.get("per_page", 20)), 100))
        total = len(items)
        pages = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(total),
            "X-Total-Pages": str(pages),
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
        }
        raw = str(request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI") or "")
        base = request.host_url.rstrip("/") + (raw.split("?", 1)[0] or request.path)
        params = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

        def link(number: int, rel: str) -> str:
            query = urlencode({**params, "page": number, "per_page": per_page})
            return f'<{base}?{query}>; rel="{rel}"'

        links = [link(1, "first"), link(pages, "last")]
        if page < pages:
            links.insert(0, link(page + 1, "next"))
        if page > 1:
            links.insert(0, link(page - 1, "prev"))
        headers["Link"] = ", ".join(links)
        return json_response(chunk, headers=headers)

    def _with_project(
        self, handler: Callable[..., Response], request: Request, project_key: str, **args: Any
    ) -> Response:
        project = self.find_project(project_key)
        if project is None:
            return self._missing("Project")
        return handler(request, project, **args)

    # -- record builders (fixture shapes, our values) -------------------------------------

    def _commit(self, project: dict[str, Any], sha: str) -> dict[str, Any] | None:
        return next((c for c in project["commits"] if c["sha"] == sha), None)

    def _commit_json(self, commit: dict[str, Any]) -> dict[str, Any]:
        record = shape("gitlab_commit")
        message = str(commit.get("message", ""))
        when = format_timestamp(commit.get("created_at", "2026-01-01T00:00:00Z"))
        record.update(
            id=commit["sha"],
            short_id=commit["sha"][:8],
            title=message.splitlines()[0] if message else "",
            message=message,
            created_at=when,
            authored_date=when,
            committed_date=when,
            parent_ids=[],
        )
        return record
