"""One language per reader: every sentence, note, reply, error and email is checked, in es, ca
and en, against words that only the other languages use.

Code (``<code>…</code>``), links and people's own words (ticket titles, the deployment's
restarts) are not language: the samples use neutral words for the latter, and the checks remove
the former before looking.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from string import Formatter

import pytest

from bot.config.models import Config
from bot.domain.commands import COMMAND_NAMES, help_lines
from bot.domain.effects import LogRow, PostNote, SendEmail, UpsertLogRow
from bot.domain.events import Origin
from bot.domain.model import Deployment, State, TicketRef
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.rendering import EMAIL_KINDS, GREETING_TURNS, Renderer
from bot.domain.replies import alert, unattached
from bot.domain.routing import NoteSeen, TicketSeen, route_note
from bot.domain.texts import CATALOGUE, LANGUAGES, fill
from bot.domain.texts.calendar import LOCALES
from tests.factories import (
    component_facts,
    customer_data,
    make_config,
    make_deployment,
    make_facts,
    started,
    ticket_facts,
)

#: Words each language uses and the two others never do (whole words, any case).
MARKERS: dict[str, frozenset[str]] = {
    "es": frozenset(
        """los las y con para pero está están hay este esta ya cuando antes desde hasta
        también aún ningún ninguna despliegue correo""".split()  # noqa: SIM905
    ),
    "ca": frozenset(
        """els amb és aquest aquesta aquests aquestes després abans fins quan també encara
        cap desplegament correu seva""".split()  # noqa: SIM905
    ),
    "en": frozenset(
        """the is and of to with not this for when has are was be been email tag""".split()  # noqa: SIM905
    ),
}
NOW = datetime.fromisoformat("2026-12-01T09:20:00+01:00")
_CODE = re.compile(r"<code>.*?</code>|<a [^>]*>.*?</a>|https?://\S+", re.S)
_TAGS = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def foreign_words(text: str, language: str) -> set[str]:
    """The words of ``text`` that belong to another language than ``language``."""
    plain = html.unescape(_TAGS.sub(" ", _CODE.sub(" ", text)))
    words = {word.casefold() for word in _WORD.findall(plain)}
    others = set().union(*(MARKERS[other] for other in LANGUAGES if other != language))
    return words & others


def neutral_config(language: str) -> Config:
    """One customer whose operator and customer both read ``language``."""
    customer = customer_data(
        language=language,
        restarts="syncserver",
        contacts={"managers": ["Núria Puig <npuig@diba.example>"], "helpdesk": []},
    )
    return make_config([customer], language=language, email_domain="soffid.example")


def neutral_deployment(state: State = State.SCHEDULED) -> Deployment:
    tickets = (TicketRef("7412280", "ORGANISMES", id=1),)
    return make_deployment(tickets=tickets, restarts="syncserver", state=state)


def rendered_texts(language: str) -> Iterator[tuple[str, str]]:
    """(what, text) for every note, reply, error and email a reader of ``language`` gets."""
    config, renderer = neutral_config(language), Renderer()
    deployment = neutral_deployment()
    running = started(deployment, "2026-12-01 09:31")
    for kind in EMAIL_KINDS:
        subject = running if kind in ("start", "delay", "end", "rollback") else deployment
        email = renderer.email(kind, subject, config, now=NOW, language=language)
        yield f"email {kind}", f"{email.subject}\n{email.text}\n{email.html}"
    yield "checklist", renderer.deployment_note("checklist", running, config, now=NOW)
    yield "completion", renderer.completion_comment(running, config, now=NOW)
    failing = make_facts(
        tickets=(ticket_facts(title="ORGANISMES", tags=()),),
        components=(component_facts(release_found=False, errors={"pipeline_succeeded": "502"}),),
    )
    yield "report", renderer.prerequisites_note(check_prerequisites(failing, config), config)
    yield (
        "report ok",
        renderer.prerequisites_note(check_prerequisites(make_facts(), config), config),
    )
    origin = Origin("tag", "Marta", 1)
    report = check_prerequisites(make_facts(tickets=()), config)
    for effect in unattached(1, "c", report, origin, config, renderer).effects:
        if isinstance(effect, PostNote):
            yield "unattached", effect.html
    row = UpsertLogRow("k", "DIBA", LogRow("DIBA-2026-0007", "planned"))
    for effect in alert("DIBA-2026-0007", deployment, row, 5, "Timeout", config, renderer).effects:
        if isinstance(effect, PostNote):
            yield "alert note", effect.html
        elif isinstance(effect, SendEmail):
            yield "alert email", f"{effect.email.subject}\n{effect.email.html}"
    yield "help", "\n".join(help_lines(language))


def command_errors(language: str) -> Iterator[tuple[str, str]]:
    """The reply to every kind of malformed command, and to a command on no deployment."""
    config, renderer = neutral_config(language), Renderer()
    lines = [
        "/deploy schedule",
        "/deploy schedule 2026-13-01 09:30",
        "/deploy schedule 2026/12/01 09:30",
        "/deploy schedule 2026-12-01 9:3",
        "/deploy schedule 2026-12-01 09:30 soon",
        "/deploy schedule 2026-12-01 09:30 200h",
        "/deploy schedule 2999-12-01 09:30",
        "/deploy schedule 2026-12-01 09:30 15m extra words",
        "/deploy schedule 2026-12-01 09:30 force:",
        "/deploy launch",
        "/deploy components addon-diba",
        "/deploy components addon-diba 1.0, addon-diba 2.0",
        "/deploy env PRE PRO",
        "/deploy delay 0m",
        *(f"/deploy {name}" for name in ("env", "restart", "rollback", "rollback-plan")),
    ]
    for number, line in enumerate(lines):
        note = NoteSeen(number, "Marta", f"<p>{line}</p>")
        for routed in route_note(TicketSeen(1, "7412280"), note, None, config, renderer):
            for effect in getattr(routed, "effects", ()):
                yield line, effect.html
    for name in COMMAND_NAMES:
        if name == "help":
            continue
        note = NoteSeen(100, "Marta", f"<p>/deploy {name} x</p>")
        for routed in route_note(TicketSeen(1, "7412280"), note, None, config, renderer):
            for effect in getattr(routed, "effects", ()):
                yield f"{name} without deployment", effect.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_of_the_catalogue_is_in_its_own_language(language: str) -> None:
    foreign = {}
    for key, sentence in CATALOGUE[language].items():
        fields = {name for _, name, _, _ in Formatter().parse(sentence) if name}
        found = foreign_words(fill(sentence, **dict.fromkeys(fields, "X")), language)
        if found:
            foreign[key] = found
    assert foreign == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_note_and_email_is_in_its_readers_language(language: str) -> None:
    foreign = {what: found for what, text in rendered_texts(language)
               if (found := foreign_words(text, language))}  # fmt: skip
    assert foreign == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_error_is_in_the_operators_language(language: str) -> None:
    replies = list(command_errors(language))
    assert len(replies) >= 20
    foreign = {line: found for line, text in replies if (found := foreign_words(text, language))}
    assert foreign == {}


def test_every_language_has_every_sentence() -> None:
    keys = {language: set(sentences) for language, sentences in CATALOGUE.items()}
    assert keys["es"] == keys["ca"] == keys["en"]


def test_the_markers_catch_a_sentence_in_another_language() -> None:
    assert foreign_words("The prerequisites no longer hold; fix them", "es") == {"the"}
    assert foreign_words("No he entendido: this ticket has no open deployment", "es") == {
        "this",
        "has",
    }
    assert foreign_words("Cal reiniciar las consolas y los syncservers", "ca") == {
        "las",
        "y",
        "los",
    }
    assert foreign_words("<code>/deploy rollback the reason</code> motiu", "ca") == set()


def test_every_per_language_table_follows_the_one_list_of_languages() -> None:
    assert set(LOCALES) == set(LANGUAGES)
    assert set(GREETING_TURNS) == set(LANGUAGES)
    templates = Path(__file__).resolve().parent.parent / "templates"
    for folder in ("comments", "drafts", "email", "events", "notes"):
        found = {path.name for path in (templates / folder).iterdir() if path.is_dir()}
        assert found == set(LANGUAGES), folder
