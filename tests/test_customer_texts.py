"""Two audiences, never mixed: everything a customer or partner can see — the emails, their
calendar event, the public comment, the draft the engineer sends, the shared log's cells — is in
that customer's language and carries nothing internal, with a Spanish operator writing the
team's texts. And Catalan elides and contracts before values that start with a vowel sound."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.models import Config, EmailKind
from bot.domain.calendar.rules import Slot
from bot.domain.model import ComponentVersion, Deployment, State, TicketRef
from bot.domain.notifications import calendar_event, log_row
from bot.domain.problems import Problem
from bot.domain.rendering import EMAIL_KINDS, Renderer, moment_words
from bot.domain.step3 import verified_sentence
from bot.domain.texts import CATALOGUE, LANGUAGES, say
from bot.domain.texts.grammar import al, de, del_, el, starts_with_vowel_sound
from bot.resources import templates_path
from tests.factories import at, customer_data, make_config, make_deployment
from tests.test_languages import NOW, foreign_words

#: What only the team may read: the rollback guide, its steps and versions, the checklist, the
#: check codes, the rules a forced booking broke, deploybot's note marker. (That a deployment
#: was rolled back, or forced and why, the customer is told.)
INTERNAL = re.compile(
    r"guía de marcha atrás|guia de marxa enrere|rollback guide|marcha atrás a \d|"
    r"marxa enrere a \d|rollback to \d|volver a \d|tornar a \d|go back to|redesplegar|"
    r"redeploy|checklist|comprobación|comprovació|deploybot ref|\b[a-z]+_[a-z_]+\b|viernes",
    re.IGNORECASE,
)


def customer_config(language: str) -> Config:
    """A customer reading ``language``, a partner, and a Spanish-speaking provider."""
    customer = customer_data(
        language=language,
        restarts="syncserver",
        managed_by="partner_delegated",
        partner={"name": "Integra", "contacts": ["Laura Gil <lgil@integra.example>"]},
        environments=[
            {"name": "PRO", "productive": True, "default": True},
            {"name": "PRE", "productive": True, "production_data": True},
        ],
    )
    return make_config([customer], language="es", email_domain="soffid.example")


def sample(state: State = State.SCHEDULED, **overrides: object) -> Deployment:
    deployment = make_deployment(
        tickets=(TicketRef("7412280", "ORGANISMES", id=1),),
        restarts="syncserver",
        rollback_guide="auto",
        notes=(Problem.of("note_forced", problems="viernes", reason="urgent fix"),),
        forced="urgent fix",
        state=state,
    )
    return dataclasses.replace(deployment, **overrides)  # type: ignore[arg-type]


def customer_artifacts(language: str) -> Iterator[tuple[str, str]]:
    """(what, text) for every artifact a customer reading ``language`` may see."""
    config, renderer = customer_config(language), Renderer()
    scheduled = sample()
    running = sample(State.IN_PROGRESS, actual_start=at("2026-12-01 09:31"))
    forced_close = Problem.of("note_done_forced", problems="✗ x", reason="urgent")
    done = sample(State.COMPLETED, actual_start=at("2026-12-01 09:31"),
                  actual_end=at("2026-12-01 09:52"), notes=(forced_close,),
                  verified=(("la consola", "3.2.11"), ("el servidor", "")))  # fmt: skip
    rolled = dataclasses.replace(done, state=State.ROLLED_BACK)
    cancelled = sample(State.CANCELLED)
    pre = sample(environment="PRE")
    moved = moment_words(at("2026-11-30 11:00"), config, language)
    for kind in EMAIL_KINDS:
        if kind == "invitation":
            continue  # the team's
        for deployment in (scheduled, running, done, pre):
            email = renderer.email(kind, deployment, config, now=NOW, moved_from=moved)
            yield f"email {kind}", f"{email.subject}\n{email.text}\n{email.html}"
    for deployment in (scheduled, done, rolled, cancelled, pre):
        event = calendar_event(deployment, config, renderer, now=NOW, audience="customer")
        yield f"event {deployment.state.value}", f"{event.summary}\n{event.description}"
    yield "comment", renderer.completion_comment(done, config, now=NOW)
    slots = [Slot(at("2026-12-01 09:00"), at("2026-12-01 09:15"))]
    yield "draft", renderer.proposals_draft(scheduled, config, slots, now=NOW)
    link = "https://deploybot.example/book/eyJkIjoxfQ.c2ln"
    yield "proposals with link", renderer.proposals_draft(scheduled, config, slots, now=NOW,
                                                          link=link)  # fmt: skip
    words = moment_words(at("2026-12-01 09:00"), config, language)
    values = {"target": "PRO", "customer": "DIBA", "customer_de": de("DIBA"), "window": "9–13",
              "day": words, "day_al": al(words), "slot": words, "slot_el": el(words),
              "slot_al": al(words), "slot_del": del_(words), "reasons": "-",
              "address": "cau@soffid.example", "city": "Madrid", "abbr": "CET",
              "zone": "CET", "number": 1, "name": "Navidad", "first": "1", "last": "2",
              "start": "09:00", "start_de": de("09:00"), "end": "13:00",
              "day_del": del_(words)}  # fmt: skip
    page = [say(language, key, **values) for key in CATALOGUE[language] if key.startswith("book_")]
    yield "booking page", "\n".join(page)
    for deployment in (scheduled, done, rolled):
        row = log_row(deployment, config)
        yield "log", "\n".join(v for v in (row.notes, row.restarts, row.tickets) if v)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_customer_artifact_is_in_the_customers_language_and_nothing_internal(
    language: str,
) -> None:
    artifacts = list(customer_artifacts(language))
    assert len(artifacts) >= 30
    foreign = {what: found for what, text in artifacts if (found := foreign_words(text, language))}
    internal = {what: hit.group() for what, text in artifacts
                if (hit := INTERNAL.search(re.sub(r"https?://\S+", "", text)))}  # fmt: skip
    assert foreign == {}
    assert internal == {}


def test_the_check_catches_an_internal_line_and_a_spanish_sentence() -> None:
    assert INTERNAL.search("Guía de marcha atrás: addon-diba: volver a 3.2.10")
    assert INTERNAL.search("customer_known: no existe")
    assert foreign_words("Les enviaremos un correo", "ca") == {"correo"}


def test_the_team_keeps_its_detail_in_the_operators_language() -> None:
    config = customer_config("ca")
    team = calendar_event(sample(), config, Renderer(), now=NOW, audience="team")
    assert "Guía de marcha atrás" in team.description
    assert "addon-diba 3.2.11 (marcha atrás a 3.2.10)" in team.description
    assert team.attendees == (
        "Marta Vidal <marta@soffid.example>",
        "Soporte <soporte@soffid.example>",
    )


# -- Catalan elision and contraction --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "with_de", "with_el"),
    [
        ("11:00", "d'11:00", "l'11:00"),
        ("1 hora", "d'1 hora", "l'1 hora"),
        ("11 minuts", "d'11 minuts", "l'11 minuts"),
        ("8 minuts", "de 8 minuts", "el 8 minuts"),
        ("18:00", "de 18:00", "el 18:00"),
        ("ES-7412280", "d'ES-7412280", "l'ES-7412280"),
        ("addon-diba", "d'addon-diba", "l'addon-diba"),
        ("hores", "d'hores", "l'hores"),
        ("hiena", "de hiena", "el hiena"),
        ("iogurt", "de iogurt", "el iogurt"),
        ("DIBA", "de DIBA", "el DIBA"),
        ("SQL", "d'SQL", "l'SQL"),
        ("syncserver", "de syncserver", "el syncserver"),
    ],
)  # fmt: skip
def test_catalan_elides_before_a_vowel_sound(value: str, with_de: str, with_el: str) -> None:
    assert de(value) == with_de and el(value) == with_el
    vowel = starts_with_vowel_sound(value)
    assert del_(value) == (f"de l'{value}" if vowel else f"del {value}")
    assert al(value) == (f"a l'{value}" if vowel else f"al {value}")


SCHEDULE_START: tuple[EmailKind, ...] = ("schedule", "start")
CATALAN_VALUES = {
    "duration": (timedelta(minutes=11), "d'11 minuts"),
    "hour": (timedelta(hours=1), "d'1 hora"),
    "eight": (timedelta(minutes=8), "de 8 minuts"),
}


@pytest.mark.parametrize("case", sorted(CATALAN_VALUES))
def test_catalan_emails_elide_durations_times_and_names(case: str) -> None:
    duration, expected = CATALAN_VALUES[case]
    config = customer_config("ca")
    deployment = sample(planned_start=at("2026-12-01 11:00"), duration=duration,
                        customer="DIBA")  # fmt: skip
    deployment = dataclasses.replace(
        deployment, tickets=(TicketRef("ES-7412280", "ORGANISMES", id=1),)
    )
    renderer = Renderer()
    texts = [renderer.email(kind, deployment, config, now=NOW).text for kind in SCHEDULE_START]
    for text in texts:
        assert f"S'estima una durada {expected}." in text
    assert "d'11:00 a " in texts[0]
    assert "de 11:00" not in "\n".join(texts)


def test_every_catalan_template_writes_de_and_el_before_values_through_the_filters() -> None:
    """A literal ``de {{ value }}`` in a Catalan template would miss the elision."""
    unfiltered = []
    for path in Path(templates_path()).glob("**/ca/*"):
        for match in re.finditer(r"\b(de|el|del|al) \{\{ ([a-z_.]+) \}\}", path.read_text()):
            unfiltered.append(f"{path.name}: {match.group()}")
    assert unfiltered == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_customer_template_exists_in_every_language(language: str) -> None:
    root = Path(templates_path())
    customer_templates = [
        *(f"email/{{}}/{kind}.{ext}" for kind in EMAIL_KINDS for ext in ("txt", "html")),
        "events/{}/customer.txt",
        "events/{}/team.txt",
        "comments/{}/completion.html",
        "drafts/{}/proposals.txt",
    ]
    missing = [name.format(language) for name in customer_templates
               if not (root / name.format(language)).is_file()]  # fmt: skip
    assert missing == []


def test_a_catalan_rollback_notice_elides_before_a_version_read_with_a_vowel() -> None:
    rolled = dataclasses.replace(
        sample(State.ROLLED_BACK),
        components=(ComponentVersion("addon-x", "1.0.0", "0.9.0"),
                    ComponentVersion("lib", "3.2.1", "3.2.0")),
    )  # fmt: skip
    text = Renderer().email("rollback", rolled, customer_config("ca"), now=NOW).text
    assert "addon-x 0.9.0 (en lloc d'1.0.0)" in text
    assert "lib 3.2.0 (en lloc de 3.2.1)" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "Hemos comprobado que la consola responde y ejecuta la versión 3.2.11, que la API "
               "responde y que el servidor responde."),
        ("ca", "Hem comprovat que la consola respon i executa la versió 3.2.11, que l'API respon "
               "i que el servidor respon."),
        ("en", "We have checked that the console is responding and running version 3.2.11, that "
               "the API is responding and that the server is responding."),
    ],
)  # fmt: skip
def test_what_was_verified_is_written_as_a_cldr_list(language: str, expected: str) -> None:
    names = {"es": ("la consola", "la API", "el servidor"),
             "ca": ("la consola", "l'API", "el servidor"),
             "en": ("the console", "the API", "the server")}[language]  # fmt: skip
    checks = [(names[0], "3.2.11"), (names[1], ""), (names[2], "")]
    assert verified_sentence(checks, language) == expected


def test_catalan_sentences_elide_and_one_oclock_is_singular() -> None:
    tested = say("ca", "test_ok", name="iam-sync", env="TEST", when="01/12/2026", id=7)
    assert tested == "iam-sync desplegat a TEST l'01/12/2026 (desplegament #7)"
    tested = say("ca", "test_ok", name="iam-sync", env="TEST", when="11/12/2026", id=7)
    assert tested == "iam-sync desplegat a TEST l'11/12/2026 (desplegament #7)"
    tested = say("ca", "test_ok", name="iam-sync", env="TEST", when="02/12/2026", id=7)
    assert tested == "iam-sync desplegat a TEST el 02/12/2026 (desplegament #7)"
    assert say("ca", "summary_failed", failed=3, total=11).startswith("3 d'11 prerequisits")
    assert say("es", "at_time", day="martes", time="01:00") == "martes a la 01:00"
    assert say("ca", "at_time", day="dimarts", time="01:30") == "dimarts a la 01:30"
    assert say("ca", "at_time", day="dimarts", time="11:00") == "dimarts a les 11:00"
    tested = say("ca", "test_ok", name="addon-diba", env="TEST", when="01/12/2026", id=7)
    assert tested == "addon-diba desplegat a TEST l'01/12/2026 (desplegament #7)"
    assert "TEST el 02/12/2026" in say("ca", "test_ok", name="a", env="TEST", when="02/12/2026",
                                       id=7)  # fmt: skip
