"""Step 3 carried out, as configuration: the GitLab jobs that put a customer's console into
maintenance and take it out, deploy each component (a manual job in the pipeline of the
release's tag, or a triggered pipeline) and restart what must be restarted.

Variables may hold ``{environment}``, ``{deployment}``, ``{version}`` (the component's own
version) and ``{version:NAME}`` (the version of component NAME being deployed). Trigger tokens
are named by ``token_env`` only, never written in the file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator, model_validator

from bot.config.base import Duration, StrictModel

#: The placeholders a variable may hold (``{version:NAME}`` is checked against the components).
PLACEHOLDER = re.compile(r"\{(?P<name>[a-z_]+)(?::(?P<component>[A-Za-z0-9][\w.-]*))?\}")
_KNOWN = ("environment", "deployment", "version")
DEFAULT_TIMEOUT = timedelta(minutes=30)


def _checked_variables(value: dict[str, str]) -> dict[str, str]:
    for key, text in value.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"'{key}' is not a CI/CD variable name (letters, digits and _)")
        for match in PLACEHOLDER.finditer(text):
            if match["name"] not in _KNOWN:
                known = ", ".join("{" + name + "}" for name in _KNOWN)
                raise ValueError(f"{key}: {match.group(0)} is not a placeholder (known: {known})")
    return value


Variables = Annotated[dict[str, str], AfterValidator(_checked_variables)]


class JobStep(StrictModel):
    """A manual job played through the API (``POST /projects/:id/jobs/:job_id/play``)."""

    job: str = Field(min_length=1, description="The name of the manual job in the pipeline.")
    project: str | None = Field(
        None, min_length=1,
        description="The GitLab project (path) whose pipeline has the job; a deploy step's "
        "default is its component's project.",
    )  # fmt: skip
    ref: str | None = Field(
        None, min_length=1,
        description="The ref whose newest pipeline has the job; a deploy step's default is the "
        "release's tag, otherwise the project's default branch.",
    )  # fmt: skip
    variables: Variables = Field(
        default_factory=dict,
        description="Variables the job is played with (job_variables_attributes).",
    )
    timeout: Duration | None = Field(
        None, description="How long the job may take before it holds the deployment "
        "(default: step3.timeout).",
    )  # fmt: skip


class TriggerStep(StrictModel):
    """A pipeline triggered with a trigger token (``POST /projects/:id/trigger/pipeline``)."""

    project: str = Field(min_length=1, description="The GitLab project (path) to trigger.")
    ref: str = Field(min_length=1, description="The branch or tag the pipeline runs on.")
    variables: Variables = Field(
        default_factory=dict, description="Variables passed to the triggered pipeline."
    )
    token_env: str = Field(
        "GITLAB_TRIGGER_TOKEN", min_length=1,
        description="The environment variable holding the project's pipeline trigger token.",
    )  # fmt: skip
    timeout: Duration | None = Field(
        None, description="How long the pipeline may take (default: step3.timeout)."
    )


class DeployStep(StrictModel):
    """How one component is deployed: a manual job of its release's pipeline, or a trigger."""

    component: str = Field(min_length=1, description="The component (a key of components).")
    job: str | None = Field(
        None, min_length=1,
        description="The manual job in the pipeline of the release's tag (default: "
        "step3.default_job, unless a trigger is given).",
    )  # fmt: skip
    project: str | None = Field(
        None, min_length=1,
        description="The project whose pipeline has the job (default: the component's).",
    )  # fmt: skip
    variables: Variables = Field(
        default_factory=dict, description="Variables the job is played with."
    )
    trigger: TriggerStep | None = Field(
        None, description="Trigger this pipeline instead of playing a job."
    )
    timeout: Duration | None = Field(
        None, description="How long the job may take (default: step3.timeout)."
    )

    @model_validator(mode="after")
    def _job_or_trigger(self) -> DeployStep:
        if self.job is not None and self.trigger is not None:
            raise ValueError(f"deploy of '{self.component}': give job or trigger, not both")
        return self


class Maintenance(StrictModel):
    """The jobs that put the console into maintenance mode and take it out."""

    on: JobStep = Field(description="Played before the first deploy job.")
    off: JobStep = Field(
        description="Played after the checks, and on every way out (rollback, cancel, force)."
    )

    @model_validator(mode="before")
    @classmethod
    def _yaml_11_keys(cls, data: Any) -> Any:
        # YAML 1.1 tools (PyYAML's safe_load and safe_dump) read and write `on:`/`off:` as the
        # booleans true/false: a file that went through one still means maintenance on and off.
        if isinstance(data, dict):
            names = {True: "on", False: "off"}
            return {names.get(key, key) if isinstance(key, bool) else key: value
                    for key, value in data.items()}  # fmt: skip
        return data


class Step3Jobs(StrictModel):
    """Step 3 carried out by deploybot through the customer's GitLab jobs."""

    maintenance: Maintenance | None = Field(
        None, description="Maintenance mode on and off, each a job (none: no maintenance step)."
    )
    deploy: list[DeployStep] = Field(
        default_factory=list,
        description="The components' deploy jobs in this order (default: every component of "
        "the deployment, in configuration order, with default_job).",
    )
    default_job: str = Field(
        "deploy-production", min_length=1,
        description="The manual job of a component's release pipeline when deploy names none.",
    )  # fmt: skip
    restart: JobStep | None = Field(
        None, description="The job that restarts what must be restarted, after the deploy jobs."
    )
    auto_done: bool = Field(
        False, description="Close the deployment by itself (done) when every job and check "
        "passes; otherwise a note asks the engineer to confirm.",
    )  # fmt: skip
    timeout: Duration = Field(
        DEFAULT_TIMEOUT, description="How long one job may take before it holds the deployment."
    )

    @field_validator("timeout")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("a job's timeout is more than 0 (like 30m)")
        return value

    @model_validator(mode="after")
    def _jobs_name_their_project(self) -> Step3Jobs:
        named = {"restart": self.restart}
        if self.maintenance is not None:
            named["maintenance.on"] = self.maintenance.on
            named["maintenance.off"] = self.maintenance.off
        for where, step in named.items():
            if step is not None and step.project is None:
                raise ValueError(f"{where}: give the project whose pipeline has job '{step.job}'")
        return self

    @model_validator(mode="after")
    def _components_once(self) -> Step3Jobs:
        seen: set[str] = set()
        for step in self.deploy:
            if step.component in seen:
                raise ValueError(f"deploy names '{step.component}' twice")
            seen.add(step.component)
        return self

    def unknown_components(self, components: list[str]) -> list[str]:
        """The components named by deploy steps or ``{version:NAME}`` that are not in
        ``components`` — each a configuration error."""
        named = [step.component for step in self.deploy]
        for variables in self._all_variables():
            for text in variables.values():
                named += [m["component"] for m in PLACEHOLDER.finditer(text) if m["component"]]
        return [name for name in dict.fromkeys(named) if name not in components]

    def _all_variables(self) -> list[dict[str, str]]:
        steps: list[JobStep | DeployStep | TriggerStep] = [*self.deploy]
        steps += [s.trigger for s in self.deploy if s.trigger is not None]
        if self.maintenance is not None:
            steps += [self.maintenance.on, self.maintenance.off]
        if self.restart is not None:
            steps.append(self.restart)
        return [step.variables for step in steps]
