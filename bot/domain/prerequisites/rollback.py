"""The rollback prerequisite: the version each component goes back to, the guide people gave
(or the one generated for ``auto``), and whether a rollback is ready."""

from __future__ import annotations

from bot.config.models import Config, Customer
from bot.domain.model import Deployment
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
    facts: Facts, restarts: str, language: str, who: str
) -> tuple[str, ...]:
    """Per component, the version to go back to and the steps to get there; a component in
    its first version is disabled or uninstalled instead (there is nothing to go back to)."""
    restart = restarts or say(language, "plan_restart_default")
    lines = []
    for c in facts.components:
        target = rollback_target(c, facts)
        if target is None:
            lines.append(say(language, "plan_first_line", component=c.component,
                             restarts=restart, who=who))  # fmt: skip
        else:
            lines.append(say(language, "plan_line", component=c.component, target=target,
                             restarts=restart))  # fmt: skip
    return tuple(lines)


def given_guide(facts: Facts) -> str | None:
    """The rollback guide people gave: the last ``/deploy rollback-plan`` (or the CLI's);
    ``auto`` accepts the generated one."""
    guides = [t.rollback_plan for t in facts.tickets if t.rollback_plan]
    if facts.asserted_rollback_plan:
        guides.append(facts.asserted_rollback_plan)
    return guides[-1] if guides else None


def guide_steps(deployment: Deployment, config: Config, language: str) -> tuple[str, ...]:
    """The deployment's rollback guide for a reader of ``language``: the text people wrote, or
    the generated steps (per component: go back to its version, or uninstall a first one)."""
    guide = deployment.rollback_guide
    if not guide:
        return ()
    if guide.strip().lower() != "auto":
        return (guide,)
    customer = config.customer(deployment.customer)
    restart = customer.restarts_in(language) or say(language, "plan_restart_default")
    steps = []
    for c in deployment.components:
        if c.rollback_version:
            steps.append(say(language, "plan_line", component=c.name, target=c.rollback_version,
                             restarts=restart))  # fmt: skip
        else:
            steps.append(say(language, "plan_first_line", component=c.name, restarts=restart,
                             who=_who(config, language)))  # fmt: skip
    return tuple(steps)


def _who(config: Config, language: str) -> str:
    """Whom to call when a rollback goes wrong, as the step says it: the support phone ("llamar
    al +34…"), else the support team ("avisar a …")."""
    if config.provider.support_phone:
        return say(language, "call_phone", phone=config.provider.support_phone)
    support = ", ".join(c.name or c.email for c in config.provider.support_team)
    return say(language, "tell_team", team=support or "-")


def rollback_ready(facts: Facts, customer: Customer, config: Config, language: str) -> CheckResult:
    """Whether a rollback is ready: a guide was given (or ``auto`` accepted), and each
    component has a version to go back to, or, in its first version, is uninstalled."""
    code = "rollback_ready"
    if not facts.components:
        return CheckResult(code, "not_applicable", say(language, "needs_components"))
    plan = generated_rollback_plan(
        facts, customer.restarts_in(language), language, _who(config, language)
    )
    if given_guide(facts) is None:
        # Without a guide a rollback is guesswork, and a first version has nothing to go back to.
        missing = [c.component for c in facts.components if rollback_target(c, facts) is None]
        problems = [say(language, "no_target", components=", ".join(missing))] if missing else []
        problems.append(say(language, "no_guide"))
        return CheckResult(code, "failed", "; ".join(problems), lines=plan)
    given = given_guide(facts) or ""
    which = say(language, "guide_auto") if given.strip().lower() == "auto" else given
    targets = ", ".join(
        say(language, "rollback_target", component=c.component, target=target)
        if (target := rollback_target(c, facts))
        else say(language, "first_release", component=c.component)
        for c in facts.components
    )
    return CheckResult(
        code, "passed", say(language, "rollback_ok", targets=targets, guide=which), lines=plan
    )
