"""The facts the prerequisite checks judge, gathered by the shell from Zammad, GitLab and
deploybot's own records; and the check codes, in the order they are reported."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.config.models import Customer
from bot.domain.problems import Problem

#: The checks judged per component version, from the component's GitLab facts.
COMPONENT_CHECKS = (
    "release_exists",
    "release_is_latest",
    "pipeline_succeeded",
    "on_default_branch",
    "artifact_published",
    "validated_in_test",
)
#: Every check, in the order the report lists them.
CHECK_CODES = (
    "customer_known",
    "handled_by_us",
    "environment_productive",
    "components_identified",
    *COMPONENT_CHECKS,
    "customer_validated",
    "rollback_ready",
    "parties_identified",
)
#: The checks that depend on the release list (each component check, and the rollback target).
RELEASE_LIST_CHECKS = (*COMPONENT_CHECKS, "rollback_ready")


@dataclass(frozen=True)
class Link:
    """A link shown next to a check: the GitLab release, pipeline, deployment, the ticket."""

    label: str
    url: str


@dataclass(frozen=True)
class TicketFacts:
    """What Zammad says about one ticket of the request."""

    id: int
    number: str
    title: str
    organization: str | None
    tags: tuple[str, ...] = ()
    tag_authors: Mapping[str, str] = field(default_factory=dict)
    rollback_plan: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ComponentFacts:
    """What GitLab says about one component version. ``errors`` maps a check code to the
    reason GitLab could not answer it."""

    component: str
    project: str
    version: str
    project_url: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)
    release_found: bool = False
    upcoming: bool = False
    release_url: str | None = None
    tag: str | None = None
    commit_sha: str | None = None
    latest_version: str | None = None
    latest_released_at: datetime | None = None
    latest_url: str | None = None
    pipeline_id: int | None = None
    pipeline_status: str | None = None
    pipeline_url: str | None = None
    default_branch: str | None = None
    on_default_branch: bool | None = None
    artifact_kind: Literal["release_link", "package"] = "release_link"
    package_name: str | None = None
    artifact_published: bool | None = None
    validation: Literal["deployment", "manual"] = "deployment"
    test_environments: tuple[str, ...] = ()
    test_deployment_id: int | None = None
    test_deployment_environment: str | None = None
    test_deployment_at: datetime | None = None
    previous_version: str | None = None


@dataclass(frozen=True)
class CustomerMatch:
    """Which configured customer the tickets belong to, or why none can be named."""

    customer: Customer | None
    problem: Problem | None


@dataclass(frozen=True)
class Facts:
    """Everything the checks need, gathered from Zammad, GitLab and deploybot's own records."""

    tickets: tuple[TicketFacts, ...]
    missing_tickets: tuple[str, ...] = ()
    environment: str | None = None
    components: tuple[ComponentFacts, ...] = ()
    components_source: Literal["explicit", "derived"] = "derived"
    unknown_components: tuple[str, ...] = ()
    component_problems: tuple[str, ...] = ()
    deployed_versions: Mapping[str, str] = field(default_factory=dict)
    customer: str | None = None
    asserted_tags: tuple[str, ...] = ()
    asserted_rollback_plan: str | None = None
    derivation_unanswered: bool = False
    #: The customer the tickets were matched to when they were gathered (matched once).
    matched: CustomerMatch | None = None

    @property
    def gitlab_unanswered(self) -> bool:
        """Whether GitLab failed to answer a question these facts needed (an outage, not a
        failed prerequisite)."""
        return self.derivation_unanswered or any(c.errors for c in self.components)

    def tagged(self, tag: str) -> list[str]:
        """The tickets carrying ``tag`` (an operator's assertion counts as "request")."""
        found = [ticket.number for ticket in self.tickets if tag in ticket.tags]
        return [*found, "request"] if tag in self.asserted_tags else found
