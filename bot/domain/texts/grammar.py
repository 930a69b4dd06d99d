"""Catalan elision and contraction before a value the template does not know in advance.

Catalan writes ``de`` and the article ``el`` as ``d'`` and ``l'`` before a vowel sound, and
contracts ``de el`` / ``a el`` into ``del`` / ``al``: *d'11:00*, *d'1 hora*, *d'ES-7412280*,
*l'addon-diba*, *de 8 minuts*, *del syncserver*. The templates write ``{{ value|de }}``,
``{{ value|el }}``, ``{{ value|del }}`` and ``{{ value|al }}``; whether the value starts with a
vowel sound is decided here, once, for every template. A clock time takes a plural article
except at one o'clock (*a las 09:00*, *a la 01:00*): ``{{ time|las }}``, ``{{ time|les }}``.
The catalogue's sentences use the same words as format specs: ``{what:del}``, ``{time:les}``.
"""

from __future__ import annotations

import re

_VOWELS = "aeiouàèéíïòóúü"
#: Letters whose Catalan names start with a vowel sound (a, e, efa, i, ela, ema, ena, o, erra,
#: essa, u, ics): an acronym spelled out letter by letter elides before them.
_VOWEL_LETTERS = "AEFILMNORSUX"
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")


def _number_elides(digits: str) -> bool:
    # "u"/"un"/"una" (1) and "onze" (11) are the numbers read with a vowel first (01:00 is
    # "la una"); 8 is "vuit", 10–19 otherwise start with a consonant.
    return int(digits) in (1, 11)


def _spelled(word: str) -> bool:
    """An acronym read letter by letter (``ES``, ``SQL``) rather than as a word (``DIBA``)."""
    return word.isupper() and (len(word) <= 2 or not any(c in "AEIOU" for c in word))


def _word_elides(word: str) -> bool:
    if _spelled(word):
        return word[0] in _VOWEL_LETTERS
    lower = word.casefold()
    if lower[0] == "h":  # a silent h: "d'hores", but "de hiena" (h + i/u + vowel)
        lower = lower[1:]
        if not lower:
            return False
    if lower[0] not in _VOWELS:
        return False
    # An i or u before another vowel is a consonant sound: "de iogurt", "de ueb".
    return not (lower[0] in "iuïü" and len(lower) > 1 and lower[1] in _VOWELS)


def starts_with_vowel_sound(value: object) -> bool:
    """Whether Catalan elides ``de``/``el`` before ``value``."""
    text = str(value).lstrip(" \"'«(“")
    if not text:
        return False
    if text[0].isdigit():
        number = _NUMBER.match(text)
        return number is not None and _number_elides(number.group())
    word = _WORD.match(text)
    return word is not None and _word_elides(word.group())


def de(value: object) -> str:
    """``de`` before ``value``: ``d'11:00``, ``de 8 minuts``."""
    return f"d'{value}" if starts_with_vowel_sound(value) else f"de {value}"


def el(value: object) -> str:
    """The article ``el`` before ``value``: ``l'addon-diba``, ``el syncserver``."""
    return f"l'{value}" if starts_with_vowel_sound(value) else f"el {value}"


def del_(value: object) -> str:
    """``de`` + ``el`` before ``value``: ``de l'addon-diba``, ``del syncserver``."""
    return f"de l'{value}" if starts_with_vowel_sound(value) else f"del {value}"


def al(value: object) -> str:
    """``a`` + ``el`` before ``value``: ``a l'entorn``, ``al syncserver``."""
    return f"a l'{value}" if starts_with_vowel_sound(value) else f"al {value}"


def _one_oclock(value: object) -> bool:
    """A clock time read "la una" (01:00–01:59): singular in Spanish and Catalan."""
    return str(value).strip().startswith(("01:", "1:"))


def las(value: object) -> str:
    """Spanish ``las`` before a clock time, ``la`` before one o'clock: *las 09:00*, *la 01:00*."""
    return f"la {value}" if _one_oclock(value) else f"las {value}"


def les(value: object) -> str:
    """Catalan ``les`` before a clock time, ``la`` before one o'clock: *les 09:00*, *la 01:00*."""
    return f"la {value}" if _one_oclock(value) else f"les {value}"


FILTERS = {"de": de, "el": el, "del": del_, "al": al, "las": las, "les": les}
