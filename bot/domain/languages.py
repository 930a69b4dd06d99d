"""The languages deploybot speaks, as the domain names them (the one list is
:mod:`bot.languages`, which the configuration reads too)."""

from __future__ import annotations

from bot.languages import FALLBACK, LANGUAGES, Language

__all__ = ["FALLBACK", "LANGUAGES", "Language"]
