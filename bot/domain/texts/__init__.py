"""One catalogue of every sentence deploybot writes, in es, ca and en.

The sentences live by subject (``calendar``, ``prerequisites``, ``workflow``) and are read
through :func:`say`. The one fallback rule: a language deploybot does not know is read in
English; every known language has every sentence (``tests/test_texts.py`` keeps it so).
"""

from __future__ import annotations

import string

from bot.domain.languages import FALLBACK, LANGUAGES
from bot.domain.texts import (
    booking,
    calendar,
    cli,
    grammar,
    jobs,
    prerequisites,
    step3,
    waiting,
    web,
    workflow,
)

__all__ = ["CATALOGUE", "FALLBACK", "LANGUAGES", "fill", "say", "say_count"]


def _merge() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    parts = (booking, calendar, cli, jobs, prerequisites, step3, waiting, web, workflow)
    for part in (module.SENTENCES for module in parts):
        for language, sentences in part.items():
            clashes = merged[language].keys() & sentences.keys()
            if clashes:
                raise RuntimeError(f"sentence keys defined twice: {sorted(clashes)}")
            merged[language].update(sentences)
    return merged


CATALOGUE: dict[str, dict[str, str]] = _merge()


class _Formatter(string.Formatter):
    """``str.format`` that also knows the grammar's words as format specs: ``{what:del}``
    writes ``de l'addon-diba``, ``{time:les}`` writes ``la 01:00``."""

    def format_field(self, value: object, format_spec: str) -> str:
        word = grammar.FILTERS.get(format_spec)
        return word(value) if word else str(super().format_field(value, format_spec))


_FORMATTER = _Formatter()


def fill(sentence: str, **values: object) -> str:
    """A sentence of the catalogue with its values, grammar specs applied."""
    return _FORMATTER.format(sentence, **values)


def plural_form(language: str, count: int) -> str:
    """The plural category CLDR gives ``count`` in ``language``: ``one``, ``other``…"""
    from babel import Locale

    from bot.domain.texts.calendar import locale_of

    return str(Locale.parse(locale_of(language)).plural_form(count))


def say_count(language: str, key: str, count: int, **values: object) -> str:
    """The sentence ``key`` in the plural form CLDR gives ``count`` in ``language`` (``key_one``
    or ``key_other``): "1 deployment", "2 deployments"."""
    form = plural_form(language, count)
    sentences = CATALOGUE.get(language, CATALOGUE[FALLBACK])
    name = f"{key}_{form}" if f"{key}_{form}" in sentences else f"{key}_other"
    return _FORMATTER.format(sentences[name], count=count, **values)


def say(language: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``language``, with ``values`` filled in."""
    sentences = CATALOGUE.get(language, CATALOGUE[FALLBACK])
    return _FORMATTER.format(sentences[key], **values)
