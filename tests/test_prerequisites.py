"""Each prerequisite check passes on good facts and fails, with an actionable message, on each
way it can go wrong. Pure: facts are built by factories, no server is involved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config.loading import load_config
from bot.config.models import Config
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.prerequisites.facts import CHECK_CODES, Facts
from bot.domain.prerequisites.result import Report
from bot.resources import example_config_path
from tests.factories import component_facts, make_facts, ticket_facts

CONFIG = load_config(example_config_path())


def report(facts: Facts | None = None, config: Config = CONFIG, language: str = "en") -> Report:
    return check_prerequisites(facts or make_facts(), config, language=language)


def only_failure(result: Report) -> str:
    """The one failing check's code (and fail if there is not exactly one)."""
    codes = [check.code for check in result.failed]
    assert len(codes) == 1, codes
    return codes[0]


def test_a_request_that_meets_everything_is_ready() -> None:
    result = report()
    assert result.ready
    assert [check.code for check in result.checks] == list(CHECK_CODES)
    assert {check.status for check in result.checks} == {"passed"}
    assert result.summary("en") == "all 13 prerequisites pass"
    assert result.summary("es") == "se cumplen los 13 prerrequisitos"


# -- customer_known ------------------------------------------------------------------------


def test_tickets_of_two_customers_fail_naming_both() -> None:
    cam = ticket_facts(id=3, number="7413010", organization="Comunidad de Madrid - Madrid Digital")
    result = report(make_facts(tickets=(ticket_facts(), cam)))
    check = result.check("customer_known")
    assert check.status == "failed"
    assert check.message == (
        "the tickets belong to several customers: DIBA (ES-7412280); CAM (ES-7413010); "
        "request one deployment per customer"
    )
    assert all(c.status == "not_applicable" for c in result.checks[1:])
    assert result.summary("en") == "1 of 13 prerequisites fail"


def test_an_organization_that_is_not_a_customer_fails() -> None:
    result = report(make_facts(tickets=(ticket_facts(organization="Ajuntament de Sóller"),)))
    assert result.check("customer_known").message.startswith(
        "organization 'Ajuntament de Sóller' of ticket ES-7412280 is not a configured customer"
    )


def test_a_ticket_without_organization_fails() -> None:
    result = report(make_facts(tickets=(ticket_facts(organization=None),)))
    assert result.check("customer_known").message == (
        "ticket ES-7412280 has no organization in Zammad"
    )


def test_a_ticket_that_does_not_exist_fails() -> None:
    result = report(make_facts(missing_tickets=("7499999",)))
    assert "not found in Zammad: ES-7499999" in result.check("customer_known").message
    assert not result.ready


@pytest.mark.parametrize(
    ("missing", "sentence"),
    [(("7499999",), "no existe en Zammad: ES-7499999"),
     (("7499999", "7499998"), "no existen en Zammad: ES-7499999, ES-7499998")],
)  # fmt: skip
def test_missing_tickets_are_said_in_the_singular_or_the_plural(
    missing: tuple[str, ...], sentence: str
) -> None:
    result = report(make_facts(missing_tickets=missing), language="es")
    assert sentence in result.check("customer_known").message


# -- handled_by_us -------------------------------------------------------------------------


def test_a_partner_exclusive_customer_stops_after_handled_by_us() -> None:
    junta = ticket_facts(id=5, number="7413200", organization="Junta de Andalucía")
    result = report(make_facts(tickets=(junta,), components=()))
    assert not result.handled and not result.ready
    assert [c.code for c in result.checks] == ["customer_known", "handled_by_us"]
    assert result.check("handled_by_us").message == (
        "Andalucia is run exclusively by Sur Sistemas, which follows its own deployment "
        "procedure: deploybot does nothing more"
    )


def test_a_partner_delegated_customer_is_handled() -> None:
    cam = ticket_facts(id=3, number="7413010", organization="Comunidad de Madrid - Madrid Digital")
    component = component_facts(component="addon-cam", project="soffid/addons/cam")
    result = report(make_facts(tickets=(cam,), components=(component,)))
    assert result.check("handled_by_us").message.startswith("run by a partner who delegates")
    assert result.ready


# -- environment_productive ----------------------------------------------------------------


def test_a_non_productive_environment_is_out_of_the_procedure() -> None:
    result = report(make_facts(environment="DES"))
    assert only_failure(result) == "environment_productive"
    assert result.check("environment_productive").message == (
        "DES is not a productive environment of DIBA: the production deployment procedure "
        "does not apply"
    )


def test_an_unknown_environment_lists_the_customers_environments() -> None:
    result = report(make_facts(environment="QA"))
    assert result.check("environment_productive").message == (
        "DIBA has no environment QA (it has: PRO, PRE, DES)"
    )


def test_a_productive_test_environment_is_in_scope() -> None:
    assert report(make_facts(environment="pre")).ready


# -- components_identified -----------------------------------------------------------------


def test_no_component_found_tells_how_to_name_them() -> None:
    result = report(make_facts(components=()))
    check = result.check("components_identified")
    assert check.status == "failed"
    assert "/deploy components addon-x 1.2.3" in check.message
    assert result.check("release_exists").status == "not_applicable"


def test_a_component_the_customer_does_not_have_fails() -> None:
    result = report(make_facts(unknown_components=("addon-cam",)))
    assert only_failure(result) == "components_identified"
    assert result.check("components_identified").message == (
        "addon-cam is not a component of DIBA (components: addon-diba, iam-sync)"
    )


# -- the GitLab checks, one component fact wrong at a time ---------------------------------


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"release_found": False, "latest_version": "3.2.11"}, "release_exists",
         "addon-diba 3.2.11: there is no release of that version in soffid/addons/diba"),
        ({"upcoming": True}, "release_exists",
         "addon-diba 3.2.11: the release is not published yet (upcoming)"),
        ({"latest_version": "3.2.12", "latest_released_at": datetime(2026, 11, 20, tzinfo=UTC)},
         "release_is_latest",
         "addon-diba 3.2.11 is not the latest release: 3.2.12 (20/11/2026) is newer, so the "
         "validated artifact is not the last one generated"),
        ({"pipeline_status": "failed"}, "pipeline_succeeded",
         "addon-diba 3.2.11: pipeline #642 is failed"),
        ({"pipeline_id": None, "pipeline_status": None}, "pipeline_succeeded",
         "addon-diba 3.2.11: the release has no pipeline"),
        ({"on_default_branch": False}, "on_default_branch",
         "addon-diba 3.2.11: commit 4d3b8f0a is not on the default branch main "
         "(push and merge it)"),
        ({"artifact_published": False}, "artifact_published",
         "addon-diba 3.2.11: the release has no linked artifact"),
        ({"test_deployment_id": None}, "validated_in_test",
         "addon-diba 3.2.11: commit 4d3b8f0a was not successfully deployed to TEST (TEST)"),
    ],
)  # fmt: skip
def test_each_gitlab_fact_fails_its_own_check(
    change: dict[str, object], code: str, message: str
) -> None:
    result = report(make_facts(components=(component_facts(**change),)))
    if change.get("release_found") is False:
        assert {c.code for c in result.failed} >= {"release_exists"}
    else:
        assert only_failure(result) == code
    assert result.check(code).message == message


def test_a_missing_package_is_named() -> None:
    component = component_facts(component="iam-sync", project="soffid/iam-sync", version="3.2.1",
                                tag="3.2.1", latest_version="3.2.1", artifact_kind="package",
                                package_name="iam-sync", artifact_published=False)  # fmt: skip
    result = report(make_facts(components=(component,)))
    assert only_failure(result) == "artifact_published"
    assert result.check("artifact_published").message == (
        "package iam-sync 3.2.1 is not in the package registry"
    )


def test_gitlab_not_answering_fails_only_the_checks_it_affects() -> None:
    component = component_facts(errors={"pipeline_succeeded": "502 Bad Gateway"})
    result = report(make_facts(components=(component,)))
    assert only_failure(result) == "pipeline_succeeded"
    assert result.check("pipeline_succeeded").message == (
        "addon-diba: GitLab did not answer: 502 Bad Gateway"
    )


def test_one_bad_component_of_two_fails_the_check_naming_it() -> None:
    good = component_facts()
    bad = component_facts(component="iam-sync", project="soffid/iam-sync", version="3.2.1",
                          tag="3.2.1", latest_version="3.2.1", pipeline_status="running",
                          pipeline_id=801)  # fmt: skip
    result = report(make_facts(components=(good, bad)))
    assert result.check("pipeline_succeeded").message == "iam-sync 3.2.1: pipeline #801 is running"
    assert [link.label for link in result.check("pipeline_succeeded").links] == ["#642", "#801"]


# -- validated_in_test with manual evidence --------------------------------------------------


def test_manual_validation_needs_the_validated_test_tag() -> None:
    manual = component_facts(validation="manual", test_deployment_id=None)
    missing = report(make_facts(components=(manual,)))
    assert only_failure(missing) == "validated_in_test"
    assert "add the validated-test tag once validated" in missing.check("validated_in_test").message
    tagged = ticket_facts(tags=("customer-validated", "validated-test"))
    assert report(make_facts(tickets=(tagged,), components=(manual,))).ready


# -- customer_validated ----------------------------------------------------------------------


def test_risk_accepted_is_a_warning_naming_who_accepted() -> None:
    ticket = ticket_facts(tags=("risk-accepted",), tag_authors={"risk-accepted": "Pedro Sanz"})
    result = report(make_facts(tickets=(ticket,)))
    check = result.check("customer_validated")
    assert check.status == "warning"
    assert check.message == (
        "the customer accepts the risk without validating (tag risk-accepted on ES-7412280, "
        "added by Pedro Sanz)"
    )
    assert result.ready
    assert result.summary("en") == "all 13 prerequisites pass (1 with a warning)"


def test_without_validation_or_accepted_risk_it_fails() -> None:
    result = report(make_facts(tickets=(ticket_facts(tags=("deploy",)),)))
    assert only_failure(result) == "customer_validated"
    assert result.check("customer_validated").message == (
        "the customer has not validated it: the customer-validated tag is missing "
        "(or risk-accepted if they accept the risk)"
    )


# -- rollback_ready --------------------------------------------------------------------------


def test_rollback_needs_a_guide_and_offers_the_generated_plan() -> None:
    result = report(make_facts(tickets=(ticket_facts(rollback_plan=None),)))
    check = result.check("rollback_ready")
    assert only_failure(result) == "rollback_ready"
    assert "/deploy rollback-plan auto" in check.message
    assert check.lines == (
        "addon-diba: go back to 3.2.10 — redeploy the 3.2.10 artifact, restart the consoles and "
        "the sync servers and validate the system",
    )


def test_rollback_target_prefers_what_deploybot_last_deployed() -> None:
    facts = make_facts(deployed_versions={"addon-diba": "3.2.9"})
    assert report(facts).check("rollback_ready").message == (
        "rollback: addon-diba to 3.2.9, with the generated guide"
    )


def test_a_written_rollback_guide_is_quoted() -> None:
    ticket = ticket_facts(rollback_plan="restaurar la imatge de la VM")
    assert report(make_facts(tickets=(ticket,))).check("rollback_ready").message == (
        "rollback: addon-diba to 3.2.10, with restaurar la imatge de la VM"
    )


# -- parties_identified ----------------------------------------------------------------------


def test_missing_parties_are_named() -> None:
    provider = CONFIG.provider.model_copy(update={"support_team": []})
    customers = [
        c.model_copy(update={"contacts": c.contacts.model_copy(update={"managers": []})})
        if c.name == "DIBA" else c
        for c in CONFIG.customers
    ]  # fmt: skip
    config = CONFIG.model_copy(update={"provider": provider, "customers": customers})
    result = report(config=config)
    assert only_failure(result) == "parties_identified"
    assert result.check("parties_identified").message == (
        "missing from the configuration: the support team, the managers of DIBA"
    )


def test_report_json_has_the_documented_shape() -> None:
    data = report(make_facts(components=(component_facts(on_default_branch=False),))).as_json()
    assert set(data) == {"ready", "checks"}
    assert data["ready"] is False
    first = data["checks"][0]
    assert set(first) == {"code", "status", "message", "details"}
    assert first["details"]["links"] == [
        {"label": "ES-7412280", "url": "https://zammad.example/#ticket/zoom/1"}
    ]


def test_messages_follow_the_operator_language() -> None:
    result = report(make_facts(environment="DES"), language="es")
    assert result.check("environment_productive").message == (
        "DES no es un entorno productivo de DIBA: el procedimiento de despliegue a producción "
        "no se aplica"
    )
    assert result.summary("es") == "1 de 13 prerrequisitos no se cumplen"


def test_a_first_release_passes_rollback_with_a_guide_that_uninstalls_it() -> None:
    first = component_facts(previous_version=None)
    result = report(make_facts(components=(first,)))
    check = result.check("rollback_ready")
    assert check.status == "passed"
    assert "addon-diba (first version: uninstalled)" in check.message
    assert any("disable or uninstall addon-diba" in line for line in check.lines)


def test_a_first_release_without_a_guide_says_both_what_is_missing() -> None:
    first = component_facts(previous_version=None)
    unguided = ticket_facts(rollback_plan=None)
    check = report(make_facts(tickets=(unguided,), components=(first,))).check("rollback_ready")
    assert check.status == "failed"
    assert "the version to roll back to is unknown for addon-diba" in check.message
    assert "the rollback guide is missing" in check.message
