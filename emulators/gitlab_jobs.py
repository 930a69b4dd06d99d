"""The GitLab emulator's CI jobs: the jobs of a pipeline, playing a manual job (with
``job_variables_attributes``), a job's trace, triggering a pipeline with a trigger token.

A scenario pipeline lists its ``jobs``; a job's ``run`` says how it ends once played or
triggered (``result``: success, failed or canceled; after ``seconds`` of the emulator's clock
or after ``polls`` reads of the job), and ``trace`` what its log says. A project's ``trigger``
(``token`` and the ``jobs`` a triggered pipeline runs) answers ``trigger/pipeline``. Playing a
finished job retries it as GitLab does (``Ci::PlayBuildService``): a new job with a new id,
the old one marked retried and answered as it was.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from emulators.gitlab_singles import GitLabSingles
from emulators.server import json_response
from integrations.timestamps import format_timestamp, parse_timestamp


def _when(value: object) -> datetime:
    parsed = parse_timestamp(value)
    assert parsed is not None, value
    return parsed


#: ``CommitStatus::AVAILABLE_STATUSES`` (the values ``scope[]`` takes).
STATUSES = (
    "created", "waiting_for_resource", "preparing", "waiting_for_callback", "pending",
    "running", "success", "failed", "canceling", "canceled", "skipped", "manual", "scheduled",
)  # fmt: skip
FINISHED = ("success", "failed", "canceled")


class GitLabJobs(GitLabSingles):
    """Jobs of the emulator's pipelines, their runs driven by the scenario and the clock."""

    # -- state ----------------------------------------------------------------------------

    def _jobs(self, project: dict[str, Any]) -> list[dict[str, Any]]:
        return [job for pipeline in project["pipelines"] for job in pipeline.get("jobs", [])]

    def _next_job_id(self) -> int:
        ids = [int(j["id"]) for p in self.projects.values() for j in self._jobs(p)]
        return max([9000, *ids]) + 1

    def _start(self, job: dict[str, Any], variables: list[dict[str, str]]) -> None:
        """The job is queued now: its run starts counting."""
        job["status"] = "pending"
        job["played_at"] = format_timestamp(self.clock())
        job["reads"] = 0
        job["variables"] = [dict(v) for v in variables]

    def _advance(self, job: dict[str, Any]) -> None:
        """Move a played job on by the clock and the reads since it was played."""
        if "played_at" not in job or job["status"] in FINISHED:
            return
        run = job.get("run") or {}
        elapsed = (self.clock() - _when(job["played_at"])).total_seconds()
        reads = int(job.get("reads", 0))
        ends = (
            reads >= int(run["polls"]) if "polls" in run
            else elapsed >= float(run.get("seconds", 0))
        )  # fmt: skip
        if ends:
            job["status"] = str(run.get("result", "success"))
            job["finished_at"] = format_timestamp(self.clock())
        elif elapsed > 0 or reads > 0:
            job["status"] = "running"
            job.setdefault("started_at", format_timestamp(self.clock()))

    def _read(self, job: dict[str, Any]) -> None:
        job["reads"] = int(job.get("reads", 0)) + 1
        self._advance(job)

    def _pipeline_status(self, spec: dict[str, Any]) -> str:
        """A pipeline's status from its (latest) jobs, as GitLab composes it, roughly."""
        jobs = [j for j in spec.get("jobs", []) if not j.get("retried")]
        played = any("played_at" in j for j in jobs)
        if not jobs or (spec.get("status") and not played):  # as the scenario (or a test) says
            return str(spec.get("status", "success"))
        for job in jobs:
            self._advance(job)
        statuses = {str(j.get("status", "created")) for j in jobs}
        for status in ("running", "pending", "failed", "canceled"):
            if status in statuses:
                return status
        return "success" if "success" in statuses else "manual"

    # -- records --------------------------------------------------------------------------

    def _job_json(
        self, project: dict[str, Any], pipeline: dict[str, Any], job: dict[str, Any]
    ) -> dict[str, Any]:
        """``Entities::Ci::Job`` with the fields a client reads."""
        status = str(job.get("status", "created"))
        created = format_timestamp(job.get("created_at", "2026-01-01T00:00:00Z"))
        web = f"https://gitlab.example/{project['path']}"
        return {
            "id": int(job["id"]),
            "status": status,
            "stage": str(job.get("stage", "deploy")),
            "name": str(job["name"]),
            "ref": pipeline.get("ref"),
            "tag": bool(pipeline.get("tag", True)),
            "coverage": None,
            "allow_failure": bool(job.get("allow_failure", job.get("when") == "manual")),
            "created_at": created,
            "started_at": job.get("started_at"),
            "finished_at": job.get("finished_at"),
            "erased_at": None,
            "duration": self._duration(job),
            "queued_duration": None,
            "user": {"id": 1, "username": "deploybot", "name": "deploybot"},
            "commit": {"id": pipeline.get("sha"), "short_id": str(pipeline.get("sha", ""))[:8]},
            "pipeline": {
                "id": int(pipeline["id"]), "iid": int(pipeline["id"]),
                "project_id": project["id"], "ref": pipeline.get("ref"),
                "sha": pipeline.get("sha"), "status": self._pipeline_status(pipeline),
                "source": pipeline.get("source", "push"),
            },
            "web_url": f"{web}/-/jobs/{job['id']}",
            "project": {"ci_job_token_scope_enabled": False},
            "artifacts": [],
            "runner": None,
            "archived": False,
            "tag_list": [],
            "when": str(job.get("when", "on_success")),
            "failure_reason": "script_failure" if status == "failed" else None,
        }  # fmt: skip

    def _duration(self, job: dict[str, Any]) -> float | None:
        if not job.get("started_at"):
            return None
        end = _when(job["finished_at"]) if job.get("finished_at") else self.clock()
        return (end - _when(job["started_at"])).total_seconds()

    def _find_job(
        self, project: dict[str, Any], job_id: str
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for pipeline in project["pipelines"]:
            for job in pipeline.get("jobs", []):
                if str(job["id"]) == job_id:
                    return pipeline, job
        return None

    # -- handlers -------------------------------------------------------------------------

    def h_jobs_list(self, request: Request, project_key: str) -> Response:
        """``GET /projects/:id/jobs``: newest first, ``scope[]`` checked against the statuses."""

        def handler(request: Request, project: dict[str, Any]) -> Response:
            scope = request.args.getlist("scope[]") or request.args.getlist("scope")
            if any(s not in STATUSES for s in scope):
                return json_response(
                    {"message": "400 Bad request - Scope contains invalid value(s)"}, 400
                )
            items = []
            for pipeline in project["pipelines"]:
                for job in pipeline.get("jobs", []):
                    self._advance(job)
                    if not scope or job.get("status", "created") in scope:
                        items.append(self._job_json(project, pipeline, job))
            items.sort(key=lambda j: j["id"], reverse=True)
            return self._paginated(request, items)

        return self._with_project(handler, request, project_key)

    def h_pipeline_jobs(self, request: Request, project_key: str, pipeline_id: str) -> Response:
        """``GET /projects/:id/pipelines/:pipeline_id/jobs``: without retried jobs unless
        ``include_retried``."""

        def handler(request: Request, project: dict[str, Any]) -> Response:
            pipeline = next((p for p in project["pipelines"] if str(p["id"]) == pipeline_id), None)
            if pipeline is None:
                return self._missing("Pipeline")
            retried = str(request.args.get("include_retried", "")).lower() in ("true", "1")
            jobs = [j for j in pipeline.get("jobs", []) if retried or not j.get("retried")]
            for job in jobs:
                self._read(job)
            items = [self._job_json(project, pipeline, j) for j in jobs]
            return self._paginated(request, sorted(items, key=lambda j: j["id"]))

        return self._with_project(handler, request, project_key)

    def h_pipeline_variables(
        self, request: Request, project_key: str, pipeline_id: str
    ) -> Response:
        """``GET /projects/:id/pipelines/:pipeline_id/variables``: ``[{key, value,
        variable_type}]`` (not paginated, as GitLab answers)."""

        def handler(request: Request, project: dict[str, Any]) -> Response:
            pipeline = next((p for p in project["pipelines"] if str(p["id"]) == pipeline_id), None)
            if pipeline is None:
                return self._missing("Pipeline")
            variables = dict(pipeline.get("variables") or {})
            return json_response(
                [{"key": k, "value": v, "variable_type": "env_var", "raw": False}
                 for k, v in variables.items()]
            )  # fmt: skip

        return self._with_project(handler, request, project_key)

    def h_job_show(self, request: Request, project_key: str, job_id: str) -> Response:
        """``GET /projects/:id/jobs/:job_id``: each read moves a played job on."""

        def handler(request: Request, project: dict[str, Any]) -> Response:
            found = self._find_job(project, job_id)
            if found is None:
                return self._missing("Job")  # find_build! → not_found!('Job')
            pipeline, job = found
            self._read(job)
            return json_response(self._job_json(project, pipeline, job))

        return self._with_project(handler, request, project_key)

    def h_job_trace(self, request: Request, project_key: str, job_id: str) -> Response:
        """``GET /projects/:id/jobs/:job_id/trace``: plain text, empty before the job runs."""

        def handler(request: Request, project: dict[str, Any]) -> Response:
            found = self._find_job(project, job_id)
            if found is None:
                return self._missing("Job")
            _, job = found
            self._advance(job)
            text = "" if job.get("status") in ("manual", "created", "pending") else self._trace(job)
            return Response(
                text, status=200, content_type="text/plain",
                headers={"Content-Disposition": f'infile; filename="{job["id"]}.log"'},
            )  # fmt: skip

        return self._with_project(handler, request, project_key)

    @staticmethod
    def _trace(job: dict[str, Any]) -> str:
        lines = [f"Running job {job['name']}"]
        lines += [f"{v['key']}={v['value']}" for v in job.get("variables", [])]
        lines += str(job.get("trace", "")).splitlines()
        if job.get("status") == "success":
            lines.append("Job succeeded")
        elif job.get("status") == "failed":
            lines.append("ERROR: Job failed: exit code 1")
        return "\n".join(lines) + "\n"

    def h_job_play(self, request: Request, project_key: str, job_id: str) -> Response:
        """``POST /projects/:id/jobs/:job_id/play``: 400 ``Unplayable Job`` unless the job is
        an action (``when: manual``) that waits or has finished; a finished one is retried."""

        def handler(request: Request, project: dict[str, Any]) -> Response:
            found = self._find_job(project, job_id)
            if found is None:
                return self._missing("Job")
            pipeline, job = found
            self._advance(job)
            status = str(job.get("status", "created"))
            playable = job.get("when") == "manual" and not job.get("retried")
            if not playable or status not in ("manual", "scheduled", *FINISHED):
                return json_response({"message": "400 Bad request - Unplayable Job"}, 400)
            variables, problem = _job_variables(request)
            if problem:
                return json_response({"error": problem}, 400)
            answer = self._job_json(project, pipeline, job)
            if status in FINISHED:  # RetryJobService: a new job; the old one is answered
                job["retried"] = True
                clone = {k: job[k] for k in ("name", "stage", "when", "run", "trace") if k in job}
                clone["id"] = self._next_job_id()
                clone["created_at"] = format_timestamp(self.clock())
                pipeline["jobs"].append(clone)
                self._start(clone, variables)
                return json_response(answer)
            self._start(job, variables)
            return json_response(self._job_json(project, pipeline, job))

        return self._with_project(handler, request, project_key)

    def authorized(self, request: Request) -> bool:
        """The trigger route is authenticated by its trigger token, not an API token."""
        name, _ = self.resolve(request.environ)
        return name == "trigger_pipeline" or super().authorized(request)

    def h_variables(self, request: Request, project_key: str) -> Response:
        """``GET``/``POST /projects/:id/variables``: a project's CI/CD variables; a second
        variable with one key is a 400, as is a masked value ``Ci::Maskable`` refuses."""

        def handler(request: Request, project: dict[str, Any]) -> Response:
            if request.method != "POST":
                return self._paginated(request, [dict(v) for v in project["variables"]])
            body = _form(request)
            key, value = str(body.get("key") or ""), str(body.get("value") or "")
            masked = str(body.get("masked", "false")).lower() in ("true", "1")
            if not key:
                return json_response({"error": "key is missing"}, 400)
            if any(v["key"] == key for v in project["variables"]):
                problem = {"key": [f"({key}) has already been taken"]}
                return json_response({"message": problem}, 400)
            if masked and not MASKABLE.match(value):
                return json_response({"message": {"value": ["is invalid"]}}, 400)
            variable = {
                "key": key, "value": value, "masked": masked, "variable_type": "env_var",
                "protected": str(body.get("protected", "false")).lower() in ("true", "1"),
                "raw": False, "environment_scope": "*", "description": None, "hidden": False,
            }  # fmt: skip
            project["variables"].append(variable)
            return json_response(variable, 201)

        return self._with_project(handler, request, project_key)

    def h_trigger_pipeline(self, request: Request, project_key: str, ref: str = "") -> Response:
        """``POST /projects/:id/trigger/pipeline``: authenticated by the trigger ``token``
        (no API token needed; an unknown token is GitLab's 404), ``variables`` a map of
        strings; a new pipeline whose ``trigger.jobs`` start at once. 201 with the pipeline."""
        body = _form(request)
        project = self.find_project(project_key)
        trigger = (project or {}).get("trigger") or {}
        ref = ref or str(body.get("ref") or "")
        if not ref:
            return json_response({"error": "ref is missing, ref is empty"}, 400)
        if not body.get("token"):
            return json_response({"error": "token is missing"}, 400)
        variables = body.get("variables") or {}
        if not isinstance(variables, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
        ):
            return json_response(
                {"message": "variables needs to be a map of key-valued strings"}, 400
            )
        if project is None or str(body["token"]) != str(trigger.get("token", "")):
            return json_response({"message": "404 Not Found"}, 404)
        return self._triggered(project, ref, variables, trigger)

    def _triggered(
        self, project: dict[str, Any], ref: str, variables: dict[str, str], trigger: dict[str, Any]
    ) -> Response:
        pipeline_id = max([1000, *(int(p["id"]) for p in project["pipelines"])]) + 1
        now = format_timestamp(self.clock())
        pipeline: dict[str, Any] = {
            "id": pipeline_id, "ref": ref, "sha": project["commits"][-1]["sha"]
            if project["commits"] else "", "source": "trigger", "tag": False,
            "variables": dict(variables), "jobs": [], "created_at": now,
        }  # fmt: skip
        project["pipelines"].append(pipeline)
        pairs = [{"key": k, "value": v} for k, v in variables.items()]
        for spec in trigger.get("jobs", []):
            job = {**spec, "id": self._next_job_id(), "created_at": now, "when": "on_success"}
            pipeline["jobs"].append(job)
            self._start(job, pairs)
        record = self._pipeline_json(project, pipeline)
        record["source"] = "trigger"
        return json_response(record, 201)


#: ``Ci::Maskable::REGEX``: what a masked variable's value may be.
MASKABLE = re.compile(r"\A[a-zA-Z0-9_+=/@:.~-]{8,}\Z")


def _form(request: Request) -> dict[str, Any]:
    """The body as JSON, or a form whose ``variables[KEY]`` fields make a map."""
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    fields: dict[str, Any] = {}
    variables: dict[str, str] = {}
    for key, value in request.form.items(multi=True):
        if key.startswith("variables[") and key.endswith("]"):
            variables[key[len("variables[") : -1]] = value
        else:
            fields[key] = value
    if variables:
        fields["variables"] = variables
    return fields


def _job_variables(request: Request) -> tuple[list[dict[str, str]], str]:
    """``job_variables_attributes``: a list of ``{key, value}`` strings (Grape's ``requires``)."""
    body = _form(request) if request.is_json else {}
    items = body.get("job_variables_attributes", [])
    if not isinstance(items, list):
        return [], "job_variables_attributes is invalid"
    out = []
    for item in items:
        if not isinstance(item, dict) or "key" not in item:
            return [], "job_variables_attributes[key] is missing"
        if "value" not in item:
            return [], "job_variables_attributes[value] is missing"
        out.append({"key": str(item["key"]), "value": str(item["value"])})
    return out, ""
