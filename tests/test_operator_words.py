"""What an operator types never reaches a customer in the operator's language.

An operator in one language types a ``/deploy restart`` line, a cancel reason, a rollback
reason, and has configured check names in that language; a customer reading another language
gets every artifact (emails in text and HTML, its calendar event in every state, the public
comment, the shared log's row) without one word of it. The team keeps every word.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.config.loading import load_config
from bot.config.models import Config
from bot.config.step3 import LiveCheck
from bot.domain.calendar.rules import Slot
from bot.domain.commands import CommandError, RawCommand, SetRestarts, parse_command
from bot.domain.effects import PostNote, PublishCalendarEvent, SendEmail, UpsertLogRow
from bot.domain.events import (
    CancelRequested,
    DelayRequested,
    DetailsChanged,
    DoneRequested,
    Event,
    Origin,
    RollbackRequested,
    StartRequested,
)
from bot.domain.lifecycle import apply
from bot.domain.model import Deployment, State
from bot.domain.notifications import calendar_event, log_row
from bot.domain.rendering import Renderer, moment_words
from bot.domain.step3 import Flight, LiveOutcome
from bot.resources import example_config_path
from tests.factories import MADRID, at, make_deployment

TAG = Origin("tag", "marta", 1)
SLOT = at("2026-12-01 09:30")

#: What an operator of each language types and names: a restart line, a cancel reason, a
#: rollback reason, two check names (words no customer text of deploybot's own uses).
TYPED: dict[str, dict[str, str]] = {
    "ca": {
        "restart": "els motors vermells i la cuina",
        "cancel": "el pressupost s'ha esgotat",
        "rollback": "la pantalla blava apareix sovint",
        "check_console": "Tauler Groc",
        "check_api": "Rellotge Daurat",
    },
    "es": {
        "restart": "los motores morados y la cocina",
        "cancel": "presupuesto agotado ayer",
        "rollback": "pantalla azulada aparece",
        "check_console": "Puerta Amarilla",
        "check_api": "Reloj Dorado",
    },
    "en": {
        "restart": "the purple engines and the kitchen",
        "cancel": "budget exhausted yesterday",
        "rollback": "bluish screen appears often",
        "check_console": "Yellow Board",
        "check_api": "Golden Clock",
    },
}
PAIRS = [(customer, operator) for customer in TYPED for operator in TYPED if customer != operator]


def operator_words(operator: str) -> set[str]:
    """The distinctive words the operator typed (articles and short words left out)."""
    return {
        word.casefold()
        for text in TYPED[operator].values()
        for word in re.findall(r"[^\W\d_]{5,}", text)
    }


def setup(customer_language: str, operator: str) -> Config:
    """The example configuration: DIBA reads ``customer_language``, the operator
    ``operator``, and DIBA's two checks are named in the operator's language."""
    config = load_config(example_config_path())
    typed = TYPED[operator]
    checks = [
        LiveCheck.model_validate({"name": typed["check_console"], "kind": "console",
                                  "url": "https://console.diba.example/health"}),
        LiveCheck.model_validate({"name": typed["check_api"], "kind": "api",
                                  "url": "https://api.diba.example/health"}),
    ]  # fmt: skip
    customers = [
        c.model_copy(update={"language": customer_language, "checks": checks})
        if c.name == "DIBA"
        else c
        for c in config.customers
    ]
    provider = config.provider.model_copy(update={"language": operator})
    return config.model_copy(update={"provider": provider, "customers": customers})


def typed_restart(operator: str) -> str:
    """The restart line as the operator writes it, read by the command parser."""
    raw = RawCommand("restart", TYPED[operator]["restart"], "/deploy restart")
    command = parse_command(raw, MADRID)
    assert isinstance(command, SetRestarts)
    return command.text


def lifecycle(config: Config, operator: str) -> Iterator[tuple[Deployment, list[object]]]:
    """Every deployment state and the effects that led to it, from the operator's words."""
    renderer = Renderer()
    typed = TYPED[operator]

    def step(d: Deployment, event: Event, now: str) -> tuple[Deployment, list[object]]:
        new, effects = apply(d, event, at(now), config, renderer)
        return new, list(effects)

    scheduled = make_deployment(state=State.SCHEDULED, planned_start=SLOT)
    scheduled, effects = step(scheduled, DetailsChanged(TAG, restarts=typed_restart(operator)),
                              "2026-11-30 10:00")  # fmt: skip
    yield scheduled, effects
    yield step(scheduled, CancelRequested(TAG, typed["cancel"]), "2026-11-30 11:00")
    running, effects = step(scheduled, StartRequested(TAG), "2026-12-01 09:31")
    yield running, effects
    delayed, effects = step(running, DelayRequested(TAG, timedelta(minutes=30)), "2026-12-01 09:40")
    yield delayed, effects
    yield step(running, RollbackRequested(TAG, typed["rollback"]), "2026-12-01 09:50")
    checks = config.customer("DIBA").checks
    flight = Flight("after", (LiveOutcome(checks[0].label, True, version="3.2.11"),
                              LiveOutcome(checks[1].label, True)), firing=None)  # fmt: skip
    yield step(delayed, DoneRequested(TAG, postflight=flight), "2026-12-01 10:08")


def customer_artifacts(config: Config, operator: str) -> Iterator[tuple[str, str]]:
    """(what, text) of everything the customer reads, the effects' and each state's event."""
    renderer = Renderer()
    for deployment, effects in lifecycle(config, operator):
        state = deployment.state.value
        for effect in effects:
            if isinstance(effect, SendEmail) and ".invitation." not in effect.email.message_id:
                email = effect.email
                yield (
                    f"email {state}",
                    f"{email.sender}\n{email.subject}\n{email.text}\n{email.html}",
                )
                if email.invitation is not None:
                    yield f"email {state} event", email.invitation.description
            elif isinstance(effect, PublishCalendarEvent) and ".customer@" in effect.event.uid:
                yield f"event {state}", f"{effect.event.summary}\n{effect.event.description}"
            elif isinstance(effect, PostNote) and effect.public:
                yield f"comment {state}", effect.html
            elif isinstance(effect, UpsertLogRow):
                cells = [str(v) for v in dataclasses.asdict(effect.row).values() if v is not None]
                yield f"log {state}", "\n".join(cells)
        event = calendar_event(deployment, config, renderer, now=SLOT, audience="customer")
        yield f"event {state} (rendered)", f"{event.organizer}\n{event.description}"
        yield f"log {state} (rendered)", str(log_row(deployment, config))
        if deployment.state is State.SCHEDULED:
            slots = [Slot(at("2026-12-02 09:00"), at("2026-12-02 09:15"))]
            yield "draft", renderer.proposals_draft(deployment, config, slots, now=SLOT)
            offer = renderer.email("proposals", deployment, config, now=SLOT,
                                   link="https://deploybot.example/book/x")  # fmt: skip
            yield "proposals", f"{offer.subject}\n{offer.text}\n{offer.html}"
            chosen = moment_words(SLOT, config, config.customer("DIBA").language)
            yield (
                "chosen",
                renderer.email("chosen", deployment, config, now=SLOT, chosen=chosen).text,
            )


def team_artifacts(config: Config, operator: str) -> str:
    """Everything the team reads of the same lifecycle: notes and the team's events."""
    texts = []
    for _, effects in lifecycle(config, operator):
        for effect in effects:
            if isinstance(effect, PostNote) and not effect.public:
                texts.append(effect.html)
            elif isinstance(effect, PublishCalendarEvent) and ".customer@" not in effect.event.uid:
                texts.append(effect.event.description)
    return "\n".join(texts)


@pytest.mark.parametrize(("customer", "operator"), PAIRS)
def test_no_word_an_operator_typed_reaches_a_customer_of_another_language(
    customer: str, operator: str
) -> None:
    config = setup(customer, operator)
    words = operator_words(operator)
    artifacts = list(customer_artifacts(config, operator))
    kinds = {what.split()[0] for what, _ in artifacts}
    assert {"email", "event", "comment", "log", "draft", "proposals", "chosen"} <= kinds
    states = {what.split()[1] for what, _ in artifacts if what.startswith("event")}
    assert states == {"scheduled", "cancelled", "in_progress", "delayed", "rolled_back",
                      "completed"}  # fmt: skip
    leaked = {
        what: found
        for what, text in artifacts
        if (found := words & {w.casefold() for w in re.findall(r"[^\W\d_]+", text)})
    }
    assert leaked == {}


@pytest.mark.parametrize(("customer", "operator"), PAIRS)
def test_the_team_reads_every_word_the_operator_typed(customer: str, operator: str) -> None:
    team = team_artifacts(setup(customer, operator), operator).casefold()
    missing = [text for key, text in TYPED[operator].items()
               if key != "check_api" and text.casefold().replace("'", "&#39;") not in team
               and text.casefold() not in team]  # fmt: skip
    assert missing == []


CUSTOMER_WORDS = {
    "es": ("Se requiere reiniciar las consolas y los servidores de sincronización.",
           "Hemos comprobado que la consola responde y ejecuta la versión 3.2.11 y que la API "
           "responde."),
    "ca": ("Cal reiniciar les consoles i els servidors de sincronització.",
           "Hem comprovat que la consola respon i executa la versió 3.2.11 i que l'API respon."),
    "en": ("A restart of the consoles and the sync servers is required.",
           "We have checked that the console is responding and running version 3.2.11 and "
           "that the API is responding."),
}  # fmt: skip


@pytest.mark.parametrize(("customer", "operator"), PAIRS)
def test_the_customer_reads_its_own_restarts_and_the_neutral_check_words(
    customer: str, operator: str
) -> None:
    text = "\n".join(text for _, text in customer_artifacts(setup(customer, operator), operator))
    restarts, verified = CUSTOMER_WORDS[customer]
    assert restarts in text
    assert verified in text


def test_a_restart_line_per_language_reaches_each_customer_in_theirs() -> None:
    config = setup("ca", "es")
    line = "es: la cocina | ca: la cuina"
    deployment = make_deployment(restarts=line)
    email = Renderer().email("schedule", deployment, config, now=SLOT)
    assert "Cal reiniciar la cuina." in email.text
    assert log_row(deployment, config).restarts == "la cuina"
    team = calendar_event(deployment, config, Renderer(), now=SLOT, audience="team")
    assert "Reinicios: la cocina." in team.description


def test_a_plain_name_or_restart_reaches_a_customer_of_the_operators_language() -> None:
    config = setup("es", "es")
    deployment = make_deployment(restarts="los motores morados",
                                 verified=(("Puerta Amarilla", ""),))  # fmt: skip
    text = Renderer().email("end", deployment, config, now=SLOT).text
    assert "Hemos comprobado que Puerta Amarilla responde." in text
    assert log_row(deployment, config).restarts == "los motores morados"


def test_a_restart_line_with_an_unknown_language_is_refused_with_how_to_write_it() -> None:
    with pytest.raises(CommandError) as refused:
        parse_command(RawCommand("restart", "es: la cocina | fr: la cuisine", "/deploy"), MADRID)
    assert "fr: la cuisine" in refused.value.problem.text("en")
    assert refused.value.usage == "restart"
