"""Gathering the facts the prerequisite checks judge, from Zammad and GitLab.

Each component version is looked up once per cycle (``GitLabClient.cycle()`` keeps each
project's release list for the cycle). A GitLab error never stops the gathering: it is recorded
against the checks it affects, which then fail with "GitLab did not answer: …".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Literal, TypeVar

from bot.app.outside import GitLabPort, ZammadReads
from bot.config.models import Component, Config, Customer
from bot.domain.commands import (
    Command,
    CommandError,
    RawCommand,
    SetComponents,
    SetRollbackPlan,
    parse_command,
)
from bot.domain.prerequisites.checks import match_customer, ticket_number_matches
from bot.domain.prerequisites.facts import (
    RELEASE_LIST_CHECKS,
    ComponentFacts,
    CustomerMatch,
    Facts,
    TicketFacts,
)
from bot.domain.request_plan import choose_components
from bot.domain.texts import say
from integrations.gitlab import GitLabError, Release
from integrations.zammad import Ticket

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
    #: The customer the tagged tickets were matched to, when the request was routed to it.
    matched: CustomerMatch | None = None


def _release_for(releases: Sequence[Release], version: str) -> Release | None:
    for release in releases:
        if release.tag_name == version or release.tag_name.removeprefix("v") == version:
            return release
    return None


def _web_url(base: str, project: str, suffix: str) -> str:
    return f"{base.rstrip('/')}/{project}/-/{suffix}"


#: A ticket as it stands: the same id, change time and tags read the same facts.
_TicketKey = tuple[int, "datetime | None", tuple[str, ...]]


class FactGatherer:
    """Reads tickets from Zammad and component facts from GitLab for one request."""

    def __init__(self, config: Config, zammad: ZammadReads, gitlab: GitLabPort) -> None:
        self.config = config
        self.zammad = zammad
        self.gitlab = gitlab
        self._components: dict[tuple[str, str, str], ComponentFacts] = {}
        self._tickets: dict[_TicketKey, tuple[TicketFacts, str | None]] = {}

    # -- tickets --------------------------------------------------------------------------

    def _organization(self, organization_id: int | None) -> str | None:
        if organization_id is None:
            return None
        return self.zammad.organization(organization_id).name

    def ticket_facts(self, ticket: Ticket) -> tuple[TicketFacts, str | None]:
        """A ticket's facts and the latest ``/deploy components`` argument of its notes, read
        once per ticket as it stands (the request's customer is matched from the same facts
        its report is built from)."""
        key = (ticket.id, ticket.updated_at, tuple(ticket.tags))
        known = self._tickets.get(key)
        if known is None:
            known = self._tickets[key] = self._read_ticket(ticket)
        return known

    def _read_ticket(self, ticket: Ticket) -> tuple[TicketFacts, str | None]:
        """A ticket's facts and the last ``/deploy components`` argument of its notes, from the
        commands this cycle's poll found in them (``ZammadReads.commands``)."""
        commands = [raw for found in self.zammad.commands(ticket.id).values() for raw in found]
        rollback_plan, components = _noted(commands, self.config.provider.tz)
        base = self.zammad.web_url
        facts = TicketFacts(
            id=ticket.id,
            number=ticket.number,
            title=ticket.title,
            organization=self._organization(ticket.organization_id),
            tags=ticket.tags,
            tag_authors=self._tag_authors(ticket),
            rollback_plan=rollback_plan,
            url=f"{base}/#ticket/zoom/{ticket.id}" if base else None,
        )
        return facts, components

    def _tag_authors(self, ticket: Ticket) -> dict[str, str]:
        """Who added the ticket's ``risk-accepted`` tag (the report names them), from its
        history; nobody when it does not carry the tag."""
        risk_accepted = self.config.zammad.tags.risk_accepted
        if risk_accepted not in ticket.tags:
            return {}
        change = self.zammad.tagged_by(ticket.id, risk_accepted)
        return {change.tag: change.by} if change is not None and change.by else {}

    # -- components -----------------------------------------------------------------------

    def _ask(
        self, errors: dict[str, str], codes: Sequence[str], question: Callable[[], T]
    ) -> T | None:
        try:
            return question()
        except GitLabError as error:
            for code in codes:
                errors.setdefault(code, error.reason)
            return None

    def component_facts(self, name: str, component: Component, version: str) -> ComponentFacts:
        """Every GitLab fact about one component version (remembered for this gatherer)."""
        key = (name, component.gitlab_project, version)
        if key not in self._components:
            self._components[key] = self._lookup(name, component, version)
        return self._components[key]

    def _lookup(self, name: str, component: Component, version: str) -> ComponentFacts:
        project = component.gitlab_project
        errors: dict[str, str] = {}
        facts = ComponentFacts(
            component=name,
            project=project,
            version=version,
            project_url=f"{self.config.gitlab.url.rstrip('/')}/{project}",
            artifact_kind=component.artifact,
            package_name=component.package_name,
            validation=component.validation,
        )
        releases = self._ask(errors, RELEASE_LIST_CHECKS, lambda: self.gitlab.releases(project))
        release = _release_for(releases or [], version)
        if release is not None:
            facts = self._release_facts(facts, release, errors)
            facts = self._pipeline_and_branch(facts, release, errors)
            facts = self._artifact_and_test(facts, component, release, errors)
        return replace(facts, errors=errors)

    def _release_facts(
        self, facts: ComponentFacts, release: Release, errors: dict[str, str]
    ) -> ComponentFacts:
        project = facts.project
        latest = self._ask(
            errors, ["release_is_latest"], lambda: self.gitlab.latest_release(project)
        )
        previous = self._ask(
            errors,
            ["rollback_ready"],
            lambda: self.gitlab.previous_release(project, release.tag_name),
        )
        return replace(
            facts,
            release_found=True,
            upcoming=release.upcoming,
            tag=release.tag_name,
            release_url=release.web_url
            or _web_url(self.config.gitlab.url, project, f"releases/{release.tag_name}"),
            commit_sha=release.commit_sha,
            latest_version=latest.tag_name if latest else None,
            latest_released_at=latest.released_at if latest else None,
            latest_url=latest.web_url if latest else None,
            previous_version=previous.tag_name if previous else None,
        )

    def _pipeline_and_branch(
        self, facts: ComponentFacts, release: Release, errors: dict[str, str]
    ) -> ComponentFacts:
        project, sha = facts.project, release.commit_sha
        pipeline = self._ask(
            errors,
            ["pipeline_succeeded"],
            lambda: self.gitlab.pipeline_for(project, release.tag_name, sha),
        )
        if pipeline is not None:
            facts = replace(
                facts,
                pipeline_id=pipeline.id,
                pipeline_status=pipeline.status,
                pipeline_url=pipeline.web_url,
            )
        branch = self._ask(
            errors, ["on_default_branch"], lambda: self.gitlab.default_branch(project)
        )
        on_branch = (
            self._ask(
                errors, ["on_default_branch"], lambda: self.gitlab.on_default_branch(project, sha)
            )
            if sha
            else None
        )
        return replace(facts, default_branch=branch, on_default_branch=on_branch)

    def _artifact_and_test(
        self, facts: ComponentFacts, component: Component, release: Release, errors: dict[str, str]
    ) -> ComponentFacts:
        project, sha = facts.project, release.commit_sha
        package = (
            (component.package_name or facts.component) if component.artifact == "package" else None
        )
        published = self._ask(
            errors,
            ["artifact_published"],
            lambda: self.gitlab.artifact_published(project, release, package_name=package),
        )
        facts = replace(facts, artifact_published=published)
        if component.validation != "deployment":
            return facts
        wanted = component.test_environment
        environments = self._ask(
            errors, ["validated_in_test"], lambda: self.gitlab.test_environments(project, wanted)
        )
        facts = replace(facts, test_environments=tuple(environments or ()))
        deployment = (
            self._ask(
                errors,
                ["validated_in_test"],
                lambda: self.gitlab.test_deployment_of(project, sha, wanted),
            )
            if sha
            else None
        )
        if deployment is None:
            return facts
        return replace(
            facts,
            test_deployment_id=deployment.id,
            test_deployment_environment=deployment.environment,
            test_deployment_at=deployment.finished_at,
        )

    def derive_components(
        self, customer: Customer, numbers: Sequence[str]
    ) -> tuple[list[tuple[str, str]], list[str]]:
        """For each component of the customer, the newest production release that references
        one of the tickets; and the GitLab problems met on the way (each a GitLab outage)."""
        found: list[tuple[str, str]] = []
        problems: list[str] = []
        for name, component in customer.components.items():
            project = component.gitlab_project
            try:
                for release in self.gitlab.recent_production_releases(project, DERIVE_LOOK_BACK):
                    references = self.gitlab.ticket_references(project, release.tag_name)
                    if any(ticket_number_matches(r, n) for r in references for n in numbers):
                        found.append((name, release.tag_name))
                        break
            except GitLabError as error:
                language = self.config.provider.language
                problems.append(say(language, "gitlab_down", component=name, error=error.reason))
        return found, problems

    # -- the whole request ----------------------------------------------------------------

    def gather(
        self, request: DeploymentRequest, *, deployed_versions: Mapping[str, str] | None = None
    ) -> Facts:
        """Every fact of a request. Zammad errors propagate: without tickets there is nothing to
        check. GitLab errors are recorded against the checks they affect. The components are
        looked up only for a customer deploybot serves, every ticket found."""
        read = self._read_tickets(request.ticket_numbers)
        matched = request.matched or match_customer(read.tickets, self.config)
        customer = self._customer(request, matched, read)
        found = _ComponentsFound()
        if customer is not None and customer.managed_by != "partner_exclusive" and not read.missing:
            found = self._find_components(customer, request.components, read)
        return Facts(
            tickets=read.tickets,
            missing_tickets=read.missing,
            environment=request.environment,
            components=found.components,
            components_source=found.source,
            unknown_components=found.unknown,
            component_problems=found.problems,
            deployed_versions=dict(deployed_versions or {}),
            customer=request.customer,
            asserted_tags=request.asserted_tags,
            asserted_rollback_plan=request.rollback_plan,
            derivation_unanswered=found.unanswered,
            matched=matched,
        )

    def _read_tickets(self, numbers: Sequence[str]) -> _TicketsRead:
        """The request's tickets as facts, the numbers Zammad does not know, and the last
        ``/deploy components`` argument their notes give."""
        tickets: list[TicketFacts] = []
        missing: list[str] = []
        noted: str | None = None
        for number in numbers:
            ticket = self.zammad.ticket_by_number(number)
            if ticket is None:
                missing.append(number)
                continue
            facts, noted_here = self.ticket_facts(ticket)
            tickets.append(facts)
            noted = noted_here or noted
        return _TicketsRead(tuple(tickets), tuple(missing), noted)

    def _customer(
        self, request: DeploymentRequest, matched: CustomerMatch, read: _TicketsRead
    ) -> Customer | None:
        """Whose request it is: the customer its tickets match, or — no ticket read (a request
        by email) — the deployment's own."""
        if not read.tickets and request.customer is not None:
            return self.config.customer(request.customer)
        return matched.customer

    def _find_components(
        self, customer: Customer, kept: Sequence[tuple[str, str]] | None, read: _TicketsRead
    ) -> _ComponentsFound:
        """The components of the request and their GitLab facts: those kept or named in the
        notes, else derived from the releases that reference its tickets."""
        choice = choose_components(kept, read.noted, self.config.provider.language)
        problems = list(choice.problems)
        with self.gitlab.cycle():
            wanted: Sequence[tuple[str, str]] | None = choice.wanted
            if wanted is None:
                numbers = [t.number for t in read.tickets]
                wanted, problems = self.derive_components(customer, numbers)
            unknown = [name for name, _ in wanted if name not in customer.components]
            components = tuple(
                self.component_facts(name, customer.components[name], version)
                for name, version in wanted
                if name in customer.components
            )
        unanswered = choice.wanted is None and bool(problems)
        return _ComponentsFound(
            components, choice.source, tuple(unknown), tuple(problems), unanswered
        )


@dataclass(frozen=True)
class _TicketsRead:
    """A request's tickets as read: their facts, the numbers not found, the last components
    argument of their notes."""

    tickets: tuple[TicketFacts, ...]
    missing: tuple[str, ...]
    noted: str | None


@dataclass(frozen=True)
class _ComponentsFound:
    """A request's components with their facts, and how they were found (none: not looked up)."""

    components: tuple[ComponentFacts, ...] = ()
    source: Literal["explicit", "derived"] = "derived"
    unknown: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    unanswered: bool = False


def _noted(commands: Sequence[RawCommand], tz: tzinfo) -> tuple[str | None, str | None]:
    """The last rollback plan and the last components argument that ``commands`` give; a
    components line that cannot be read still counts (the report says what is wrong with it)."""
    rollback_plan: str | None = None
    components: str | None = None
    for raw in commands:
        command = _parsed(raw, tz)
        if isinstance(command, SetRollbackPlan):
            rollback_plan = command.text
        elif isinstance(command, SetComponents) or _components_usage(command, raw):
            components = raw.args
    return rollback_plan, components


def _parsed(raw: RawCommand, tz: tzinfo) -> Command | CommandError:
    """The command a line gives, or why it gives none."""
    try:
        return parse_command(raw, tz)
    except CommandError as error:
        return error


def _components_usage(command: Command | CommandError, raw: RawCommand) -> bool:
    """Whether a line that cannot be read names components all the same."""
    return isinstance(command, CommandError) and command.usage == "components" and bool(raw.args)
