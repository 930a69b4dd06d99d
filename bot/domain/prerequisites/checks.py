"""Is this deployment allowed to go to production? Pure checks over gathered facts.

Every check runs and reports ``passed``, ``failed``, ``warning`` or ``not_applicable`` with a
stable code, one line for the engineer in the operator's language, and links. A customer run
exclusively by a partner stops after ``handled_by_us``: the partner follows its own procedure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.config.models import Config, Customer
from bot.domain.prerequisites.facts import (
    CHECK_CODES,
    ComponentFacts,
    CustomerMatch,
    Facts,
    Link,
    TicketFacts,
)
from bot.domain.prerequisites.result import CheckResult, Report
from bot.domain.prerequisites.rollback import rollback_ready
from bot.domain.problems import Problem
from bot.domain.texts import say, say_count
from bot.domain.texts.calendar import short_date

#: Judges one component for a check: (passed, the line to show, a link).
Judge = Callable[[ComponentFacts], tuple[bool, str, Link | None]]


# ---------------------------------------------------------------------------------------------
# Customer and environment


def ticket_number_matches(reference: str, number: str) -> bool:
    """Whether a reference in GitLab (``ES-7412280``, ``Ticket#7412280``) names this ticket."""
    digits = re.search(r"(\d+)\D*$", reference)
    return digits is not None and digits.group(1) == number.lstrip("#")


def match_customer(tickets: Sequence[TicketFacts], config: Config) -> CustomerMatch:
    """The one configured customer whose Zammad organization all tickets belong to (or why
    none can be named)."""
    if not tickets:
        return CustomerMatch(None, Problem.of("no_tickets"))
    by_organization = {c.organization.casefold(): c for c in config.customers}
    found: dict[str, list[str]] = {}
    for ticket in tickets:
        if ticket.organization is None:
            return CustomerMatch(None, Problem.of("ticket_without_org", ticket=ticket.number))
        customer = by_organization.get(ticket.organization.casefold())
        if customer is None:
            known = ", ".join(c.organization for c in config.customers)
            problem = Problem.of(
                "org_unknown", org=ticket.organization, ticket=ticket.number, known=known
            )
            return CustomerMatch(None, problem)
        found.setdefault(customer.name, []).append(ticket.number)
    if len(found) > 1:
        several = "; ".join(f"{name} ({', '.join(numbers)})" for name, numbers in found.items())
        return CustomerMatch(None, Problem.of("several_customers", customers=several))
    return CustomerMatch(config.customer(next(iter(found))), None)


def _environment(customer: Customer, name: str | None) -> tuple[str, bool | None]:
    if name is None:
        env = customer.default_environment
        return env.name, env.productive
    for env in customer.environments:
        if env.name.casefold() == name.casefold():
            return env.name, env.productive
    return name, None


# ---------------------------------------------------------------------------------------------
# The checks


def _ticket_links(facts: Facts, config: Config) -> tuple[Link, ...]:
    return tuple(Link(t.number, t.url) for t in facts.tickets if t.url)


def _as_people_write_them(facts: Facts, config: Config) -> Facts:
    """The facts with ticket numbers as the team writes them (``zammad.ticket_prefix``), so
    every sentence of the report names a ticket the same way as the emails."""
    label = config.zammad.ticket_label
    return replace(
        facts,
        tickets=tuple(replace(t, number=label(t.number)) for t in facts.tickets),
        missing_tickets=tuple(label(number) for number in facts.missing_tickets),
    )


def _per_component(
    code: str,
    facts: Facts,
    language: str,
    judge: Judge,
) -> CheckResult:
    """Run ``judge(component) -> (ok, message, link)`` for every component and sum up."""
    if not facts.components:
        return CheckResult(code, "not_applicable", say(language, "needs_components"))
    failures: list[str] = []
    passes: list[str] = []
    links: list[Link] = []
    for component in facts.components:
        error = component.errors.get(code)
        if error:
            failures.append(
                say(language, "gitlab_down", component=component.component, error=error)
            )
            continue
        ok, message, link = judge(component)
        (passes if ok else failures).append(message)
        if link is not None:
            links.append(link)
    if failures:
        return CheckResult(code, "failed", "; ".join(failures), tuple(links))
    return CheckResult(code, "passed", "; ".join(passes), tuple(links))


def _name(component: ComponentFacts) -> str:
    return f"{component.component} {component.version}"


def _short(sha: str | None) -> str:
    return (sha or "?")[:8]


def _release_exists(language: str) -> Judge:
    def judge(c: ComponentFacts) -> tuple[bool, str, Link | None]:
        link = Link(c.tag or c.version, c.release_url) if c.release_url else None
        if not c.release_found:
            return False, say(language, "no_release", name=_name(c), project=c.project), None
        if c.upcoming:
            return False, say(language, "upcoming", name=_name(c)), link
        return True, say(language, "release_ok", name=_name(c)), link

    return judge


def _release_is_latest(language: str) -> Judge:
    def judge(c: ComponentFacts) -> tuple[bool, str, Link | None]:
        if not c.release_found:
            return False, say(language, "no_release", name=_name(c), project=c.project), None
        if c.latest_version is None:
            return False, say(language, "not_production", name=_name(c)), None
        if c.latest_version != (c.tag or c.version):
            when = short_date(c.latest_released_at.date()) if c.latest_released_at else "?"
            link = Link(c.latest_version, c.latest_url) if c.latest_url else None
            message = say(
                language, "newer_release", name=_name(c), newer=c.latest_version, when=when
            )
            return False, message, link
        return True, say(language, "latest_ok", name=_name(c)), None

    return judge


def _pipeline(language: str) -> Judge:
    def judge(c: ComponentFacts) -> tuple[bool, str, Link | None]:
        if c.pipeline_id is None:
            return False, say(language, "no_pipeline", name=_name(c)), None
        link = Link(f"#{c.pipeline_id}", c.pipeline_url) if c.pipeline_url else None
        if c.pipeline_status != "success":
            message = say(
                language, "pipeline_bad", name=_name(c), id=c.pipeline_id, status=c.pipeline_status
            )
            return False, message, link
        return True, say(language, "pipeline_ok", name=_name(c), id=c.pipeline_id), link

    return judge


def _default_branch(language: str) -> Judge:
    def judge(c: ComponentFacts) -> tuple[bool, str, Link | None]:
        branch = c.default_branch or "main"
        if c.commit_sha is None:
            return False, say(language, "no_commit", name=_name(c)), None
        if not c.on_default_branch:
            message = say(
                language, "side_branch", name=_name(c), sha=_short(c.commit_sha), branch=branch
            )
            return False, message, None
        return True, say(language, "branch_ok", name=_name(c), branch=branch), None

    return judge


def _artifact(language: str) -> Judge:
    def judge(c: ComponentFacts) -> tuple[bool, str, Link | None]:
        if c.artifact_kind == "package":
            package = c.package_name or c.component
            if not c.artifact_published:
                return False, say(language, "no_package", package=package, version=c.version), None
            return True, say(language, "package_ok", package=package, version=c.version), None
        if not c.artifact_published:
            return False, say(language, "no_link", name=_name(c)), None
        return True, say(language, "link_ok", name=_name(c)), None

    return judge


def _validated_in_test(facts: Facts, config: Config, language: str) -> Judge:
    manual_tag = config.zammad.tags.validated_test
    tagged = facts.tagged(manual_tag)

    def judge(c: ComponentFacts) -> tuple[bool, str, Link | None]:
        if c.validation == "manual":
            if tagged:
                message = say(
                    language, "manual_ok", name=_name(c), tag=manual_tag, tickets=", ".join(tagged)
                )
                return True, message, None
            return False, say(language, "manual_missing", name=_name(c), tag=manual_tag), None
        if c.test_deployment_id is None:
            envs = ", ".join(c.test_environments) or say(language, "no_test_env")
            message = say(
                language, "not_in_test", name=_name(c), sha=_short(c.commit_sha), envs=envs
            )
            return False, message, None
        when = short_date(c.test_deployment_at.date()) if c.test_deployment_at else "?"
        message = say(
            language,
            "test_ok",
            name=_name(c),
            env=c.test_deployment_environment,
            when=when,
            id=c.test_deployment_id,
        )
        return True, message, None

    return judge


def _customer_validated(facts: Facts, config: Config, language: str) -> CheckResult:
    tags = config.zammad.tags
    code = "customer_validated"
    links = _ticket_links(facts, config)
    validated = facts.tagged(tags.customer_validated)
    if validated:
        message = say(
            language, "validated", tag=tags.customer_validated, tickets=", ".join(validated)
        )
        return CheckResult(code, "passed", message, links)
    accepted = [t for t in facts.tickets if tags.risk_accepted in t.tags]
    if accepted or tags.risk_accepted in facts.asserted_tags:
        who = sorted({t.tag_authors.get(tags.risk_accepted, "") for t in accepted} - {""})
        message = say(
            language,
            "risk_accepted",
            tag=tags.risk_accepted,
            tickets=", ".join(facts.tagged(tags.risk_accepted)),
            who=", ".join(who) or say(language, "someone"),
        )
        return CheckResult(code, "warning", message, links)
    message = say(
        language, "not_validated", validated=tags.customer_validated, risk=tags.risk_accepted
    )
    return CheckResult(code, "failed", message, links)


def _parties(customer: Customer, config: Config, language: str) -> CheckResult:
    code = "parties_identified"
    missing = []
    if not config.provider.project_team:
        missing.append(say(language, "party_project_team"))
    if not config.provider.support_team:
        missing.append(say(language, "party_support_team"))
    if not customer.contacts.managers:
        missing.append(say(language, "party_managers", customer=customer.name))
    if customer.managed_by == "partner_delegated" and not (
        customer.partner and customer.partner.contacts
    ):
        missing.append(say(language, "party_partner", customer=customer.name))
    if missing:
        return CheckResult(
            code, "failed", say(language, "parties_missing", missing=", ".join(missing))
        )
    count = len(config.provider.project_team) + len(config.provider.support_team)
    count += len(customer.contacts.managers) + len(customer.contacts.helpdesk)
    if customer.managed_by == "partner_delegated" and customer.partner:
        count += len(customer.partner.contacts)
    return CheckResult(code, "passed", say(language, "parties_ok", count=count))


def _components_identified(facts: Facts, customer: Customer, language: str) -> CheckResult:
    code = "components_identified"
    problems = list(facts.component_problems)
    if facts.unknown_components:
        known = ", ".join(customer.components) or "-"
        names = ", ".join(facts.unknown_components)
        problems.append(
            say(language, "unknown_components", names=names, customer=customer.name, known=known)
        )
    if not facts.components and not problems:
        tickets = ", ".join(t.number for t in facts.tickets)
        problems.append(say(language, "nothing_found", tickets=tickets))
    if problems:
        return CheckResult(code, "failed", "; ".join(problems))
    listed = ", ".join(_name(c) for c in facts.components)
    source = say(language, f"source_{facts.components_source}")
    return CheckResult(code, "passed", f"{listed} ({source})")


def _matched_customer(facts: Facts, config: Config, language: str) -> tuple[Customer | None, str]:
    """The customer of the request, or why there is none (missing tickets say so first): the
    match made when the facts were gathered."""
    match = facts.matched or match_customer(facts.tickets, config)
    customer = match.customer
    if not facts.tickets and facts.customer is not None:
        customer = config.customer(facts.customer)
    problem = match.problem.text(language) if match.problem and customer is None else ""
    if facts.missing_tickets:
        missing = say_count(language, "missing_tickets", len(facts.missing_tickets),
                            tickets=", ".join(facts.missing_tickets))  # fmt: skip
        return None, f"{missing}; {problem}" if problem else missing
    return customer, problem


def _environment_check(customer: Customer, facts: Facts, language: str) -> tuple[str, CheckResult]:
    """The target environment and whether it is one of the customer's productive ones."""
    code = "environment_productive"
    environment, productive = _environment(customer, facts.environment)
    if productive is None:
        names = ", ".join(env.name for env in customer.environments)
        message = say(language, "no_env", env=environment, customer=customer.name, envs=names)
        return environment, CheckResult(code, "failed", message)
    if not productive:
        message = say(language, "not_productive", env=environment, customer=customer.name)
        return environment, CheckResult(code, "failed", message)
    return environment, CheckResult(code, "passed", say(language, "productive", env=environment))


def check_prerequisites(facts: Facts, config: Config, *, language: str | None = None) -> Report:
    """Run every check over ``facts``; the report lists each with its outcome."""
    language = language or config.provider.language
    facts = _as_people_write_them(facts, config)
    customer, problem = _matched_customer(facts, config, language)
    links = _ticket_links(facts, config)
    if customer is None:
        failed = CheckResult("customer_known", "failed", problem, links)
        rest = tuple(
            CheckResult(code, "not_applicable", say(language, "needs_customer"))
            for code in CHECK_CODES[1:]
        )
        return Report(None, facts.environment, (failed, *rest))
    known = CheckResult(
        "customer_known", "passed", f"{customer.name} ({customer.organization})", links
    )
    if customer.managed_by == "partner_exclusive":
        partner = customer.partner.name if customer.partner else say(language, "its_partner")
        message = say(language, "partner_exclusive", customer=customer.name, partner=partner)
        not_ours = CheckResult("handled_by_us", "failed", message)
        return Report(customer.name, facts.environment, (known, not_ours), handled=False)
    handled = CheckResult(
        "handled_by_us", "passed", say(language, f"managed_{customer.managed_by}")
    )
    environment, env_check = _environment_check(customer, facts, language)
    judges: tuple[tuple[str, Judge], ...] = (
        ("release_exists", _release_exists(language)),
        ("release_is_latest", _release_is_latest(language)),
        ("pipeline_succeeded", _pipeline(language)),
        ("on_default_branch", _default_branch(language)),
        ("artifact_published", _artifact(language)),
        ("validated_in_test", _validated_in_test(facts, config, language)),
    )
    checks = (
        known,
        handled,
        env_check,
        _components_identified(facts, customer, language),
        *(_per_component(code, facts, language, judge) for code, judge in judges),
        _customer_validated(facts, config, language),
        rollback_ready(facts, customer, config, language),
        _parties(customer, config, language),
    )
    return Report(customer.name, environment, checks)
