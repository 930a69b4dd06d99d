"""Gathering the facts the prerequisite checks judge, from Zammad and GitLab.

Each component version is looked up once per cycle (``GitLabClient.cycle()`` keeps each
project's release list for the cycle). A GitLab error never stops the gathering: it is recorded
against the checks it affects, which then fail with "GitLab did not answer: …".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from bot.config.models import Component, Config, Customer
from bot.domain.commands import CommandError, find_commands, parse_components
from bot.domain.prerequisites.checks import (
    CHECK_CODES,
    ComponentFacts,
    Facts,
    TicketFacts,
    match_customer,
    ticket_number_matches,
)
from bot.domain.texts.prerequisites import say
from integrations.gitlab import GitLabClient, GitLabError, Release
from integrations.zammad import Ticket, ZammadClient

T = TypeVar("T")

#: How many of a component's newest releases are searched for ticket references.
DERIVE_LOOK_BACK = 10


@dataclass(frozen=True)
class DeploymentRequest:
    """What is asked: tickets (by number), optionally an environment and explicit components."""

    ticket_numbers: tuple[str, ...]
    environment: str | None = None
    components: tuple[tuple[str, str], ...] | None = None
    customer: str | None = None
    asserted_tags: tuple[str, ...] = ()
    rollback_plan: str | None = None


def _release_for(releases: Sequence[Release], version: str) -> Release | None:
    for release in releases:
        if release.tag_name == version or release.tag_name.removeprefix("v") == version:
            return release
    return None


def _web_url(base: str, project: str, suffix: str) -> str:
    return f"{base.rstrip('/')}/{project}/-/{suffix}"


class FactGatherer:
    """Reads tickets from Zammad and component facts from GitLab for one request."""

    def __init__(self, config: Config, zammad: ZammadClient, gitlab: GitLabClient) -> None:
        self.config = config
        self.zammad = zammad
        self.gitlab = gitlab
        self._organizations: dict[int, str | None] = {}
        self._components: dict[tuple[str, str, str], ComponentFacts] = {}

    # -- tickets --------------------------------------------------------------------------

    def _organization(self, organization_id: int | None) -> str | None:
        if organization_id is None:
            return None
        if organization_id not in self._organizations:
            self._organizations[organization_id] = self.zammad.organization(organization_id).name
        return self._organizations[organization_id]

    def ticket_facts(self, ticket: Ticket) -> tuple[TicketFacts, str | None]:
        """A ticket's facts and the latest ``/deploy components`` argument of its notes."""
        tags = self.config.zammad.tags
        rollback_plan = None
        components = None
        for article in self.zammad.articles(ticket.id):
            if not article.internal or (article.sender or "Agent") != "Agent":
                continue
            for command in find_commands(article.body):
                if command.name == "rollback-plan" and command.args:
                    rollback_plan = command.args
                elif command.name == "components" and command.args:
                    components = command.args
        authors: dict[str, str] = {}
        if tags.risk_accepted in ticket.tags:
            for change in self.zammad.tag_history(ticket.id):
                if change.added and change.tag == tags.risk_accepted and change.by:
                    authors[change.tag] = change.by
        base = self.zammad.web_url
        facts = TicketFacts(
            id=ticket.id,
            number=ticket.number,
            title=ticket.title,
            organization=self._organization(ticket.organization_id),
            tags=ticket.tags,
            tag_authors=authors,
            rollback_plan=rollback_plan,
            url=f"{base}/#ticket/zoom/{ticket.id}" if base else None,
        )
        return facts, components

    # -- components -----------------------------------------------------------------------

    def _ask(
        self, errors: dict[str, str], codes: Sequence[str], question: Callable[[], T]
    ) -> T | None:
        try:
            return question()
        except GitLabError as error:
            reason = str(error).removeprefix("GitLab did not answer: ")
            for code in codes:
                errors.setdefault(code, reason)
            return None

    def component_facts(self, name: str, component: Component, version: str) -> ComponentFacts:
        """Every GitLab fact about one component version (remembered for this gatherer)."""
        key = (name, component.gitlab_project, version)
        if key not in self._components:
            self._components[key] = self._lookup(name, component, version)
        return self._components[key]

    def _lookup(self, name: str, component: Component, version: str) -> ComponentFacts:
        project = component.gitlab_project
        gitlab = self.gitlab
        errors: dict[str, str] = {}
        # The per-component checks (release_exists … validated_in_test) and the rollback
        # target all depend on the release list.
        every = (*CHECK_CODES[4:10], "rollback_ready")
        facts: dict[str, Any] = {
            "component": name,
            "project": project,
            "version": version,
            "project_url": f"{self.config.gitlab.url.rstrip('/')}/{project}",
            "artifact_kind": component.artifact,
            "package_name": component.package_name,
            "validation": component.validation,
        }
        releases = self._ask(errors, every, lambda: gitlab.releases(project))
        release = _release_for(releases or [], version)
        if release is None:
            return ComponentFacts(**facts, errors=errors)
        latest = self._ask(errors, ["release_is_latest"], lambda: gitlab.latest_release(project))
        previous = self._ask(
            errors, ["rollback_ready"], lambda: gitlab.previous_release(project, release.tag_name)
        )
        sha = release.commit_sha
        facts.update(
            release_found=True,
            upcoming=release.upcoming,
            tag=release.tag_name,
            release_url=release.web_url
            or _web_url(self.config.gitlab.url, project, f"releases/{release.tag_name}"),
            commit_sha=sha,
            latest_version=latest.tag_name if latest else None,
            latest_released_at=latest.released_at if latest else None,
            latest_url=latest.web_url if latest else None,
            previous_version=previous.tag_name if previous else None,
        )
        pipeline = self._ask(
            errors,
            ["pipeline_succeeded"],
            lambda: gitlab.pipeline_for(project, release.tag_name, sha),
        )
        if pipeline is not None:
            facts.update(
                pipeline_id=pipeline.id,
                pipeline_status=pipeline.status,
                pipeline_url=pipeline.web_url,
            )
        facts["default_branch"] = self._ask(
            errors, ["on_default_branch"], lambda: gitlab.default_branch(project)
        )
        if sha:
            facts["on_default_branch"] = self._ask(
                errors, ["on_default_branch"], lambda: gitlab.on_default_branch(project, sha)
            )
        facts["artifact_published"] = self._ask(
            errors,
            ["artifact_published"],
            lambda: gitlab.artifact_published(
                project,
                release,
                package_name=(component.package_name or name)
                if component.artifact == "package"
                else None,
            ),
        )
        if component.validation == "deployment":
            wanted = component.test_environment
            facts["test_environments"] = tuple(
                self._ask(
                    errors, ["validated_in_test"], lambda: gitlab.test_environments(project, wanted)
                )
                or ()
            )
            deployment = (
                self._ask(
                    errors,
                    ["validated_in_test"],
                    lambda: gitlab.test_deployment_of(project, sha, wanted),
                )
                if sha
                else None
            )
            if deployment is not None:
                facts.update(
                    test_deployment_id=deployment.id,
                    test_deployment_environment=deployment.environment,
                    test_deployment_at=deployment.finished_at,
                )
        return ComponentFacts(**facts, errors=errors)

    def derive_components(
        self, customer: Customer, numbers: Sequence[str]
    ) -> tuple[list[tuple[str, str]], list[str]]:
        """For each component of the customer, the newest production release that references
        one of the tickets; and the GitLab problems met on the way."""
        found: list[tuple[str, str]] = []
        problems: list[str] = []
        for name, component in customer.components.items():
            project = component.gitlab_project
            try:
                releases = self.gitlab.production_releases(project)
                for release in list(reversed(releases))[:DERIVE_LOOK_BACK]:
                    references = self.gitlab.ticket_references(project, release.tag_name)
                    if any(ticket_number_matches(r, n) for r in references for n in numbers):
                        found.append((name, release.tag_name))
                        break
            except GitLabError as error:
                reason = str(error).removeprefix("GitLab did not answer: ")
                language = self.config.provider.language
                problems.append(say(language, "gitlab_down", component=name, error=reason))
        return found, problems

    # -- the whole request ----------------------------------------------------------------

    def gather(
        self, request: DeploymentRequest, *, deployed_versions: Mapping[str, str] | None = None
    ) -> Facts:
        """Every fact of a request. Zammad errors propagate: without tickets there is nothing to
        check. GitLab errors are recorded against the checks they affect."""
        tickets: list[TicketFacts] = []
        missing: list[str] = []
        noted: str | None = None
        for number in request.ticket_numbers:
            ticket = self.zammad.ticket_by_number(number)
            if ticket is None:
                missing.append(number)
                continue
            facts, noted_here = self.ticket_facts(ticket)
            tickets.append(facts)
            noted = noted_here or noted
        base = Facts(
            tickets=tuple(tickets),
            missing_tickets=tuple(missing),
            environment=request.environment,
            deployed_versions=dict(deployed_versions or {}),
            customer=request.customer,
            asserted_tags=request.asserted_tags,
            asserted_rollback_plan=request.rollback_plan,
        )
        match = match_customer(base.tickets, self.config, self.config.provider.language)
        customer = match.customer
        if not tickets and request.customer is not None:
            customer = self.config.customer(request.customer)
        if customer is None or customer.managed_by == "partner_exclusive" or missing:
            return base
        problems: list[str] = []
        wanted: Sequence[tuple[str, str]] | None = request.components
        source = "explicit"
        if wanted is None and noted:
            try:
                wanted = parse_components(noted)
            except CommandError as error:
                problems.append(f"/deploy components {noted}: {error}")
                wanted = ()
        with self.gitlab.cycle():
            if wanted is None:
                source = "derived"
                wanted, problems = self.derive_components(customer, [t.number for t in tickets])
            unknown = [name for name, _ in wanted if name not in customer.components]
            components = tuple(
                self.component_facts(name, customer.components[name], version)
                for name, version in wanted
                if name in customer.components
            )
        return replace(
            base,
            components=components,
            components_source="explicit" if source == "explicit" else "derived",
            unknown_components=tuple(unknown),
            component_problems=tuple(problems),
        )
