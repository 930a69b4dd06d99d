"""Reading customers' replies to the proposed slots, in es, ca and en: a table of real-style
replies (options, weekdays, dates, times, refusals, unrelated text) and what each asks for.

"Now" is Thursday 26 November 2026, 10:00 in Madrid; the proposals are Monday 30 November 09:00,
Tuesday 1 December 09:00 and Wednesday 2 December 09:00.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from bot.domain.booking_link import BookingLinks
from bot.domain.model import State
from bot.domain.reply_reading import Reading, read_reply
from tests.fakes import InProcess
from tests.scenes import START, diba, ready, two_customers

PROPOSALS = tuple(
    datetime.fromisoformat(f"2026-{day}T09:00:00+01:00") for day in ("11-30", "12-01", "12-02")
)
MON, TUE, WED, THU = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)


def option(n: int) -> Reading:
    return Reading("option", option=n)


def moment(day: date, at: time | None = None, *others: date) -> Reading:
    return Reading("moment", day=day, at=at, others=others)


def declined(day: date) -> Reading:
    return Reading("declined", day=day)


TABLE: list[tuple[str, str, Reading | None]] = [
    # options
    ("es", "La opción 2, gracias.", option(2)),
    ("es", "Nos quedamos con la primera.", option(1)),
    ("es", "Opción 3 por favor", option(3)),
    ("es", "Mejor la segunda propuesta", option(2)),
    ("ca", "La opció 1 ens va bé.", option(1)),
    ("ca", "Triem la segona.", option(2)),
    ("ca", "Proposta 3, si us plau", option(3)),
    ("en", "Option 2 works for us.", option(2)),
    ("en", "We'll take the first one.", option(1)),
    ("en", "Let's go with the third.", option(3)),
    ("en", "Option 7 please", None),  # there is no seventh proposal
    # weekdays
    ("es", "Nos va bien el jueves", moment(THU)),
    ("es", "El lunes nos va perfecto.", moment(MON)),
    ("es", "Mejor el miércoles", moment(WED)),
    ("ca", "Dimarts ens va bé", moment(TUE)),
    ("ca", "El dilluns perfecte", moment(MON)),
    ("ca", "Dimecres millor", moment(WED)),
    ("en", "Tuesday works", moment(TUE)),
    ("en", "Monday is fine for us", moment(MON)),
    # weekdays with times
    ("es", "El jueves a las 10", moment(THU, time(10))),
    ("es", "el martes a las 11:30 si puede ser", moment(TUE, time(11, 30))),
    ("ca", "dimarts a les 10", moment(TUE, time(10))),
    ("ca", "Dilluns a les 9.30", moment(MON, time(9, 30))),
    ("en", "Tuesday 9am works", moment(TUE, time(9))),
    ("en", "Wednesday at 11:15 please", moment(WED, time(11, 15))),
    ("en", "Monday around 10am", moment(MON, time(10))),
    # dates
    ("es", "El 3 de diciembre a las 11:30", moment(THU, time(11, 30))),
    ("es", "Podría ser el 1 de diciembre?", moment(TUE)),
    ("ca", "Dijous 3 de desembre", moment(THU)),
    ("ca", "El 2 de desembre a les 12", moment(WED, time(12))),
    ("en", "December 3rd at 10am", moment(THU, time(10))),
    ("en", "How about 1 December?", moment(TUE)),
    ("es", "El jueves 3 a las 11 mejor", moment(THU, time(11))),
    ("ca", "Millor dimecres 2", moment(WED)),
    # refusals, and a refusal with another day offered
    ("es", "El martes no, ¿y el jueves a las 10?", moment(THU, time(10))),
    ("es", "El lunes no podemos.", declined(MON)),
    ("ca", "Dimarts no, millor dijous", moment(THU)),
    ("ca", "El dilluns no podem", declined(MON)),
    ("en", "Not Tuesday, but Thursday at 10am would work", moment(THU, time(10))),
    ("en", "Monday doesn't work for us", declined(MON)),
    # two days offered: the first is the one preferred, the other is answered too
    ("es", "Nos va bien el martes o el jueves", moment(TUE, None, THU)),
    ("es", "Mejor el jueves que el martes", moment(THU, None, TUE)),
    ("ca", "Dimarts o dimecres a les 10", moment(TUE, time(10), WED)),
    ("en", "Tuesday or Thursday at 9am works", moment(TUE, time(9), THU)),
    ("es", "El lunes no, pero el martes o el miércoles sí", moment(TUE, None, WED)),
    # unrelated
    ("es", "Gracias por la información, lo revisamos con el equipo.", None),
    ("ca", "Moltes gràcies, ho comentem amb el responsable.", None),
    ("en", "Thanks, we will get back to you.", None),
    ("es", "¿Cuánto dura la parada?", None),
]


@pytest.mark.parametrize(("language", "text", "expected"), TABLE, ids=[t for _, t, _ in TABLE])
def test_a_reply_is_read_as_a_person_would(
    language: str, text: str, expected: Reading | None
) -> None:
    assert read_reply(text, language, PROPOSALS, START) == expected


def test_the_table_has_forty_replies_in_each_of_the_three_languages() -> None:
    assert len(TABLE) >= 40
    assert {language for language, _, _ in TABLE} == {"es", "ca", "en"}


# -- the team's note about a reply, in process --------------------------------------------------


def replies_read(bot: InProcess) -> list[str]:
    return [n for n in bot.zammad.notes(1) if "Respuesta del cliente" in n]


def answered(tmp_path: Path, reply: str) -> tuple[InProcess, list[str]]:
    """DIBA's request ready with its proposals, the customer's reply on ticket 1, one cycle:
    the service and the notes deploybot wrote about the reply."""
    bot = diba(tmp_path)
    ready(bot)
    bot.zammad.customer_replies(1, reply)
    bot.cycle()
    return bot, replies_read(bot)


def test_a_reply_choosing_an_option_gets_a_note_with_the_tag_that_books_it(
    tmp_path: Path,
) -> None:
    bot, _ = answered(tmp_path, "Buenos días, la opción 2 nos va bien.")
    bot.cycle()  # read again: answered once
    [note] = replies_read(bot)
    assert "El cliente elige la opción 2" in note and "deploy-slot-2" in note
    assert "no reserva nada" in note
    assert bot.deployment().state is State.READY  # suggested, never booked


def test_a_reply_asking_for_a_refused_day_says_why_and_the_allowed_options(
    tmp_path: Path,
) -> None:
    _, [note] = answered(tmp_path, "¿Podría ser el viernes 4 de diciembre a las 10?")
    assert "pero no se puede" in note and "viernes" in note
    assert "Opciones permitidas" in note and "deploy-slot-1" in note


def test_a_reply_asking_for_another_allowed_time_gets_the_command_that_books_it(
    tmp_path: Path,
) -> None:
    _, [note] = answered(tmp_path, "El martes no, ¿y el jueves 3 a las 11?")
    assert "/deploy schedule 2026-12-03 11:00" in note


def test_a_reply_offering_two_days_is_answered_for_each(tmp_path: Path) -> None:
    _, [note] = answered(tmp_path, "Nos va bien el jueves 3 o el viernes 4, a las 11")
    assert "/deploy schedule 2026-12-03 11:00" in note  # Thursday: allowed
    assert "viernes 4 de diciembre a las 11:00, pero no se puede" in note  # Friday: why not
    assert note.count("Opciones permitidas") == 1


def test_a_reply_that_names_no_day_gets_no_note(tmp_path: Path) -> None:
    _, notes = answered(tmp_path, "Gracias, lo revisamos con el equipo.")
    assert notes == []


def test_a_reply_asking_for_a_slot_another_customer_booked_is_not_called_allowed(
    tmp_path: Path,
) -> None:
    bot = two_customers(tmp_path, BookingLinks("https://deploybot.example", b"s"), "confirm")
    for tickets in ((1, 2), (11, 12)):
        for ticket_id in tickets:
            bot.zammad.person_tags(ticket_id, "deploy")
        bot.cycle()
    bot.zammad.person_notes(11, "/deploy schedule 2026-12-03 11:00")
    bot.cycle()  # CAIB has Thursday at 11:00; one deployment at a time
    bot.zammad.customer_replies(1, "El martes no, ¿y el jueves 3 a las 11?")
    bot.cycle()
    [note] = replies_read(bot)
    assert "/deploy schedule" not in note and "pero no se puede" in note
