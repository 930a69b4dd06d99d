"""GitLab CI jobs through python-gitlab: find a manual job in the newest pipeline of a ref,
play it with variables, trigger a pipeline, follow a job or a triggered pipeline, read the
tail of a job's trace (never more than :data:`TRACE_CAP` bytes of it).

Shares the :class:`~integrations.gitlab.GitLabClient`'s session (its retry policy, timeout and
token). Errors are :class:`~integrations.gitlab.GitLabError`; a 400 or 404 on a play or a
trigger is permanent (retrying cannot help).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gitlab

from integrations.gitlab import GitLabClient, GitLabError, _typed_errors

#: How much of a job's trace is read for its last lines (GitLab sends it whole).
TRACE_CAP = 256 * 1024
#: How many of a ref's newest pipelines are looked at for a job.
PIPELINES_LOOKED_AT = 20
#: The variable that marks a triggered pipeline with the key of the effect that triggered it.
KEY_VARIABLE = "DEPLOYBOT_KEY"


@dataclass(frozen=True)
class Job:
    """A job as deploybot follows it."""

    id: int
    name: str
    status: str
    pipeline_id: int
    web_url: str


class JobPlayError(GitLabError):
    """GitLab refused to play a job or trigger a pipeline (not playable, no such token)."""

    permanent = True


class GitLabJobs:
    """Plays and follows jobs on the GitLab a :class:`GitLabClient` talks to."""

    def __init__(self, client: GitLabClient) -> None:
        self.gl = client.gl

    def __repr__(self) -> str:
        return f"GitLabJobs({self.gl.url!r})"

    def _project(self, path: str) -> Any:
        return self.gl.projects.get(path, lazy=True)

    @_typed_errors
    def find(self, project: str, ref: str, name: str) -> Job | None:
        """The job ``name`` of the newest pipeline of ``ref`` that has it (among the newest
        :data:`PIPELINES_LOOKED_AT`: a triggered pipeline on a branch has other jobs)."""
        pipelines = self._project(project).pipelines.list(
            ref=ref, order_by="id", sort="desc", per_page=PIPELINES_LOOKED_AT, get_all=False
        )
        for pipeline in pipelines:
            found = self.newest(project, int(pipeline.id), name)
            if found is not None:
                return found
        return None

    @_typed_errors
    def newest(self, project: str, pipeline_id: int, name: str) -> Job | None:
        """The newest run of job ``name`` in a pipeline (a retry is a new job)."""
        pipeline = self._project(project).pipelines.get(pipeline_id, lazy=True)
        jobs = [j for j in pipeline.jobs.list(get_all=True) if j.name == name]
        return _job(max(jobs, key=lambda j: int(j.id))) if jobs else None

    @_typed_errors
    def job(self, project: str, job_id: int) -> Job:
        """One job as it is now."""
        return _job(self._project(project).jobs.get(job_id))

    @_typed_errors
    def play(self, project: str, job_id: int, variables: Sequence[tuple[str, str]]) -> None:
        """Play a manual job (or retry a finished one) with ``variables``."""
        job = self._project(project).jobs.get(job_id, lazy=True)
        attributes = [{"key": key, "value": value} for key, value in variables]
        try:
            job.play(post_data={"job_variables_attributes": attributes})
        except gitlab.GitlabJobPlayError as exc:
            if exc.response_code in (400, 403, 404):
                raise JobPlayError(f"{exc.response_code} {exc.error_message}") from exc
            raise

    @_typed_errors
    def trigger(
        self, project: str, ref: str, token: str, variables: Sequence[tuple[str, str]], key: str
    ) -> int:
        """Trigger a pipeline on ``ref``, marked with ``key``; its id."""
        values = dict(variables) | {KEY_VARIABLE: key}
        try:
            pipeline = self._project(project).trigger_pipeline(ref, token, variables=values)
        except gitlab.GitlabCreateError as exc:
            if exc.response_code in (400, 401, 403, 404):
                raise JobPlayError(f"{exc.response_code} {exc.error_message}") from exc
            raise
        return int(pipeline.id)

    @_typed_errors
    def triggered(self, project: str, ref: str, key: str) -> tuple[int, str, str] | None:
        """The pipeline triggered on ``ref`` with ``key`` (id, status, link), if any: the
        newest triggered pipelines are read with their variables."""
        p = self._project(project)
        for pipeline in p.pipelines.list(ref=ref, source="trigger", per_page=20, get_all=False):
            found = {v.key: v.value for v in pipeline.variables.list(get_all=True)}
            if found.get(KEY_VARIABLE) == key:
                return int(pipeline.id), str(pipeline.status), str(pipeline.web_url)
        return None

    @_typed_errors
    def trace(self, project: str, job_id: int) -> str:
        """The end of a job's trace (at most :data:`TRACE_CAP` bytes of it)."""
        job = self._project(project).jobs.get(job_id, lazy=True)
        chunks: list[bytes] = []
        size = 0

        def keep(chunk: bytes) -> None:
            nonlocal size
            chunks.append(chunk)
            size += len(chunk)
            while size - len(chunks[0]) > TRACE_CAP:
                size -= len(chunks.pop(0))

        job.trace(streamed=True, action=keep, chunk_size=16 * 1024)
        return b"".join(chunks)[-TRACE_CAP:].decode("utf-8", "replace")


def _job(data: Any) -> Job:
    pipeline = getattr(data, "pipeline", None) or {}
    return Job(int(data.id), str(data.name), str(data.status), int(pipeline.get("id", 0)),
               str(getattr(data, "web_url", "")))  # fmt: skip
