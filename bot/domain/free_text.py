"""What each audience reads of the text people type or configure in one language.

What an operator types (a ``/deploy restart`` line, a cancel or rollback reason) and what the
configuration names in one language (a check's ``name``) are written in the operator's
language: the team reads them as written; a customer reads them only where they are given in
the customer's language, else a sentence of deploybot's own in that language. Pure.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.config.models import Config, Customer
from bot.config.step3 import LiveCheck
from bot.domain.languages import LANGUAGES
from bot.domain.model import Deployment, note_texts
from bot.domain.step3 import verified_sentence
from bot.domain.texts import say

#: Who reads a text: the provider's team (internal detail, the operator's language) or the
#: customer and its partner (their language, nothing internal).
Audience = Literal["team", "customer"]

#: ``es: … | ca: …``: one text per language, each part led by its language code.
_PART = re.compile(r"^\s*(?P<language>[a-z]{2})\s*:\s*(?P<text>.*?)\s*$", re.DOTALL)


def language_parts(text: str) -> dict[str, str] | None:
    """The texts of a line written per language (``ca: els syncservers | es: los
    syncservers``), or None when the line is one plain text (in the operator's language)."""
    first = _PART.match(text.split("|", 1)[0])
    if first is None or first["language"] not in LANGUAGES:
        return None
    parts: dict[str, str] = {}
    for piece in text.split("|"):
        match = _PART.match(piece)
        if match is None or match["language"] not in LANGUAGES or not match["text"]:
            raise ValueError(piece.strip())
        parts[match["language"]] = match["text"]
    return parts


def team_restarts(typed: str, customer: Customer, language: str) -> str:
    """What is restarted, as the team reads it: the typed line's text in ``language`` (or the
    line as typed), else the customer's configured restarts."""
    try:
        parts = language_parts(typed)
    except ValueError:
        parts = None
    if parts is None:
        return typed or customer.restarts_in(language)
    return parts.get(language) or typed


def customer_restarts(typed: str, customer: Customer, language: str, provider: str) -> str:
    """What is restarted, as a customer reading ``language`` is told: the typed text only
    where it is given in that language (a plain line is the operator's, ``provider``),
    else the customer's configured restarts."""
    try:
        parts = language_parts(typed)
    except ValueError:
        parts = {}
    plain = typed if language == provider else ""
    given = plain if parts is None else parts.get(language, "")
    return given or customer.restarts_in(language)


def check_name_in(check: LiveCheck, language: str, provider: str) -> str:
    """A check's name as a customer reading ``language`` is told it: its name in that
    language, a plain name only in the operator's language (``provider``), else the neutral
    words of its kind ("el sistema", "la consola")."""
    name = check.name
    if isinstance(name, dict):
        given = name.get(language, "")  # type: ignore[call-overload]
    else:
        given = name if language == provider else ""
    return given or say(language, f"check_kind_{check.kind}")


def checks_without_language(customer: Customer, provider: str) -> list[tuple[str, str]]:
    """The customer's checks whose name is not given in the customer's language, each with
    the neutral words the customer reads instead: ``validate-config`` warns of each."""
    language = customer.language

    def named(check: LiveCheck) -> bool:
        if isinstance(check.name, dict):
            return language in check.name
        return language == provider

    return [
        (check.label, say(language, f"check_kind_{check.kind}"))
        for check in customer.checks
        if not named(check)
    ]


def verified_names(
    verified: tuple[tuple[str, str], ...], customer: Customer, language: str, provider: str
) -> list[tuple[str, str]]:
    """What was verified (check label, version), each check named for the customer; a
    check no longer configured is told by the neutral words of a system."""
    checks = {check.label: check for check in customer.checks}
    named: list[tuple[str, str]] = []
    for label, version in verified:
        check = checks.get(label)
        name = check_name_in(check, language, provider) if check else ""
        entry = (name or say(language, "check_kind_system"), version)
        if entry not in named:
            named.append(entry)
    return named


def audience_texts(
    deployment: Deployment, config: Config, language: str, audience: Audience
) -> dict[str, str | list[str]]:
    """The deployment's texts that depend on who reads them: what is restarted, its notes
    (a customer's without reasons or check codes) and what was verified."""
    customer = config.customer(deployment.customer)
    provider = config.provider.language
    if audience == "team":
        restarts = team_restarts(deployment.restarts, customer, language)
        verified = list(deployment.verified)
    else:
        restarts = customer_restarts(deployment.restarts, customer, language, provider)
        verified = verified_names(deployment.verified, customer, language, provider)
    shared = audience == "customer"
    return {
        "restarts": restarts,
        "notes": list(note_texts(deployment, language, shared=shared)),
        "verified": verified_sentence(verified, language),
    }
