"""One catalogue of every sentence deploybot writes, in es, ca and en.

The sentences live by subject (``calendar``, ``prerequisites``, ``workflow``) and are read
through :func:`say`. The one fallback rule: a language deploybot does not know is read in
English; every known language has every sentence (``tests/test_texts.py`` keeps it so).
"""

from __future__ import annotations

from bot.domain.languages import FALLBACK, LANGUAGES
from bot.domain.texts import booking, calendar, jobs, prerequisites, step3, web, workflow

__all__ = ["CATALOGUE", "FALLBACK", "LANGUAGES", "say", "say_count"]


def _merge() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    parts = (booking, calendar, jobs, prerequisites, step3, web, workflow)
    for part in (module.SENTENCES for module in parts):
        for language, sentences in part.items():
            clashes = merged[language].keys() & sentences.keys()
            if clashes:
                raise RuntimeError(f"sentence keys defined twice: {sorted(clashes)}")
            merged[language].update(sentences)
    return merged


CATALOGUE: dict[str, dict[str, str]] = _merge()


def say_count(language: str, key: str, count: int, **values: object) -> str:
    """The sentence ``key`` in the plural form CLDR gives ``count`` in ``language`` (``key_one``
    or ``key_other``): "1 deployment", "2 deployments"."""
    from babel import Locale

    from bot.domain.texts.calendar import locale_of

    form = Locale.parse(locale_of(language)).plural_form(count)
    sentences = CATALOGUE.get(language, CATALOGUE[FALLBACK])
    name = f"{key}_{form}" if f"{key}_{form}" in sentences else f"{key}_other"
    return sentences[name].format(count=count, **values)


def say(language: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``language``, with ``values`` filled in."""
    sentences = CATALOGUE.get(language, CATALOGUE[FALLBACK])
    return sentences[key].format(**values)
