"""The GitLab emulator's single-object and list routes beyond what deploybot calls, for the
objects it already holds: one commit, pipeline, environment or deployment; the commits and
branches; merge requests (none). Third-party clients (python-gitlab) call them."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from emulators.gitlab_base import GitLabBase
from emulators.server import json_response


class GitLabSingles(GitLabBase):
    """Routes on single objects; the record builders come from the emulator itself."""

    def _pipeline_json(self, project: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _environment_json(self, project: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _deployment_json(
        self, project: dict[str, Any], spec: dict[str, Any], envs: dict[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _one(
        self, request: Request, project_key: str, table: str, ident: str, what: str,
        build: Any,
    ) -> Response:  # fmt: skip
        def handler(request: Request, project: dict[str, Any]) -> Response:
            spec = next((s for s in project[table] if str(s["id"]) == ident), None)
            if spec is None:
                return self._missing(what)
            return json_response(build(project, spec))

        return self._with_project(handler, request, project_key)

    def h_pipeline_show(self, request: Request, project_key: str, pipeline_id: str) -> Response:
        return self._one(request, project_key, "pipelines", pipeline_id, "Pipeline",
                         self._pipeline_json)  # fmt: skip

    def h_environment_show(
        self, request: Request, project_key: str, environment_id: str
    ) -> Response:
        return self._one(request, project_key, "environments", environment_id, "Environment",
                         self._environment_json)  # fmt: skip

    def h_deployment_show(self, request: Request, project_key: str, deployment_id: str) -> Response:
        def build(project: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
            envs = {e["name"]: e for e in project["environments"]}
            return self._deployment_json(project, spec, envs)

        return self._one(request, project_key, "deployments", deployment_id, "Deployment", build)

    def h_commit_show(self, request: Request, project_key: str, sha: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            commit = next(
                (c for c in project["commits"] if c["sha"] == sha or c["sha"].startswith(sha)),
                None,
            )
            if commit is None:
                return self._missing("Commit")
            return json_response(self._commit_json(commit))

        return self._with_project(handler, request, project_key)

    def h_commits_list(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            ref = request.args.get("ref_name") or project["default_branch"]
            commits = [c for c in project["commits"] if ref in c.get("branches", [ref])]
            newest_first = [self._commit_json(c) for c in reversed(commits)]
            return self._paginated(request, newest_first)

        return self._with_project(handler, request, project_key)

    def _branches(self, project: dict[str, Any]) -> list[dict[str, Any]]:
        names = sorted({b for c in project["commits"] for b in c.get("branches", [])})
        out = []
        for name in names or [project["default_branch"]]:
            tip = [c for c in project["commits"] if name in c.get("branches", [])][-1:]
            out.append(
                {
                    "name": name,
                    "default": name == project["default_branch"],
                    "protected": name == project["default_branch"],
                    "merged": False,
                    "commit": self._commit_json(tip[0]) if tip else None,
                    "web_url": f"https://gitlab.example/{project['path']}/-/tree/{name}",
                }
            )
        return out

    def h_branches_list(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            return self._paginated(request, self._branches(project))

        return self._with_project(handler, request, project_key)

    def h_branch_show(self, request: Request, project_key: str, branch: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            found = [b for b in self._branches(project) if b["name"] == branch]
            return json_response(found[0]) if found else self._missing("Branch")

        return self._with_project(handler, request, project_key)

    def h_merge_requests(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            return self._paginated(request, [])  # scenarios hold no merge requests

        return self._with_project(handler, request, project_key)

    def h_commit_merge_requests(self, request: Request, project_key: str, sha: str) -> Response:
        return self.h_merge_requests(request, project_key)
