"""Per-provider and per-customer settings that change what people read: the signature, the
support sentence without a portal or phone, the customer's own project team, environments with
production data, and a console without maintenance mode."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.model import TicketRef
from bot.domain.notifications import log_row, recipients_for
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.rendering import RenderedEmail, Renderer
from tests.factories import (
    at,
    customer_data,
    make_config,
    make_deployment,
    make_facts,
    started,
)

NOW = at("2026-12-01 09:52")


def email(kind: str, customer: dict[str, Any] | None = None, **provider: Any) -> RenderedEmail:
    config = make_config([customer or customer_data()], **provider)
    deployment = started(make_deployment(), "2026-12-01 09:31", "2026-12-01 09:52")
    return Renderer().email(kind, deployment, config, now=NOW)  # type: ignore[arg-type]


def test_every_email_is_signed_with_the_configured_signature_in_the_readers_language() -> None:
    signature = {"es": "Equipo de soporte de Soffid", "ca": "Equip de suport de Soffid"}
    catalan = customer_data(language="ca")
    for kind in ("start", "end", "rollback", "delay", "cancel", "schedule"):
        rendered = email(kind, catalan, signature=signature)
        assert rendered.text.rstrip().endswith("Salutacions cordials,\nEquip de suport de Soffid")
        assert "Equip de suport de Soffid</p>" in rendered.html


def test_without_a_signature_emails_are_signed_with_the_providers_name() -> None:
    assert email("end").text.rstrip().endswith("Saludos cordiales,\nSoffid")


@pytest.mark.parametrize(
    ("portal", "phone", "expected"),
    [
        ("", "", "Para cualquier duda o comportamiento inesperado, respondan a este correo."),
        (
            "https://help.example",
            "",
            "abran un ticket en el portal de soporte: https://help.example.",
        ),
        ("", "+34 600", "Para cualquier duda o comportamiento inesperado, llámennos al +34 600."),
    ],
)
def test_the_end_email_reads_correctly_without_a_portal_or_a_phone(
    portal: str, phone: str, expected: str
) -> None:
    rendered = email("end", support_portal=portal, support_phone=phone, support_team=[])
    assert expected in rendered.text
    assert " o llámennos al ." not in rendered.text and "soporte:  o" not in rendered.text


def test_the_support_line_offers_every_way_as_alternatives() -> None:
    rendered = email("end", support_portal="https://help.example", support_phone="+34 600")
    assert (
        "Para cualquier duda o comportamiento inesperado, escriban a soporte@soffid.example, "
        "llámennos al +34 600 o abran un ticket en el portal de soporte: https://help.example."
    ) in rendered.text
    assert 'soporte: <a href="https://help.example">https://help.example</a>.' in rendered.html


def test_a_customers_own_project_team_joins_or_replaces_the_providers() -> None:
    own = ["Pau Serra <pau@diba.example>"]
    joined = make_config([customer_data(project_team=own)])
    replaced = make_config([customer_data(project_team=own, project_team_mode="replace")])
    deployment = make_deployment()
    to, _ = recipients_for("invitation", deployment, joined)
    assert [a.split("<")[1] for a in to][:2] == ["pau@diba.example>", "marta@soffid.example>"]
    to, _ = recipients_for("invitation", deployment, replaced)
    assert not any("marta@soffid.example" in address for address in to)
    assert any("pau@diba.example" in address for address in to)


def test_an_environment_with_production_data_is_named_in_emails_and_the_report() -> None:
    environments = [
        {"name": "PRO", "default": True},
        {"name": "PRE", "description": {"es": "Preproducción"}, "production_data": True},
    ]
    diba = customer_data(environments=environments, zammad_organization="Diputació de Barcelona")
    config = make_config([diba])
    deployment = make_deployment(environment="PRE")
    schedule = Renderer().email("schedule", deployment, config, now=NOW)
    sentence = "El entorno PRE (Preproducción) contiene datos de producción."
    assert sentence in schedule.text and sentence in schedule.html
    report = check_prerequisites(make_facts(customer="DIBA", environment="PRE"), config)
    note = Renderer().prerequisites_note(report, config)
    assert "DIBA PRE (Preproducción, con datos de producción)" in note


def test_production_itself_is_not_announced_as_holding_production_data() -> None:
    environments = [{"name": "PRO", "default": True, "production_data": True}]
    config = make_config([customer_data(environments=environments)])
    schedule = Renderer().email("schedule", make_deployment(), config, now=NOW)
    assert "datos de producción" not in schedule.text


def test_the_checklist_lists_maintenance_mode_only_when_the_console_has_it() -> None:
    for has_it in (True, False):
        config = make_config([customer_data(maintenance_mode=has_it)])
        checklist = Renderer().deployment_note("checklist", make_deployment(), config, now=NOW)
        assert ("modo mantenimiento" in checklist) is has_it


def test_ticket_numbers_read_the_same_in_emails_notes_and_the_log() -> None:
    config = make_config([customer_data()])
    config = config.model_copy(
        update={"zammad": config.zammad.model_copy(update={"ticket_prefix": "ES-"})}
    )
    deployment = make_deployment(tickets=(TicketRef("7412280", "Organismes", id=1),))
    schedule = Renderer().email("schedule", deployment, config, now=NOW)
    checklist = Renderer().deployment_note("checklist", deployment, config, now=NOW)
    row = log_row(deployment, config)
    assert "ES-7412280 Organismes" in schedule.text
    assert "ES-7412280 Organismes" in checklist
    assert row.tickets == "ES-7412280 Organismes"
    assert "ES-ES-" not in schedule.text + checklist  # a number already written so stays so
