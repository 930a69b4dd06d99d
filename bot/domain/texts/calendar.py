"""The sentences that explain calendar refusals, in the operator's language (es, ca, en), and
the names of days, months and durations, from CLDR (Babel)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cache

#: The languages deploybot writes, their CLDR locales, and the one fallback for any other.
LOCALES = {"es": "es_ES", "ca": "ca_ES", "en": "en_GB"}
FALLBACK = "en"

SENTENCES: dict[str, dict[str, str]] = {
    "es": {
        "weekend": "es fin de semana",
        "holiday": "es festivo: {name} ({whose})",
        "vacation": "vacaciones de {owner}: {label} ({start} – {end})",
        "friday": "es viernes",
        "eve_of_non_working_day": "es víspera de un día no laborable ({weekday} {date})",
        "eve_of_holiday": "es víspera de festivo: {name} ({whose}) el {date}",
        "eve_of_subject": "víspera: {name}",
        "eve_of_vacation": "es víspera de vacaciones de {owner}: {label} (desde el {start})",
        "outside_window_day": "el {weekday} no está en la ventana de {customer} ({window})",
        "outside_window_time": "{slot} queda fuera de la ventana de {customer} ({window})",
        "outside_window_fit": "una duración de {duration} no cabe en la ventana de {customer} "
        "({window})",
        "conflict_customer": "se solapa con {other} de {customer} ({slot})",
        "taken_by": "ocupado por {other} ({slot})",
        "conflict_parallel_one": "ya hay {count} despliegue a esa hora ({others}); "
        "el máximo simultáneo es {limit}",
        "conflict_parallel_other": "ya hay {count} despliegues a esa hora ({others}); "
        "el máximo simultáneo es {limit}",
        "past": "no respeta la antelación mínima de {notice} (lo más pronto: {earliest})",
        "whose_sep": " y ",
        "local": "festivo local de {owner}",
        "regional": "{owner}, {region}",
        "unnamed_vacation": "vacaciones",
    },
    "ca": {
        "weekend": "és cap de setmana",
        "holiday": "és festiu: {name} ({whose})",
        "vacation": "vacances {owner:de}: {label} ({start} – {end})",
        "friday": "és divendres",
        "eve_of_non_working_day": "és vigília d'un dia no laborable ({weekday} {date})",
        "eve_of_holiday": "és vigília de festiu: {name} ({whose}) {date:el}",
        "eve_of_subject": "vigília: {name}",
        "eve_of_vacation": "és vigília de vacances {owner:de}: {label} (des {start:del})",
        "outside_window_day": "el {weekday} no és a la finestra {customer:de} ({window})",
        "outside_window_time": "{slot} queda fora de la finestra {customer:de} ({window})",
        "outside_window_fit": "una durada {duration:de} no cap a la finestra {customer:de} "
        "({window})",
        "conflict_customer": "es solapa amb {other} {customer:de} ({slot})",
        "taken_by": "ocupat per {other} ({slot})",
        "conflict_parallel_one": "ja hi ha {count} desplegament a aquesta hora ({others}); "
        "el màxim simultani és {limit}",
        "conflict_parallel_other": "ja hi ha {count} desplegaments a aquesta hora ({others}); "
        "el màxim simultani és {limit}",
        "past": "no respecta l'antelació mínima {notice:de} (el més aviat: {earliest})",
        "whose_sep": " i ",
        "local": "festiu local {owner:de}",
        "regional": "{owner}, {region}",
        "unnamed_vacation": "vacances",
    },
    "en": {
        "weekend": "it is a weekend",
        "holiday": "it is a public holiday: {name} ({whose})",
        "vacation": "{owner} is on holiday: {label} ({start} – {end})",
        "friday": "it is a Friday",
        "eve_of_non_working_day": "it is the eve of a non-working day ({weekday} {date})",
        "eve_of_holiday": "it is the eve of a holiday: {name} ({whose}) on {date}",
        "eve_of_subject": "eve: {name}",
        "eve_of_vacation": "it is the eve of a holiday of {owner}: {label} (from {start})",
        "outside_window_day": "{weekday} is not in the window of {customer} ({window})",
        "outside_window_time": "{slot} is outside the window of {customer} ({window})",
        "outside_window_fit": "a duration of {duration} does not fit in the window of "
        "{customer} ({window})",
        "conflict_customer": "it overlaps {other} of {customer} ({slot})",
        "taken_by": "taken by {other} ({slot})",
        "conflict_parallel_one": "{count} deployment already runs at that time ({others}); "
        "at most {limit} may run at once",
        "conflict_parallel_other": "{count} deployments already run at that time ({others}); "
        "at most {limit} may run at once",
        "past": "it does not respect the minimum notice of {notice} (earliest: {earliest})",
        "whose_sep": " and ",
        "local": "local holiday of {owner}",
        "regional": "{owner}, {region}",
        "unnamed_vacation": "holiday",
    },
}


#: The names people say for the holidays the ``holidays`` package names formally (its "Natividad
#: del Señor" is everyone's "Navidad"); every other name is read as the package writes it.
HOLIDAY_NAMES: dict[str, dict[str, str]] = {
    "es": {"Natividad del Señor": "Navidad", "Epifanía del Señor": "Día de Reyes"},
    "ca": {"Nativitat del Senyor": "Nadal"},
    "en": {"Labor Day": "Labour Day"},  # the package writes American English
}


def holiday_name(language: str, name: str) -> str:
    """A public holiday's name as people say it in ``language``: ``Navidad``, ``Nadal``."""
    return HOLIDAY_NAMES.get(language, {}).get(name, name)


def locale_of(language: str) -> str:
    """The CLDR locale deploybot writes ``language`` in (English: the British usage, day
    before month, as the provider's other dates)."""
    return LOCALES.get(language, LOCALES[FALLBACK])


@cache
def weekday_names(language: str) -> tuple[str, ...]:
    """Monday … Sunday in ``language``, from CLDR."""
    from babel.dates import get_day_names  # CLDR is loaded when a name is first needed

    names = get_day_names("wide", context="format", locale=locale_of(language))
    return tuple(str(names[index]) for index in range(7))


@cache
def month_names(language: str) -> tuple[str, ...]:
    """January … December in ``language`` as a heading says them (CLDR, stand-alone)."""
    from babel.dates import get_month_names

    names = get_month_names("wide", context="stand-alone", locale=locale_of(language))
    return tuple(str(names[index]) for index in range(1, 13))


@cache
def weekday_headers(language: str) -> tuple[str, ...]:
    """Monday … Sunday as a calendar's column headers write them: CLDR's stand-alone names,
    capitalised as CLDR's context transforms say for a stand-alone day name (``Lunes``,
    ``Dilluns``; Babel does not carry the transforms)."""
    from babel.dates import get_day_names

    names = get_day_names("wide", context="stand-alone", locale=locale_of(language))
    return tuple(str(names[index])[:1].upper() + str(names[index])[1:] for index in range(7))


def day_and_month(language: str, day: date) -> str:
    """A day of the month and its month, from CLDR: ``23 de noviembre``, ``1 d'abril``,
    ``1 December``."""
    from babel.dates import format_skeleton

    text = str(format_skeleton("MMMMd", day, locale=locale_of(language)))
    return text.replace("\u2019", "'")  # one apostrophe, as the templates write it


def weekday_name(language: str, day: date) -> str:
    """The day of the week of ``day`` in ``language``."""
    return weekday_names(language)[day.weekday()]


def short_date(day: date) -> str:
    """A date as the operators write it: ``01/04/2026``."""
    return day.strftime("%d/%m/%Y")


def short_datetime(moment: datetime) -> str:
    """A local date and time as the operators write it: ``01/04/2026 09:30``."""
    return moment.strftime("%d/%m/%Y %H:%M")


@cache
def _long_pattern(language: str, with_year: bool) -> str:
    # CLDR's full date without the comma after the weekday, as a letter writes it in running
    # text ("el martes 1 de diciembre de 2026"); the year's part dropped when not wanted.
    from babel.dates import get_date_format

    pattern = str(get_date_format("full", locale=locale_of(language)).pattern)
    pattern = pattern.replace("EEEE,", "EEEE")
    if not with_year:
        pattern = re.sub(r"[\s,]*(?:'[^']*'\s*)?y+\s*$", "", pattern)
    return pattern


def long_date(language: str, day: date, *, with_year: bool = True) -> str:
    """A date written out for a letter, from CLDR: ``martes 1 de diciembre de 2026``,
    ``dimarts 6 d'octubre del 2026``, ``Tuesday 1 December 2026``."""
    from babel.dates import format_date

    text = str(format_date(day, _long_pattern(language, with_year), locale=locale_of(language)))
    return text.replace("\u2019", "'")  # one apostrophe, as the templates write it


def list_words(language: str, items: Sequence[str], *, alternatives: bool = False) -> str:
    """Items joined as CLDR writes a list: ``a, b y c``, ``a, b i c``, ``a, b and c``; with
    ``alternatives``, as choices: ``a, b o c``."""
    from babel.lists import format_list

    if not items:
        return ""
    locale = locale_of(language)
    if alternatives:
        return str(format_list(list(items), style="or", locale=locale))
    return str(format_list(list(items), locale=locale))


def duration_words(language: str, value: timedelta) -> str:
    """A duration written out, from CLDR: ``15 minutos``, ``1 hora y 30 minutos``."""
    from babel.lists import format_list
    from babel.units import format_unit

    total = max(int(value.total_seconds() // 60), 0)
    whole_hours, rest = divmod(total, 60)
    locale = locale_of(language)
    parts = []
    if whole_hours:
        parts.append(format_unit(whole_hours, "duration-hour", length="long", locale=locale))
    if rest or not whole_hours:
        parts.append(format_unit(rest, "duration-minute", length="long", locale=locale))
    return str(format_list(parts, locale=locale))
