"""A stateful GitLab API v4 emulator over HTTP, answering in the documented shapes.

Projects with a linear history of commits (plus side-branch commits), tags, releases with
asset links, pipelines, environments, deployments and packages. Projects are addressed by
numeric id or URL-encoded path, as python-gitlab does. Lists are paginated with GitLab's
headers (``X-Page``, ``X-Next-Page``, ``X-Total``, ``Link``).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from emulators.gitlab_base import ROUTES
from emulators.gitlab_jobs import GitLabJobs
from emulators.server import json_response, shape
from integrations.timestamps import format_timestamp


class GitLabEmulator(GitLabJobs):
    """In-memory GitLab projects, seeded from a scenario's ``gitlab:`` section."""

    name = "gitlab"

    def setup(self) -> None:
        self.projects: dict[int, dict[str, Any]] = {}
        section = self.scenario.get("gitlab") or {}
        #: Which DeploymentsFinder to play: "current", or "legacy" (≈ GitLab 14–15).
        self.deployments_finder = str(section.get("deployments_finder", "current"))
        for index, project in enumerate(section.get("projects", [])):
            self.add_project(project, project_id=int(project.get("id", index + 1)))
        self.handlers = {name: getattr(self, f"h_{name}") for name, _ in ROUTES}

    # -- state ----------------------------------------------------------------------------

    def add_project(self, spec: dict[str, Any], project_id: int | None = None) -> dict[str, Any]:
        """Add a project from its scenario description; returns the stored state."""
        pid = project_id or max([0, *self.projects]) + 1
        state: dict[str, Any] = {
            "id": pid,
            "path": str(spec["path"]),
            "default_branch": str(spec.get("default_branch", "main")),
            "commits": [dict(c) for c in spec.get("commits", [])],
            "tags": [dict(t) for t in spec.get("tags", [])],
            "releases": [dict(r) for r in spec.get("releases", [])],
            "pipelines": [_pipeline(p) for p in spec.get("pipelines", [])],
            "trigger": dict(spec.get("trigger") or {}),
            "environments": [dict(e) for e in spec.get("environments", [])],
            "deployments": [dict(d) for d in spec.get("deployments", [])],
            "packages": [dict(p) for p in spec.get("packages", [])],
            "hooks": [dict(h) for h in spec.get("hooks", [])],
            "variables": [dict(v) for v in spec.get("variables", [])],
        }
        for commit in state["commits"]:
            commit.setdefault("branches", [state["default_branch"]])
        self.projects[pid] = state
        return state

    def _release_json(self, project: dict[str, Any], release: dict[str, Any]) -> dict[str, Any]:
        record = shape("gitlab_release")
        tag = self._tag(project, release["tag"])
        sha = tag["sha"] if tag else ""
        commit = self._commit(project, sha) or {"sha": sha, "message": ""}
        web = f"https://gitlab.example/{project['path']}"
        links = []
        for index, link in enumerate(release.get("links", []), start=1):
            item = shape("gitlab_release_link")
            item.update(
                id=index,
                name=str(link["name"]),
                url=str(link["url"]),
                link_type=str(link.get("link_type", "package")),
            )
            item.setdefault("direct_asset_url", link["url"])
            item.setdefault("external", True)
            links.append(item)
        record.update(
            tag_name=release["tag"],
            name=str(release.get("name", release["tag"])),
            description=str(release.get("description", "")),
            created_at=format_timestamp(release.get("released_at", "2026-01-01T00:00:00Z")),
            released_at=format_timestamp(release.get("released_at", "2026-01-01T00:00:00Z")),
            commit=self._commit_json(commit) | {"parent_ids": []},
            commit_path=f"/{project['path']}/-/commit/{sha}",
            tag_path=f"/{project['path']}/-/tags/{release['tag']}",
            milestones=[],
            evidences=[],
        )
        record["assets"]["links"] = links
        record["assets"].setdefault(
            "evidence_file_path", f"{web}/-/releases/{release['tag']}/evidence.json"
        )
        record["assets"]["count"] = len(links) + len(record["assets"].get("sources", []))
        record["_links"] = {
            k: f"{web}/-/releases/{release['tag']}" for k in record.get("_links", {})
        }
        record["upcoming_release"] = bool(release.get("upcoming"))
        return record

    def _tag(self, project: dict[str, Any], name: str) -> dict[str, Any] | None:
        return next((t for t in project["tags"] if t["name"] == name), None)

    # -- handlers -------------------------------------------------------------------------

    def h_project_show(self, request: Request, project_key: str) -> Response:
        project = self.find_project(project_key)
        if project is None:
            return self._missing("Project")
        return json_response(
            {
                "id": project["id"],
                "name": project["path"].rsplit("/", 1)[-1],
                "path": project["path"].rsplit("/", 1)[-1],
                "path_with_namespace": project["path"],
                "default_branch": project["default_branch"],
                "web_url": f"https://gitlab.example/{project['path']}",
            }
        )

    def h_releases_list(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            releases = [self._release_json(project, r) for r in project["releases"]]
            descending = request.args.get("sort", "desc") == "desc"
            releases.sort(key=lambda r: r["released_at"], reverse=descending)
            return self._paginated(request, releases)

        return self._with_project(handler, request, project_key)

    def h_release_show(self, request: Request, project_key: str, tag: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            if tag == "permalink/latest":  # the newest release that is not upcoming
                released = [r for r in project["releases"] if not r.get("upcoming")]
                newest = sorted(released, key=lambda r: str(r.get("released_at", "")))[-1:]
                release = newest[0] if newest else None
            else:
                release = next((r for r in project["releases"] if r["tag"] == tag), None)
            if release is None:
                return self._missing("Release")  # GitLab says "404 Not found" too
            return json_response(self._release_json(project, release))

        return self._with_project(handler, request, project_key)

    def h_release_links(self, request: Request, project_key: str, tag: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            release = next((r for r in project["releases"] if r["tag"] == tag), None)
            if release is None:
                return self._missing("Release")
            return self._paginated(request, self._release_json(project, release)["assets"]["links"])

        return self._with_project(handler, request, project_key)

    def _tag_json(self, project: dict[str, Any], tag: dict[str, Any]) -> dict[str, Any]:
        record = shape("gitlab_tag")
        commit = self._commit(project, tag["sha"]) or {"sha": tag["sha"], "message": ""}
        record.update(
            name=tag["name"],
            message=tag.get("message"),
            target=tag["sha"],
            commit=self._commit_json(commit),
            release=None,
            protected=False,
            created_at=self._commit_json(commit)["created_at"],
        )
        return record

    def h_tag_show(self, request: Request, project_key: str, tag: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            found = self._tag(project, tag)
            if found is None:
                return self._missing("Tag")
            return json_response(self._tag_json(project, found))

        return self._with_project(handler, request, project_key)

    def h_tags_list(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            return self._paginated(request, [self._tag_json(project, t) for t in project["tags"]])

        return self._with_project(handler, request, project_key)

    def h_commit_refs(self, request: Request, project_key: str, sha: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            commit = self._commit(project, sha)
            if commit is None:
                return self._missing("Commit")
            kind = request.args.get("type", "all")
            refs = []
            if kind in ("branch", "all"):
                refs += [{"type": "branch", "name": b} for b in commit.get("branches", [])]
            if kind in ("tag", "all"):
                refs += [
                    {"type": "tag", "name": t["name"]} for t in project["tags"] if t["sha"] == sha
                ]
            return self._paginated(request, refs)

        return self._with_project(handler, request, project_key)

    def h_compare(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            def index_of(ref: str) -> int | None:
                tag = self._tag(project, ref)
                sha = tag["sha"] if tag else ref
                for i, commit in enumerate(project["commits"]):
                    if commit["sha"] == sha:
                        return i
                return None

            start = index_of(str(request.args.get("from", "")))
            end = index_of(str(request.args.get("to", "")))
            if start is None or end is None:
                return self._missing("Ref")
            commits = [self._commit_json(c) for c in project["commits"][start + 1 : end + 1]]
            record = shape("gitlab_compare")
            record.update(
                commit=commits[-1] if commits else None,
                commits=[
                    {k: c[k] for k in (*shape("gitlab_compare")["commits"][0], "message")}
                    for c in commits
                ],
                diffs=[],
                compare_same_ref=start == end,
                compare_timeout=False,
                web_url=f"https://gitlab.example/{project['path']}/-/compare",
            )
            return json_response(record)

        return self._with_project(handler, request, project_key)

    def h_pipelines_list(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            items = []
            for spec in project["pipelines"]:
                if request.args.get("ref") and spec.get("ref") != request.args["ref"]:
                    continue
                if request.args.get("sha") and spec.get("sha") != request.args["sha"]:
                    continue
                if request.args.get("source") not in (None, spec.get("source", "push")):
                    continue
                status = request.args.get("status")
                if status and self._pipeline_status(spec) != status:
                    continue
                record = self._pipeline_json(project, spec)
                items.append(record)
            items.sort(key=lambda p: p["id"], reverse=request.args.get("sort", "desc") == "desc")
            return self._paginated(request, items)

        return self._with_project(handler, request, project_key)

    def _pipeline_json(self, project: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        record = shape("gitlab_pipeline")
        record.update(
            id=int(spec["id"]),
            iid=int(spec["id"]),
            project_id=project["id"],
            status=self._pipeline_status(spec),
            ref=spec.get("ref"),
            sha=spec.get("sha"),
            source=str(spec.get("source", "push")),
            web_url=f"https://gitlab.example/{project['path']}/-/pipelines/{spec['id']}",
        )
        return record

    def _environment_json(self, project: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        record = shape("gitlab_environment")
        record.update(
            id=int(spec["id"]),
            name=str(spec["name"]),
            slug=str(spec["name"]).lower(),
            tier=str(spec.get("tier", "other")),
            external_url=f"https://{str(spec['name']).lower()}.example",
        )
        return record

    def h_environments_list(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            items = [self._environment_json(project, e) for e in project["environments"]]
            if request.args.get("name"):
                items = [e for e in items if e["name"] == request.args["name"]]
            search = request.args.get("search", "").casefold()
            if search:
                items = [e for e in items if search in e["name"].casefold()]
            return self._paginated(request, items)

        return self._with_project(handler, request, project_key)

    def _deployments_query_problem(self, request: Request) -> str | None:
        """Why GitLab's DeploymentsFinder refuses the query (a 400), or None."""
        args = request.args
        by_finished = args.get("order_by") == "finished_at"
        finished_filter = bool(args.get("finished_after") or args.get("finished_before"))
        if finished_filter and (args.get("updated_after") or args.get("updated_before")):
            return "Both `updated_at` filter and `finished_at` filter can not be specified"
        if self.deployments_finder == "legacy":
            if finished_filter != by_finished:
                return "`finished_at` filter and `finished_at` sorting must be paired"
            if finished_filter and args.get("status") != "success":
                return "`finished_at` filter must be combined with `success` status filter."
            return None
        finished_status = args.get("status") in ("success", "failed", "canceled")
        if by_finished and not (finished_status or finished_filter):
            return (
                "`finished_at` sorting requires a finished status filter (success, failed, "
                "canceled) or a `finished_at` filter"
            )
        return None

    def _deployment_json(
        self, project: dict[str, Any], spec: dict[str, Any], envs: dict[str, Any]
    ) -> dict[str, Any]:
        env_name = str(spec["environment"])
        record = shape("gitlab_deployment")
        when = format_timestamp(spec.get("finished_at", "2026-01-01T00:00:00Z"))
        commit = self._commit(project, spec["sha"]) or {"sha": spec["sha"], "message": ""}
        record.update(
            id=int(spec["id"]),
            iid=int(spec["id"]),
            ref=spec.get("ref", project["default_branch"]),
            sha=spec["sha"],
            status=str(spec.get("status", "success")),
            created_at=when,
            updated_at=when,
        )
        record["environment"] = self._environment_json(
            project, envs.get(env_name, {"id": 0, "name": env_name})
        ) | {
            k: v
            for k, v in record["environment"].items()
            if k not in ("id", "name", "slug", "external_url", "tier")
        }
        if spec.get("created_via") == "api":
            record["deployable"] = None  # no job behind it, as for GitLab's API deployments
            return record
        record["deployable"]["finished_at"] = when
        record["deployable"]["status"] = record["status"]
        record["deployable"]["commit"] |= {
            k: v
            for k, v in self._commit_json(commit).items()
            if k in record["deployable"]["commit"]
        }
        return record

    def h_deployments_list(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            problem = self._deployments_query_problem(request)
            if problem is not None:
                return json_response({"message": f"400 Bad request - {problem}"}, 400)
            envs = {e["name"]: e for e in project["environments"]}
            args = request.args
            items = []
            for spec in project["deployments"]:
                if args.get("environment") not in (None, str(spec["environment"])):
                    continue
                if args.get("status") not in (None, spec.get("status", "success")):
                    continue
                record = self._deployment_json(project, spec, envs)
                if args.get("finished_after") and record["updated_at"] < args["finished_after"]:
                    continue
                if args.get("finished_before") and record["updated_at"] > args["finished_before"]:
                    continue
                items.append(record)
            key = "updated_at" if args.get("order_by") in ("finished_at", "updated_at") else "id"
            items.sort(key=lambda d: d[key], reverse=args.get("sort", "asc") == "desc")
            return self._paginated(request, items)

        return self._with_project(handler, request, project_key)

    def h_packages_list(self, request: Request, project_key: str) -> Response:
        def handler(request: Request, project: dict[str, Any]) -> Response:
            items = []
            wanted_name = request.args.get("package_name")
            wanted_version = request.args.get("package_version")
            for spec in project["packages"]:
                # The registry's name filter is fuzzy (a substring match), as on GitLab.
                if wanted_name and wanted_name not in str(spec["name"]):
                    continue
                if wanted_version and str(spec["version"]) != wanted_version:
                    continue
                record = shape("gitlab_package")
                record.update(
                    id=int(spec["id"]),
                    name=str(spec["name"]),
                    version=str(spec["version"]),
                    package_type=str(spec.get("package_type", "generic")),
                    created_at=format_timestamp(spec.get("created_at", "2026-01-01T00:00:00Z")),
                )
                items.append(record)
            return self._paginated(request, items)

        return self._with_project(handler, request, project_key)

    _HOOK_EVENTS = (
        "push_events",
        "tag_push_events",
        "merge_requests_events",
        "pipeline_events",
        "deployment_events",
        "releases_events",
    )

    def h_hooks(self, request: Request, project_key: str) -> Response:
        """Project hooks: list them (the token is never shown) or add one."""

        def handler(request: Request, project: dict[str, Any]) -> Response:
            if request.method == "POST":
                body = request.get_json(silent=True) or request.form.to_dict()
                if not str(body.get("url") or "").strip():
                    return json_response({"message": {"url": ["can't be blank"]}}, 400)
                hook: dict[str, Any] = {
                    "id": len(project["hooks"]) + 1,
                    "url": str(body["url"]),
                    "project_id": project["id"],
                    "enable_ssl_verification": bool(body.get("enable_ssl_verification", True)),
                    "created_at": format_timestamp(self.clock()),
                    "token": body.get("token"),
                }
                for event in self._HOOK_EVENTS:
                    hook[event] = bool(body.get(event, event == "push_events"))
                project["hooks"].append(hook)
                return json_response(_shown(hook), 201)
            return self._paginated(request, [_shown(h) for h in project["hooks"]])

        return self._with_project(handler, request, project_key)


def _shown(hook: dict[str, Any]) -> dict[str, Any]:
    """A hook as GitLab shows it: without its secret token."""
    return {k: v for k, v in hook.items() if k != "token"}


def _pipeline(spec: dict[str, Any]) -> dict[str, Any]:
    """A scenario pipeline with copies of its jobs (each run changes them)."""
    return {**spec, "jobs": [dict(job) for job in spec.get("jobs", [])]}
