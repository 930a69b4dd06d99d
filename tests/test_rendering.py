"""Rendering: every template in every language against golden files, and the rules they follow.

Golden files live in tests/golden/. After an intended change to a template, regenerate them with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_rendering.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import html as html_text
import os
import re
from datetime import datetime, time
from pathlib import Path

import pytest

from bot.config.loading import load_config
from bot.config.models import Config
from bot.domain.calendar.rules import Slot
from bot.domain.commands import help_lines
from bot.domain.effects import LogRow, UpsertLogRow, describe
from bot.domain.model import State
from bot.domain.notifications import calendar_event, compose_email, log_row
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.rendering import (
    EMAIL_KINDS,
    Renderer,
    TemplateError,
    moment_words,
    part_of_day,
    plain_text_html,
)
from bot.domain.texts import LANGUAGES, say
from bot.resources import example_config_path
from integrations.calendar import to_ics
from tests.factories import at, component_facts, make_deployment, make_facts, started, ticket_facts

GOLDEN = Path(__file__).parent / "golden"
NOW = at("2026-12-01 09:28")


def assert_golden(name: str, rendered: str) -> None:
    """Compare with tests/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert rendered == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def config_in(language: str) -> Config:
    """The example configuration with the operator language (and DIBA's language) set."""
    config = load_config(example_config_path())
    provider = config.provider.model_copy(update={"language": language})
    customers = [
        c.model_copy(update={"language": language}) if c.name == "DIBA" else c
        for c in config.customers
    ]
    return config.model_copy(update={"provider": provider, "customers": customers})


def sample_for(kind: str):  # type: ignore[no-untyped-def]
    deployment = make_deployment()
    if kind in ("end",):
        return started(deployment, "2026-12-01 09:31", "2026-12-01 09:52")
    if kind in ("start", "delay", "rollback"):
        return started(deployment, "2026-12-01 09:31")
    if kind == "cancel":
        return dataclasses.replace(deployment, state=State.CANCELLED, calendar_sequence=1)
    if kind in ("proposals", "chosen"):
        starts = (at("2026-12-01 09:00"), at("2026-12-02 09:00"))
        return dataclasses.replace(deployment, state=State.READY, proposals=starts)
    return deployment


def extras(kind: str, config: Config, language: str) -> dict[str, str]:
    """What the lifecycle hands the emails that need more than the deployment."""
    if kind == "proposals":
        return {"link": "https://deploybot.example/book/eyJkIjoxfQ.c2lnbmF0dXJl"}
    if kind == "chosen":
        return {"chosen": moment_words(at("2026-12-01 09:00"), config, language)}
    return {}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", EMAIL_KINDS)
def test_email_matches_golden_file(kind: str, language: str) -> None:
    config = config_in(language)
    email = Renderer().email(kind, sample_for(kind), config, now=NOW, language=language,  # type: ignore[arg-type]
                             **extras(kind, config, language))  # fmt: skip
    rendered = f"Subject: {email.subject}\n\n{email.text}\n---- html ----\n{email.html}"
    assert_golden(f"email/{language}/{kind}.txt", rendered)


def _visible(text: str, *, markup: bool = False) -> str:
    """What a reader sees, without spacing and list bullets (which the two parts lay out
    differently)."""
    if markup:
        text = html_text.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"[\s·]", "", text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", EMAIL_KINDS)
def test_every_email_says_the_same_in_its_text_and_html_parts(kind: str, language: str) -> None:
    config = config_in(language)
    email = Renderer().email(kind, sample_for(kind), config, now=NOW, language=language,  # type: ignore[arg-type]
                             **extras(kind, config, language))  # fmt: skip
    body = email.html.split("<body")[1].split(">", 1)[1]
    assert _visible(email.text) == _visible(body, markup=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_moved_booking_and_its_cancellation_match_golden_files(language: str) -> None:
    config = config_in(language)
    renderer = Renderer()
    # Moved from Monday 30 November to Tuesday 1 December at 11:00 ("d'11:00" in Catalan).
    before = moment_words(at("2026-11-30 11:00"), config, language)
    moved = renderer.email("schedule", make_deployment(planned_start=at("2026-12-01 11:00")),
                           config, now=NOW, language=language, moved_from=before)  # fmt: skip
    cancelled = dataclasses.replace(make_deployment(), state=State.CANCELLED, calendar_sequence=1)
    invitation = renderer.email("invitation", cancelled, config, now=NOW)
    for name, email in (("schedule-moved", moved), ("invitation-cancelled", invitation)):
        rendered = f"Subject: {email.subject}\n\n{email.text}\n---- html ----\n{email.html}"
        assert_golden(f"email/{language}/{name}.txt", rendered)


@pytest.mark.parametrize("language", LANGUAGES)
def test_notes_match_golden_files(language: str) -> None:
    config = config_in(language)
    renderer = Renderer()
    deployment = make_deployment()
    slots = [
        Slot(at("2026-12-01 09:30"), at("2026-12-01 09:45")),
        Slot(at("2026-12-02 09:00"), at("2026-12-02 09:15")),
    ]
    risky = ticket_facts(tags=("risk-accepted",), tag_authors={"risk-accepted": "Núria <Puig>"},
                         rollback_plan=None)  # fmt: skip
    report = check_prerequisites(
        make_facts(tickets=(risky,), components=(component_facts(pipeline_status="failed"),)),
        config,
    )
    completed = started(deployment, "2026-12-01 09:31", "2026-12-01 09:52")
    notes = {
        "prerequisites": renderer.prerequisites_note(report, config),
        "proposals": renderer.proposals_note(deployment, config, slots, now=NOW),
        "checklist": renderer.deployment_note("checklist", deployment, config, now=NOW),
        "status-scheduled": renderer.deployment_note(
            "status", deployment, config, now=NOW, event="scheduled"
        ),
        "status-completed": renderer.deployment_note(
            "status", completed, config, now=NOW, event="completed"
        ),
        "status-refused": renderer.deployment_note(
            "status", deployment, config, now=NOW, event="refused",
            details=["es viernes", "es víspera de festivo: Navidad"],
        ),
        "command_error": renderer.note(
            "command_error", config, command="/deploy schedule mañana <b>",
            problem="'mañana' is not a date", usage="/deploy schedule 2026-12-01 09:30 [15m]",
        ),
    }  # fmt: skip
    for name, html in notes.items():
        assert_golden(f"notes/{language}/{name}.html", html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_completion_comment_and_draft_match_golden_files(language: str) -> None:
    config = config_in(language)
    renderer = Renderer()
    completed = started(make_deployment(), "2026-12-01 09:31", "2026-12-01 09:52")
    assert_golden(
        f"comments/{language}/completion.html",
        renderer.completion_comment(completed, config, now=NOW),
    )
    slots = [Slot(at("2026-12-01 09:30"), at("2026-12-01 09:45"))]
    assert_golden(
        f"drafts/{language}/proposals.txt",
        renderer.proposals_draft(make_deployment(), config, slots, now=NOW),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_calendar_descriptions_in_every_state_match_golden_files(language: str) -> None:
    config = config_in(language)
    renderer = Renderer()
    done = started(make_deployment(), "2026-12-01 09:31", "2026-12-01 10:08")
    states = {
        "scheduled": make_deployment(),
        "completed": dataclasses.replace(done, state=State.COMPLETED),
        "rolled_back": dataclasses.replace(done, state=State.ROLLED_BACK),
        "cancelled": dataclasses.replace(make_deployment(), state=State.CANCELLED),
    }
    for state, deployment in states.items():
        for audience in ("customer", "team"):
            text = renderer.event_text(audience, deployment, config, now=NOW)
            assert_golden(f"events/{language}/{audience}-{state}.txt", text)


def test_a_reissue_of_proposals_says_the_earlier_dates_and_link_are_void() -> None:
    config = config_in("es")
    slots = [Slot(at("2026-12-02 09:30"), at("2026-12-02 09:45"))]
    again = dataclasses.replace(make_deployment(state=State.READY), proposal_round=2)
    draft = Renderer().proposals_draft(again, config, slots, now=NOW, link="https://x.example/b")
    assert "Las fechas que les propusimos ya no están disponibles y el enlace anterior ya no es " \
           "válido; esta es la nueva para el despliegue a producción" in draft  # fmt: skip
    first = dataclasses.replace(again, proposal_round=1)
    assert "Les proponemos la siguiente fecha" in Renderer().proposals_draft(
        first, config, slots, now=NOW
    )


@pytest.mark.parametrize(
    ("language", "one", "several"),
    [
        ("es", ("Les proponemos la siguiente fecha", "¿Nos pueden confirmar si les va bien?"),
         ("Les proponemos las siguientes fechas", "¿Nos pueden indicar cuál les va mejor?")),
        ("ca", ("Us proposem la data següent", "Ens podeu confirmar si us va bé?"),
         ("Us proposem les dates següents", "Ens podeu indicar quina us va millor?")),
        ("en", ("We propose the following date ", "Could you confirm that it suits you?"),
         ("We propose the following dates", "Could you tell us which suits you best?")),
    ],
)  # fmt: skip
def test_one_proposed_date_is_written_in_the_singular(
    language: str, one: tuple[str, ...], several: tuple[str, ...]
) -> None:
    config = config_in(language)
    ready = make_deployment(state=State.READY)
    first = Slot(at("2026-12-01 09:30"), at("2026-12-01 09:45"))
    second = Slot(at("2026-12-02 09:30"), at("2026-12-02 09:45"))
    single = Renderer().proposals_draft(ready, config, [first], now=NOW)
    double = Renderer().proposals_draft(ready, config, [first, second], now=NOW)
    assert all(words in single for words in one)
    assert all(words in double for words in several)
    assert not any(words in single for words in several)


def test_the_proposals_comment_has_one_gap_between_paragraphs() -> None:
    html = plain_text_html("Buenos días.\n\nLes proponemos:\n  1. martes\n\n\nSaludos,\nSoffid")
    assert html == (
        "<p>Buenos días.</p>\n<p>Les proponemos:<br>\n  1. martes</p>\n<p>Saludos,<br>\nSoffid</p>"
    )


@pytest.mark.parametrize(
    ("language", "cancel", "delay"),
    [
        ("es", "previsto para el martes 1 de diciembre de 2026 a la 01:00 queda",
         "Estimamos que terminará hacia la 01:10."),
        ("ca", "previst per al dimarts 1 de desembre del 2026 a la 01:00 queda",
         "Estimem que acabarà cap a la 01:10."),
        ("en", "planned for Tuesday 1 December 2026 at 01:00 has", "finish around 01:10."),
    ],
)  # fmt: skip
def test_one_oclock_is_singular(language: str, cancel: str, delay: str) -> None:
    config = config_in(language)
    night = make_deployment(planned_start=at("2026-12-01 01:00"), state=State.CANCELLED)
    renderer = Renderer()
    assert cancel in renderer.email("cancel", night, config, now=NOW).text
    late = renderer.email("delay", night, config, now=NOW, expected_end_time="01:10")
    assert delay in late.text


@pytest.mark.parametrize(
    ("language", "ticket", "component", "back"),
    [
        ("es", "del siguiente ticket queda", "Se desplegará el siguiente componente:",
         "a la versión anterior del componente:"),
        ("ca", "del tiquet següent queda", "El component que cal desplegar és:",
         "a la versió anterior del component:"),
        ("en", "for the following ticket is", "The component to deploy is:",
         "previous version of the component:"),
    ],
)  # fmt: skip
def test_one_ticket_and_one_component_are_written_in_the_singular(
    language: str, ticket: str, component: str, back: str
) -> None:
    config = config_in(language)
    one = make_deployment(tickets=make_deployment().tickets[:1],
                          components=make_deployment().components[:1])  # fmt: skip
    renderer = Renderer()
    schedule = renderer.email("schedule", one, config, now=NOW).text
    assert ticket in schedule and component in schedule
    assert back in renderer.email("rollback", one, config, now=NOW).text


@pytest.mark.parametrize(
    ("language", "headings"),
    [("es", ("Ticket:", "Componente:")), ("ca", ("Tiquet:", "Component:")),
     ("en", ("Ticket:", "Component:"))],
)  # fmt: skip
def test_a_calendar_description_of_one_ticket_and_one_component_says_so(
    language: str, headings: tuple[str, str]
) -> None:
    one = make_deployment(tickets=make_deployment().tickets[:1],
                          components=make_deployment().components[:1])  # fmt: skip
    text = Renderer().event_text("customer", one, config_in(language), now=NOW)
    assert all(f"\n{heading}\n" in text for heading in headings)


@pytest.mark.parametrize(
    ("start", "subject"),
    [("2026-12-01 09:30", "programat per a l'01/12/2026 a les 09:30"),
     ("2026-12-11 09:30", "programat per a l'11/12/2026 a les 09:30"),
     ("2026-12-02 09:30", "programat per al 02/12/2026 a les 09:30")],
)  # fmt: skip
def test_the_catalan_schedule_subject_contracts_before_the_1st_and_the_11th(
    start: str, subject: str
) -> None:
    deployment = make_deployment(planned_start=at(start))
    email = Renderer().email("schedule", deployment, config_in("ca"), now=NOW)
    assert email.subject.endswith(subject)


@pytest.mark.parametrize(
    ("language", "restarts", "rolled_back"),
    [("es", "Se requiere reiniciar", "addon-diba 3.2.10 (en lugar de 3.2.11)"),
     ("ca", "Cal reiniciar", "addon-diba 3.2.10 (en lloc de 3.2.11)"),
     ("en", "A restart of", "addon-diba 3.2.10 (instead of 3.2.11)")],
)  # fmt: skip
def test_the_customers_event_of_a_cancelled_or_rolled_back_deployment_says_what_holds(
    language: str, restarts: str, rolled_back: str
) -> None:
    config = config_in(language)
    cancelled = dataclasses.replace(make_deployment(), state=State.CANCELLED)
    done = started(make_deployment(), "2026-12-01 09:31", "2026-12-01 10:08")
    back = dataclasses.replace(done, state=State.ROLLED_BACK)
    assert restarts not in Renderer().event_text("customer", cancelled, config, now=NOW)
    text = Renderer().event_text("customer", back, config, now=NOW)
    assert rolled_back in text
    assert "addon-diba 3.2.11\n" not in text


def test_the_catalan_invitation_elides_de_before_a_customer_in_both_parts() -> None:
    deployment = make_deployment(id="AND-2026-0001", customer="Andalucia")
    email = Renderer().email("invitation", deployment, config_in("ca"), now=NOW)
    assert "d'Andalucia (AND-2026-0001)" in email.text
    assert "d'<strong>Andalucia</strong> (AND-2026-0001)" in html_text.unescape(email.html)


def test_the_sender_and_the_events_organizer_are_named_in_the_readers_language() -> None:
    config = config_in("ca")
    renderer = Renderer()
    email = compose_email("schedule", make_deployment(), config, renderer, now=NOW)
    assert email.sender == "Desplegaments Soffid <deploy@soffid.example>"
    event = calendar_event(make_deployment(), config, renderer, now=NOW, audience="customer")
    assert (
        'ORGANIZER;CN="Desplegaments Soffid":mailto:deploy@soffid.example' in to_ics(event).decode()
    )


def test_ticket_titles_are_escaped_in_html_and_kept_in_text() -> None:
    deployment = make_deployment(
        tickets=(make_deployment().tickets[0].__class__("ES-1", '<script>alert("x")</script>'),)
    )
    email = Renderer().email("start", deployment, config_in("es"), now=NOW)
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in email.html
    assert '<script>alert("x")</script>' in email.text


def test_subject_cannot_carry_a_line_break_from_a_ticket() -> None:
    deployment = make_deployment(customer="DIBA", environment="PRE\r\nBcc: evil@example.com")
    email = Renderer().email("start", deployment, config_in("es"), now=NOW)
    assert "\n" not in email.subject and "\r" not in email.subject
    assert email.subject.endswith("al entorno PRE Bcc: evil@example.com de DIBA")


@pytest.mark.parametrize(
    ("language", "local", "expected"),
    [
        *[(lang, time(8, 0), "morning") for lang in ("es", "ca", "en")],
        ("en", time(11, 59), "morning"),
        ("en", time(13, 30), "afternoon"),  # Good afternoon from noon
        ("en", time(18, 0), "night"),
        ("es", time(13, 30), "morning"),  # Buenos días until two
        ("ca", time(13, 59), "morning"),
        ("es", time(14, 0), "afternoon"),
        ("ca", time(19, 59), "afternoon"),
        ("es", time(20, 0), "night"),
        ("ca", time(23, 30), "night"),
    ],
)
def test_part_of_day_follows_the_local_time_and_the_language(
    language: str, local: time, expected: str
) -> None:
    assert part_of_day(local, language) == expected


@pytest.mark.parametrize(
    ("sent", "greeting"),
    [("2026-12-01 09:00", "Buenos días:\n"), ("2026-12-01 16:00", "Buenas tardes:\n"),
     ("2026-12-01 22:15", "Buenas noches:\n")],
)  # fmt: skip
def test_greeting_follows_the_time_of_sending_in_madrid(sent: str, greeting: str) -> None:
    email = Renderer().email("end", make_deployment(), config_in("es"), now=at(sent))
    assert email.text.startswith(greeting)


def test_greeting_uses_the_provider_time_zone_not_utc() -> None:
    # 13:30 UTC is 14:30 in Madrid in December: afternoon, although UTC says morning.
    now = datetime.fromisoformat("2026-12-01T13:30:00+00:00")
    email = Renderer().email("end", make_deployment(), config_in("ca"), now=now)
    assert email.text.startswith("Bona tarda,\n")


def test_environment_is_named_when_not_production() -> None:
    config = config_in("es")
    production = Renderer().email("start", make_deployment(), config, now=NOW)
    pre = Renderer().email("start", make_deployment(environment="PRE"), config, now=NOW)
    assert "el despliegue a producción de los siguientes" in production.text
    assert "el despliegue al entorno PRE de los siguientes" in pre.text


def test_no_restart_and_long_duration_are_written_out() -> None:
    from datetime import timedelta

    deployment = make_deployment(restarts="", duration=timedelta(hours=1, minutes=30))
    config = config_in("es")
    customers = [c.model_copy(update={"restarts": ""}) for c in config.customers]
    email = Renderer().email(
        "start", deployment, config.model_copy(update={"customers": customers}), now=NOW
    )
    assert (
        "No se requiere reiniciar ningún servicio. Se estima una duración de 1 hora y 30 minutos."
        in email.text
    )


def test_email_only_request_lists_its_description_instead_of_tickets() -> None:
    deployment = make_deployment(
        tickets=(), description="Petición por correo de Núria: nuevo conector"
    )
    email = Renderer().email("start", deployment, config_in("es"), now=NOW)
    assert "  · Petición por correo de Núria: nuevo conector" in email.text


def test_a_missing_variable_is_an_error_not_an_empty_string(tmp_path: Path) -> None:
    (tmp_path / "email" / "es").mkdir(parents=True)
    (tmp_path / "email" / "es" / "end.txt").write_text(
        "Subject: {{ deployment_id }}\n{{ no_such_variable }}\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError, match="no_such_variable"):
        Renderer(tmp_path).email("end", make_deployment(), config_in("es"), now=NOW)


def test_a_template_folder_overrides_single_templates(tmp_path: Path) -> None:
    (tmp_path / "email" / "es").mkdir(parents=True)
    (tmp_path / "email" / "es" / "end.txt").write_text(
        "Subject: Hecho {{ deployment_id }}\nTerminado a las {{ actual_end_time }}.\n",
        encoding="utf-8",
    )
    deployment = started(make_deployment(), "2026-12-01 09:31", "2026-12-01 09:52")
    renderer = Renderer(tmp_path)
    email = renderer.email("end", deployment, config_in("es"), now=NOW)
    assert email.subject == "Hecho DIBA-2026-0007"
    assert email.text == "Terminado a las 09:52.\n"
    assert "El despliegue se ha completado" in email.html  # the shipped HTML part still applies
    start = renderer.email("start", deployment, config_in("es"), now=NOW)
    assert start.text.startswith("Buenos días:")


def test_a_text_template_without_subject_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / "email" / "es").mkdir(parents=True)
    (tmp_path / "email" / "es" / "end.txt").write_text("Hola\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="first line must be 'Subject: …'"):
        Renderer(tmp_path).email("end", make_deployment(), config_in("es"), now=NOW)


def test_a_catalan_operator_reads_catalan_notes() -> None:
    note = Renderer().deployment_note("checklist", make_deployment(), config_in("ca"), now=NOW)
    assert "Llista de comprovació de DIBA-2026-0007" in note
    assert "Lista de comprobación" not in note


def test_checklist_has_an_am_pam_line_only_for_am_pam_customers() -> None:
    config = config_in("es")
    renderer = Renderer()
    diba = renderer.deployment_note("checklist", make_deployment(), config, now=NOW)
    cam = renderer.deployment_note(
        "checklist", make_deployment(id="CAM-2026-0001", customer="CAM"), config, now=NOW
    )
    assert "AM/PAM" in diba
    assert "AM/PAM" not in cam


def status_context(event: str, language: str) -> dict[str, object]:
    """What the domain puts in each status note, in the note's language (people's own words,
    like a rollback reason, stay as they wrote them)."""
    row = LogRow(deployment_id="DIBA-2026-0007", status="planned")
    contexts: dict[str, dict[str, object]] = {
        "started": {},
        "delayed": {},
        "rolled_back": {"message": "la consola no arranca"},
        "cancelled": {"message": "congelación de cambios del cliente"},
        "ignored": {
            "message": say(
                language,
                "ignored",
                name="deploy-start",
                id="DIBA-2026-0007",
                why=say(language, "ignored_not_scheduled", state=say(language, "state_ready")),
            )
        },
        "updated": {"details": [say(language, "detail_restart", text="solo los syncservers")]},
        "released": {"message": "addon-diba 3.2.12"},
        "help": {"details": help_lines(language)},
        "alert": {
            "message": say(
                language,
                "alert_message",
                effect=describe(UpsertLogRow("k", "DIBA", row), language),
                attempts=5,
                error="LogLockedError",
            )
        },
        "not_handled": {
            "message": say(
                language, "partner_exclusive", customer="Andalucia", partner="Sur Sistemas"
            )
        },
    }
    return contexts[event]


STATUS_EVENTS = (
    "alert",
    "cancelled",
    "delayed",
    "help",
    "ignored",
    "not_handled",
    "released",
    "rolled_back",
    "started",
    "updated",
)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", STATUS_EVENTS)
def test_every_status_note_matches_its_golden_file(event: str, language: str) -> None:
    deployment = started(make_deployment(), "2026-12-01 09:31")
    context = status_context(event, language)
    note = Renderer().deployment_note(
        "status", deployment, config_in(language), now=NOW, event=event, **context
    )
    assert_golden(f"notes/{language}/status-{event}.html", note)


@pytest.mark.parametrize(
    ("language", "title", "step"),
    [
        ("es", "Guía de marcha atrás", "addon-diba: volver a 3.2.10 — redesplegar"),
        ("ca", "Guia de marxa enrere", "addon-diba: tornar a 3.2.10 — redesplegar"),
        ("en", "Rollback guide", "addon-diba: go back to 3.2.10 — redeploy"),
    ],
)
def test_the_generated_rollback_guide_reaches_each_reader_in_their_language(
    language: str, title: str, step: str
) -> None:
    deployment = dataclasses.replace(make_deployment(), rollback_guide="auto")
    config = config_in(language)
    checklist = Renderer().deployment_note("checklist", deployment, config, now=NOW)
    invitation = Renderer().email("invitation", deployment, config, now=NOW)
    team_event = Renderer().event_text("team", deployment, config, now=NOW)
    for text in (checklist, invitation.text, invitation.html, team_event):
        assert title in text and step in text
    # The log is shared with the customer: the guide is the team's, not the log's.
    shared = [log_row(deployment, config).notes or ""]
    shared.append(Renderer().event_text("customer", deployment, config, now=NOW))
    for text in shared:
        assert title not in text and step not in text


def test_a_written_rollback_guide_is_shown_as_written() -> None:
    written = "restore the 3.2.10 war and call Marta"
    deployment = dataclasses.replace(make_deployment(), rollback_guide=written)
    checklist = Renderer().deployment_note("checklist", deployment, config_in("en"), now=NOW)
    assert written in checklist
