"""Reading a customer's answer to the proposed slots — *"la opción 2"*, *"nos va bien el jueves"*,
*"dimarts a les 10"*, *"Tuesday 9am works"*, *"el martes no, ¿y el jueves a las 10?"* — into the
slot it asks for, with the proposals as context. It suggests; it never books.

Dates come from ``dateparser`` (weekdays, "3 de diciembre", "3 de desembre", "December 3rd" in
es, ca and en); options and times are read here, because a parser of dates takes "a las 10" for
a day of October. A reply that names no option and no day is not read at all. Only what the
customer wrote is read, never what the reply quotes (:mod:`bot.domain.reply_text`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal

from bot.domain.reply_text import own_words
from bot.domain.texts.calendar import month_names, weekday_names

_ORDINALS = {
    "primera": 1, "primer": 1, "first": 1, "1a": 1, "1ª": 1,
    "segunda": 2, "segon": 2, "segona": 2, "second": 2, "2a": 2, "2ª": 2,
    "tercera": 3, "tercer": 3, "third": 3, "3a": 3, "3ª": 3,
    "cuarta": 4, "quarta": 4, "fourth": 4,
}  # fmt: skip
_OPTION = re.compile(
    r"\b(?:opci[oó]n?|opció|option|propuesta|proposta|proposal|n[uú]mero|number|slot)\s*"
    r"(?:n[ºo.]\s*)?#?(\d)\b",
    re.IGNORECASE,
)
_ORDINAL = re.compile(
    r"\b(?:la|el|the)\s+(" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?:\b(?:a\s+las|a\s+les|a\s+la|sobre\s+las|cap\s+a\s+les|at|around|from)\s+"
    r"(?P<h1>\d{1,2})(?:[:.h](?P<m1>\d{2}))?\s*(?P<ap1>am|pm|h)?\b)"
    r"|(?:\b(?P<h2>\d{1,2})(?:[:.](?P<m2>\d{2}))?\s*(?P<ap2>am|pm|h)\b)"
    r"|(?:\b(?P<h3>\d{1,2})[:.](?P<m3>\d{2})\b)",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:no|not|cannot|imposible|impossible)\b|n't\b", re.IGNORECASE)
_DATEPARSER_LANGUAGES = {"es": "es", "ca": "ca", "en": "en"}
#: Enough days named to read a reply: one that chooses names one or two.
ENOUGH_DAYS = 8
#: At most this much of a reply is given to the parser of dates, a piece at a time: it takes
#: from 5 µs to half a millisecond a character, while deploybot decides.
READ_AT_MOST = 1000
_RELATIVE = {
    "es": ("hoy", "manana", "pasado", "semana", "dia", "proxim", "finde", "quincena"),
    "ca": ("avui", "dema", "setmana", "dia", "vinent", "proxim", "quinzena"),
    "en": ("today", "tomorrow", "week", "day", "next", "fortnight"),
}
_PIECE = 250
#: A line as long as this may have been wrapped by a mail client (at 72 to 78 characters).
_WRAPPED = 60
#: Four numbers or more in a row name no day, and the parser of dates tries them all.
_NUMBER_LIST = re.compile(r"\b\d+(?:(?:\s*[,;]\s*|\s+)\d+\b){3,}")
_SENTENCE_END = re.compile(r"(?<=[.!?;:]) +(?=[A-ZÀ-Ý])")
#: How far ahead a read date may be: anything later is a misreading.
HORIZON = timedelta(days=120)


@dataclass(frozen=True)
class Reading:
    """What a reply asks for: one of the proposals (``option``), or a day (and maybe a time) —
    the first it offers, and ``others`` it offers as well ("el martes o el jueves");
    ``declined``: the day it names is one the customer turns down, with nothing else offered."""

    kind: Literal["option", "moment", "declined"]
    option: int = 0
    day: date | None = None
    at: time | None = None
    others: tuple[date, ...] = ()


def read_reply(
    text: str,
    language: str,
    proposals: Sequence[datetime],
    now: datetime,
    *,
    html: bool = False,
) -> Reading | None:
    """The reading of a customer's reply (``text``, HTML when ``html``), or None when the words
    the customer wrote — what the reply quotes left out — name no option and no day."""
    plain = _plain(own_words(text, html_body=html))
    option = _option(plain, len(proposals))
    if option:
        return Reading("option", option=option)
    at, without_time = _time(plain)
    mentions = _days(without_time, language, now)
    if not mentions:
        return None
    positive = list(
        dict.fromkeys(d for d, start, end in mentions if not _negated(without_time, start, end))
    )
    if not positive:
        return Reading("declined", day=mentions[-1][0])
    # The first day offered is the one preferred ("mejor el jueves que el martes").
    return Reading("moment", day=positive[0], at=at, others=tuple(positive[1:]))


def _plain(text: str) -> str:
    """The reply on one line; a short line ends a clause ("Nos va bien el jueves" above "El
    martes no"), a long one may be wrapped and goes on in the next."""
    text = unicodedata.normalize("NFC", text).replace("¿", " ").replace("¡", " ")
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.split("\n")]
    return " ".join(_ended(line) for line in lines if line)


def _ended(line: str) -> str:
    return line if len(line) >= _WRAPPED or line[-1] in ".,;:!?" else f"{line}."


def _option(text: str, count: int) -> int:
    found = _OPTION.search(text)
    number = int(found.group(1)) if found else 0
    if not number:
        ordinal = _ORDINAL.search(text)
        number = _ORDINALS[ordinal.group(1).lower()] if ordinal else 0
    return number if 1 <= number <= count else 0


def _time(text: str) -> tuple[time | None, str]:
    """The time a reply names (and the text without any, so dates are read alone: "el jueves
    3 a las 11" left in is read as 11 March)."""
    found = None
    for match in _TIME.finditer(text):
        found = match  # the last one named: "no a las 9, mejor a las 11"
    if found is None:
        return None, text
    rest = _TIME.sub(" ", text)
    hour = int(found["h1"] or found["h2"] or found["h3"])
    minute = int(found["m1"] or found["m2"] or found["m3"] or 0)
    suffix = (found["ap1"] or found["ap2"] or "").lower()
    if suffix == "pm" and hour < 12:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None, rest
    return time(hour, minute), rest


def _days(text: str, language: str, now: datetime) -> list[tuple[date, int, int]]:
    """Every day the text names, in order, with where it stands: (day, start, end) — read a
    piece at a time, until :data:`ENOUGH_DAYS` are found or :data:`READ_AT_MOST` is read."""
    from dateparser.search import search_dates  # a large module: loaded when a reply is read

    base = now.replace(tzinfo=None)
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    days, read = [], 0
    for offset, piece in _pieces(text):
        if not _dated(piece, language):
            continue
        found = search_dates(
            _NUMBER_LIST.sub(_blank, piece),
            languages=[_DATEPARSER_LANGUAGES.get(language, "en")],
            settings=settings,
        )
        read += len(piece)
        cursor = 0
        for words, moment in found or []:
            letters = sum(ch.isalpha() for ch in words)
            if letters < 3 and not re.search(r"\d{1,2}/\d{1,2}", words):
                continue  # a bare number, or "we" taken for Wednesday, is not a day
            start = max(piece.find(words, cursor), 0)
            cursor = start + len(words)
            day = _as_named(words, moment.date(), language, base.date())
            if base.date() <= day <= (base + HORIZON).date():
                days.append((day, offset + start, offset + start + len(words)))
        if len(days) >= ENOUGH_DAYS or read >= READ_AT_MOST:
            break
    return days


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _dated(piece: str, language: str) -> bool:
    """Whether a piece of a reply has a word that may name a day: the parser of dates is not
    given any other (it takes its time over a list of numbers)."""
    return bool(_date_words(language).search(_fold(piece)))


@cache
def _date_words(language: str) -> re.Pattern[str]:
    """The beginnings of the words that may name a day in ``language``: weekdays and months
    (from CLDR), the days around today, and dates written with a slash."""
    names = [*weekday_names(language), *month_names(language)]
    starts = {_fold(name)[:3] for name in names} | set(_RELATIVE.get(language, _RELATIVE["en"]))
    words = "|".join(sorted(map(re.escape, starts)))
    return re.compile(rf"\b(?:{words})|\d/\d")


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """``text`` in pieces of about :data:`_PIECE` characters, cut between sentences (in a text
    without any, between words), each with where it starts."""
    start = 0
    while start < len(text):
        end = start + _PIECE
        if end >= len(text):
            yield start, text[start:]
            return
        cut = _SENTENCE_END.search(text, end, end + _PIECE)
        stop = cut.end() if cut else text.find(" ", end) + 1 or len(text)
        yield start, text[start:stop]
        start = stop


def _negated(text: str, start: int, end: int) -> bool:
    """Whether the mention at ``start``–``end`` is turned down ("el martes no", "not Tuesday",
    "no podemos el martes")."""
    after = text[end : end + 14]
    before = text[max(0, start - 22) : start]
    clause_after = re.split(r"[,.;?!]| y | i | and | pero | però | but ", after)[0]
    clause_before = re.split(r"[,.;?!]| y | i | and | pero | però | but ", before)[-1]
    return bool(_NEGATION.search(clause_after) or _NEGATION.search(clause_before))


def _as_named(words: str, read: date, language: str, today: date) -> date:
    """The day a mention names when it names a weekday: ``jueves 3`` is the Thursday the 3rd
    (a parser of dates reads the bare number as a month), ``jueves`` the next Thursday."""
    folded = _fold(words)
    named = [i for i, name in enumerate(weekday_names(language)) if _fold(name) in folded]
    if not named or read.weekday() == named[0]:
        return read
    number = re.search(r"\b(\d{1,2})\b", words)
    day = today
    while day <= today + HORIZON:
        if day.weekday() == named[0] and (number is None or day.day == int(number.group(1))):
            return day
        day += timedelta(days=1)
    return read


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
