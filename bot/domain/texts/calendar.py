"""The sentences that explain calendar refusals, in the operator's language (es, ca, en)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

WEEKDAY_NAMES: dict[str, tuple[str, ...]] = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "ca": ("dilluns", "dimarts", "dimecres", "dijous", "divendres", "dissabte", "diumenge"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

SENTENCES: dict[str, dict[str, str]] = {
    "es": {
        "weekend": "es {weekday}, fin de semana",
        "holiday": "es festivo: {name} ({whose})",
        "vacation": "vacaciones de {owner}: {label} ({start} – {end})",
        "friday": "es viernes",
        "eve_of_non_working_day": "es víspera de un día no laborable ({weekday} {date})",
        "eve_of_holiday": "es víspera de festivo: {name} ({whose}) el {date}",
        "eve_of_vacation": "es víspera de vacaciones de {owner}: {label} (desde el {start})",
        "outside_window_day": "el {weekday} no está en la ventana de {customer} ({window})",
        "outside_window_time": "{slot} queda fuera de la ventana de {customer} ({window})",
        "outside_window_fit": "una duración de {duration} no cabe en la ventana de {customer} "
        "({window})",
        "conflict_customer": "se solapa con {other} de {customer} ({slot})",
        "conflict_parallel": "ya hay {count} despliegue(s) a esa hora ({others}); "
        "el máximo simultáneo es {limit}",
        "past": "no respeta la antelación mínima de {notice} (lo más pronto: {earliest})",
        "whose_sep": " y ",
        "local": "festivo local de {owner}",
        "regional": "{owner}, {region}",
        "unnamed_vacation": "vacaciones",
    },
    "ca": {
        "weekend": "és {weekday}, cap de setmana",
        "holiday": "és festiu: {name} ({whose})",
        "vacation": "vacances de {owner}: {label} ({start} – {end})",
        "friday": "és divendres",
        "eve_of_non_working_day": "és vigília d'un dia no laborable ({weekday} {date})",
        "eve_of_holiday": "és vigília de festiu: {name} ({whose}) el {date}",
        "eve_of_vacation": "és vigília de vacances de {owner}: {label} (des del {start})",
        "outside_window_day": "el {weekday} no és a la finestra de {customer} ({window})",
        "outside_window_time": "{slot} queda fora de la finestra de {customer} ({window})",
        "outside_window_fit": "una durada de {duration} no cap a la finestra de {customer} "
        "({window})",
        "conflict_customer": "es solapa amb {other} de {customer} ({slot})",
        "conflict_parallel": "ja hi ha {count} desplegament(s) a aquesta hora ({others}); "
        "el màxim simultani és {limit}",
        "past": "no respecta l'antelació mínima de {notice} (el més aviat: {earliest})",
        "whose_sep": " i ",
        "local": "festiu local de {owner}",
        "regional": "{owner}, {region}",
        "unnamed_vacation": "vacances",
    },
    "en": {
        "weekend": "it is a {weekday}, a weekend day",
        "holiday": "it is a public holiday: {name} ({whose})",
        "vacation": "{owner} is on vacation: {label} ({start} – {end})",
        "friday": "it is a Friday",
        "eve_of_non_working_day": "it is the eve of a non-working day ({weekday} {date})",
        "eve_of_holiday": "it is the eve of a holiday: {name} ({whose}) on {date}",
        "eve_of_vacation": "it is the eve of a vacation of {owner}: {label} (from {start})",
        "outside_window_day": "{weekday} is not in the window of {customer} ({window})",
        "outside_window_time": "{slot} is outside the window of {customer} ({window})",
        "outside_window_fit": "a duration of {duration} does not fit in the window of "
        "{customer} ({window})",
        "conflict_customer": "it overlaps {other} of {customer} ({slot})",
        "conflict_parallel": "{count} deployment(s) already run at that time ({others}); "
        "at most {limit} may run at once",
        "past": "it does not respect the minimum notice of {notice} (earliest: {earliest})",
        "whose_sep": " and ",
        "local": "local holiday of {owner}",
        "regional": "{owner}, {region}",
        "unnamed_vacation": "vacation",
    },
}


def weekday_name(language: str, day: date) -> str:
    """The day of the week of ``day`` in ``language``."""
    return WEEKDAY_NAMES.get(language, WEEKDAY_NAMES["en"])[day.weekday()]


def short_date(day: date) -> str:
    """A date as the operators write it: ``01/04/2026``."""
    return day.strftime("%d/%m/%Y")


def short_datetime(moment: datetime) -> str:
    """A local date and time as the operators write it: ``01/04/2026 09:30``."""
    return moment.strftime("%d/%m/%Y %H:%M")


MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
    "ca": (
        "gener", "febrer", "març", "abril", "maig", "juny",
        "juliol", "agost", "setembre", "octubre", "novembre", "desembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def long_date(language: str, day: date) -> str:
    """A date written out for a letter: ``martes 1 de diciembre de 2026``."""
    weekday = weekday_name(language, day)
    month = MONTH_NAMES.get(language, MONTH_NAMES["en"])[day.month - 1]
    if language == "es":
        return f"{weekday} {day.day} de {month} de {day.year}"
    if language == "ca":
        # Catalan elides "de" before a vowel: "1 d'abril", "3 d'agost", "6 d'octubre".
        of = "d'" if month[0] in "aeiou" else "de "
        return f"{weekday} {day.day} {of}{month} de {day.year}"
    return f"{weekday} {day.day} {month} {day.year}"


_DURATION_WORDS: dict[str, tuple[str, str, str, str, str]] = {
    # hour, hours, minute, minutes, "and"
    "es": ("hora", "horas", "minuto", "minutos", "y"),
    "ca": ("hora", "hores", "minut", "minuts", "i"),
    "en": ("hour", "hours", "minute", "minutes", "and"),
}


def duration_words(language: str, value: timedelta) -> str:
    """A duration written out: ``15 minutos``, ``1 hora y 30 minutos``, ``2 hours``."""
    hour, hours, minute, minutes, and_ = _DURATION_WORDS.get(language, _DURATION_WORDS["en"])
    total = max(int(value.total_seconds() // 60), 0)
    whole_hours, rest = divmod(total, 60)
    parts = []
    if whole_hours:
        parts.append(f"{whole_hours} {hour if whole_hours == 1 else hours}")
    if rest or not whole_hours:
        parts.append(f"{rest} {minute if rest == 1 else minutes}")
    return f" {and_} ".join(parts)
