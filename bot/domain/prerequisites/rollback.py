"""The rollback prerequisite: the version each component goes back to, the guide people gave
(or the one generated for ``auto``), and whether a rollback is ready."""

from __future__ import annotations

from bot.config.models import Config, Customer
from bot.domain.prerequisites.facts import ComponentFacts, Facts
from bot.domain.prerequisites.result import CheckResult
from bot.domain.texts import say


def rollback_target(component: ComponentFacts, facts: Facts) -> str | None:
    """The version to go back to: the one deploybot last deployed, else the previous release."""
    deployed = facts.deployed_versions.get(component.component)
    if deployed and deployed != component.version:
        return deployed
    return component.previous_version


def generated_rollback_plan(
    facts: Facts, restarts: str, language: str, who: str = ""
) -> tuple[str, ...]:
    """Per component, the version to go back to and the steps to get there; a component in
    its first version is disabled or uninstalled instead (there is nothing to go back to)."""
    restart = restarts or say(language, "plan_restart_default")
    lines = []
    for c in facts.components:
        target = rollback_target(c, facts)
        if target is None:
            lines.append(say(language, "plan_first_line", component=c.component,
                             restarts=restart, who=who or "-"))  # fmt: skip
        else:
            lines.append(say(language, "plan_line", component=c.component, target=target,
                             restarts=restart))  # fmt: skip
    return tuple(lines)


def _given_guide(facts: Facts) -> str | None:
    """The rollback guide people gave: the last ``/deploy rollback-plan`` (or the CLI's)."""
    guides = [t.rollback_plan for t in facts.tickets if t.rollback_plan]
    if facts.asserted_rollback_plan:
        guides.append(facts.asserted_rollback_plan)
    return guides[-1] if guides else None


def rollback_guide(
    facts: Facts, customer: Customer, config: Config, language: str
) -> tuple[str, ...]:
    """The rollback guide the deployment goes with: the one written in a note (or given on the
    command line), the generated plan when that is ``auto``, nothing when none was given."""
    given = _given_guide(facts)
    if given is None:
        return ()
    if given.strip().lower() == "auto":
        restarts = customer.restarts_in(language)
        return generated_rollback_plan(facts, restarts, language, _who(config))
    return (given,)


def _who(config: Config) -> str:
    """Who to call when a rollback goes wrong: the support phone, else the support team."""
    support = ", ".join(c.name or c.email for c in config.provider.support_team)
    return config.provider.support_phone or support


def rollback_ready(facts: Facts, customer: Customer, config: Config, language: str) -> CheckResult:
    """Whether a rollback is ready: a guide was given (or ``auto`` accepted), and each
    component has a version to go back to, or, in its first version, is uninstalled."""
    code = "rollback_ready"
    if not facts.components:
        return CheckResult(code, "not_applicable", say(language, "needs_components"))
    plan = generated_rollback_plan(facts, customer.restarts_in(language), language, _who(config))
    guide = rollback_guide(facts, customer, config, language)
    if not guide:
        # Without a guide a rollback is guesswork, and a first version has nothing to go back to.
        missing = [c.component for c in facts.components if rollback_target(c, facts) is None]
        problems = [say(language, "no_target", components=", ".join(missing))] if missing else []
        problems.append(say(language, "no_guide"))
        return CheckResult(code, "failed", "; ".join(problems), lines=plan)
    given = _given_guide(facts) or ""
    which = say(language, "guide_auto") if given.strip().lower() == "auto" else given
    targets = ", ".join(
        f"{c.component} → {target}"
        if (target := rollback_target(c, facts))
        else say(language, "first_release", component=c.component)
        for c in facts.components
    )
    return CheckResult(
        code, "passed", say(language, "rollback_ok", targets=targets, guide=which), lines=plan
    )
