"""The languages deploybot speaks — the one list the configuration, the catalogue of sentences,
the templates and the dates (CLDR) all follow — and the one fallback.

At the top of the package, beneath both the configuration and the domain, so that neither
imports the other for it."""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["es", "ca", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
#: What a reader of a language deploybot does not know reads (sentences, templates, headers).
FALLBACK: Language = "en"
