"""Reading customers' replies to the proposed slots, in es, ca and en: a table of real-style
replies (options, weekdays, dates, times, refusals, unrelated text) and what each asks for.

"Now" is Thursday 26 November 2026, 10:00 in Madrid; the proposals are Monday 30 November 09:00,
Tuesday 1 December 09:00 and Wednesday 2 December 09:00.
"""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time
from html import escape
from pathlib import Path

import pytest

from bot.domain.booking_link import BookingLinks
from bot.domain.model import State
from bot.domain.reply_reading import Reading, read_reply
from bot.domain.reply_text import LIMIT, own_words
from integrations.zammad_records import Article
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
    ("es", "El jueves 3 a las 11, o si no a las 12", moment(THU, time(12))),  # not 11 March
    ("es", "El jueves nos va bien; sí, el jueves", moment(THU)),  # one day, said twice
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
    # lines: a short one ends a clause, a long one may be wrapped
    ("es", "Nos va bien el jueves\nEl martes no", moment(THU)),
    ("ca", "Hola\nDijous no\nDimarts sí", moment(TUE)),
    (
        "es",
        "Buenos días, hemos revisado el calendario con el equipo y el martes\nno podemos.",
        declined(TUE),
    ),
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


# -- replies that quote the proposals, as mail clients write them --------------------------------

PROPOSED = {
    "es": "Buenos días.\n\nLes proponemos las siguientes fechas para el despliegue a producción "
    "(15 minutos aproximadamente):\n  1. lunes 30 de noviembre de 2026 a las 09:00\n"
    "  2. martes 1 de diciembre de 2026 a las 09:00\n"
    "  3. miércoles 2 de diciembre de 2026 a las 09:00\n\n¿Nos pueden indicar cuál les va "
    "mejor?\n\nTambién pueden elegir la fecha en esta página (válida hasta el 4 de diciembre):\n"
    "https://deploybot.example/book/abc\n\nSaludos cordiales,\nSoffid",
    "ca": "Bon dia.\n\nUs proposem les dates següents per al desplegament a producció "
    "(15 minuts aproximadament):\n  1. dilluns 30 de novembre de 2026 a les 09:00\n"
    "  2. dimarts 1 de desembre de 2026 a les 09:00\n"
    "  3. dimecres 2 de desembre de 2026 a les 09:00\n\nEns podeu indicar quina us va "
    "millor?\n\nSalutacions cordials,\nSoffid",
    "en": "Good morning.\n\nWe propose the following dates for the deployment to production "
    "(about 15 minutes):\n  1. Monday 30 November 2026 at 09:00\n"
    "  2. Tuesday 1 December 2026 at 09:00\n  3. Wednesday 2 December 2026 at 09:00\n\n"
    "Could you tell us which suits you best?\n\nKind regards,\nSoffid",
}
GMAIL = {
    "es": "El jue, 26 nov 2026 a las 10:00, Soffid Soporte (<soporte@soffid.example>) escribió:",
    "ca": "El dj., 26 de nov. 2026 a les 10:00, Soffid Suport (<suport@soffid.example>) va "
    "escriure:",
    "en": "On Thu, 26 Nov 2026 at 10:00, Soffid Support <support@soffid.example> wrote:",
}
THUNDERBIRD = {
    "es": "El 26/11/26 a las 10:00, Soffid Soporte escribió:",
    "ca": "El 26/11/26 a les 10:00, Soffid Suport ha escrit:",
    "en": "On 26/11/2026 10:00, Soffid Support wrote:",
}
APPLE = {
    "es": "El 26 nov 2026, a las 10:00, Soffid Soporte <soporte@soffid.example> escribió:",
    "ca": "El 26 de nov. 2026, a les 10:00, Soffid Suport <suport@soffid.example> va escriure:",
    "en": "On 26 Nov 2026, at 10:00, Soffid Support <support@soffid.example> wrote:",
}
OUTLOOK = {
    "es": "-----Mensaje original-----\nDe: Soffid Soporte <soporte@soffid.example>\n"
    "Enviado el: jueves, 26 de noviembre de 2026 10:00\nPara: it@diba.example\n"
    "Asunto: Despliegue DIBA-2026-0001",
    "ca": "________________________________\nDe: Soffid Suport <suport@soffid.example>\n"
    "Enviat: dijous, 26 de novembre de 2026 10:00\nPer a: it@diba.example\n"
    "Tema: Desplegament DIBA-2026-0001",
    "en": "From: Soffid Support <support@soffid.example>\n"
    "Sent: Thursday, November 26, 2026 10:00 AM\nTo: it@diba.example\n"
    "Subject: Deployment DIBA-2026-0001",
}


def quoted(language: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in PROPOSED[language].splitlines())


def below(own: str, attribution: str, language: str) -> str:
    """A reply written above the quoted proposals, the way Gmail, Thunderbird and Apple Mail
    write a plain-text reply."""
    return f"{own}\n\n{attribution}\n{quoted(language)}\n"


def outlook(own: str, language: str) -> str:
    """Outlook's reply: the header block, then the message unquoted."""
    return f"{own}\n\n{OUTLOOK[language]}\n\n{PROPOSED[language]}\n"


def as_html(text: str) -> str:
    return "<br>\n".join(escape(line) for line in text.splitlines())


def gmail_html(own: str, language: str, *, sanitised: bool = False) -> str:
    """Gmail's HTML reply; ``sanitised`` as Zammad stores it (classes and styles dropped)."""
    quote, attr = ' class="gmail_quote"', ' class="gmail_attr"'
    if sanitised:
        quote = attr = ""
    return (
        f'<div dir="ltr">{escape(own)}</div><br><div{quote}><div dir="ltr"{attr}>'
        f"{escape(GMAIL[language])}<br></div><blockquote{quote}>{as_html(PROPOSED[language])}"
        "</blockquote></div>"
    )


def apple_html(own: str, language: str) -> str:
    return (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        f'<body><div>{escape(own)}</div><div><br><blockquote type="cite"><div>'
        f"{escape(APPLE[language])}</div><br><div>{as_html(PROPOSED[language])}</div>"
        "</blockquote></div></body></html>"
    )


def thunderbird_html(own: str, language: str) -> str:
    return (
        f'<p>{escape(own)}</p><div class="moz-cite-prefix">{escape(THUNDERBIRD[language])}<br>'
        f'</div><blockquote type="cite" cite="mid:1@soffid.example">'
        f"{as_html(PROPOSED[language])}</blockquote>"
    )


def outlook_html(own: str, language: str) -> str:
    """Outlook for Windows: styles in the head, the header block in a bordered div, the
    message unquoted after it."""
    header = OUTLOOK[language].splitlines()[-4:]
    bold = "<br>".join(
        f"<b>{escape(name)}:</b> {escape(rest)}"
        for name, rest in (line.split(": ", 1) for line in header)
    )
    return (
        "<html><head><style><!-- p.MsoNormal {margin:0cm; font-size:11.00pt;} "
        "@page WordSection1 {size:612.0pt 792.0pt;} --></style>"
        '<!--[if gte mso 9]><xml><o:shapedefaults spidmax="1026" /></xml><![endif]-->'
        f'</head><body lang="ES"><div class="WordSection1"><p class="MsoNormal">{escape(own)}'
        '<o:p></o:p></p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;'
        f'padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">{bold}</p></div></div>'
        f'<p class="MsoNormal">{as_html(PROPOSED[language])}</p></div></body></html>'
    )


def outlook_web_html(own: str, language: str) -> str:
    return (
        f'<div dir="ltr">{escape(own)}</div><hr style="display:inline-block;width:98%" '
        f'tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> '
        "Soffid Support &lt;support@soffid.example&gt;<br><b>Sent:</b> Thursday, November 26, "
        f"2026 10:00 AM</font></div><div>{as_html(PROPOSED[language])}</div>"
    )


QUOTED: list[tuple[str, str, str, Reading | None]] = [
    # the two replies of the issue: a Gmail reply above the quoted proposals
    ("es", "text", below("Nos va bien el jueves 3 a las 11.", GMAIL["es"], "es"),
     moment(THU, time(11))),
    ("es", "text", below("El martes no podemos.", GMAIL["es"], "es"), declined(TUE)),
    # plain text: Gmail, Thunderbird, Apple Mail, Outlook
    ("es", "text", below("La opción 2, gracias.", THUNDERBIRD["es"], "es"), option(2)),
    ("es", "text", below("Mejor el miércoles", APPLE["es"], "es"), moment(WED)),
    ("es", "text", outlook("El jueves a las 10", "es"), moment(THU, time(10))),
    ("es", "text", below("Gracias, lo revisamos con el equipo.", GMAIL["es"], "es"), None),
    ("es", "text", "\n" + below("", GMAIL["es"], "es"), None),  # the quote alone
    ("es", "text", "El jueves a las 10\n\nEnviado desde mi iPhone\n\n"
     + below("", APPLE["es"], "es").lstrip(), moment(THU, time(10))),
    ("es", "text", "El jueves a las 10\n\n-- \nMarta Vidal\nHorario: de lunes a viernes\n\n"
     + below("", GMAIL["es"], "es").lstrip(), moment(THU, time(10))),  # a signature
    ("es", "text", "Nos va bien el jueves.\n\nEl jue, 26 nov 2026 a las 10:00, Soffid Soporte (<"
     "\nsoporte@soffid.example>) escribió:\n" + quoted("es"), moment(THU)),  # wrapped
    ("es", "text", quoted("es").replace("> ¿Nos", "El martes no, mejor el jueves.\n> ¿Nos"),
     moment(THU)),  # answered between the quoted lines
    ("ca", "text", below("Dimarts a les 10 ens va bé.", GMAIL["ca"], "ca"), moment(TUE, time(10))),
    ("ca", "text", below("El dilluns no podem", THUNDERBIRD["ca"], "ca"), declined(MON)),
    ("ca", "text", below("Triem la segona.", APPLE["ca"], "ca"), option(2)),
    ("ca", "text", outlook("Dijous 3 de desembre", "ca"), moment(THU)),
    ("en", "text", below("Tuesday 9am works", GMAIL["en"], "en"), moment(TUE, time(9))),
    ("en", "text", below("Monday doesn't work for us", THUNDERBIRD["en"], "en"), declined(MON)),
    ("en", "text", below("Thanks, we will get back to you.", APPLE["en"], "en"), None),
    ("en", "text", outlook("December 3rd at 10am", "en"), moment(THU, time(10))),
    ("en", "text", "Option 2 works for us.\n\n-----Original Message-----\n"
     + OUTLOOK["en"] + "\n\n" + PROPOSED["en"], option(2)),
    # HTML, as clients send it and as Zammad stores it
    ("es", "html", gmail_html("Nos va bien el jueves 3 a las 11.", "es"), moment(THU, time(11))),
    ("es", "html", gmail_html("El martes no podemos.", "es", sanitised=True), declined(TUE)),
    ("es", "html", apple_html("El lunes nos va perfecto.", "es"), moment(MON)),
    ("es", "html", outlook_html("El jueves 3 a las 11 mejor", "es"), moment(THU, time(11))),
    ("es", "html", outlook_html("Gracias, lo revisamos.", "es"), None),
    ("ca", "html", thunderbird_html("Dimarts a les 10 ens va bé.", "ca"), moment(TUE, time(10))),
    ("ca", "html", gmail_html("El dilluns no podem", "ca", sanitised=True), declined(MON)),
    ("ca", "html", '<div>Dilluns a les 9.30</div><div class="yahoo_quoted"><div>'
     + escape(GMAIL["ca"]) + "</div>" + as_html(PROPOSED["ca"]) + "</div>",
     moment(MON, time(9, 30))),
    ("en", "html", outlook_web_html("Option 2 works for us.", "en"), option(2)),
    ("en", "html", apple_html("Not Tuesday, but Thursday at 10am would work", "en"),
     moment(THU, time(10))),
    ("en", "html", thunderbird_html("Wednesday at 11:15 please", "en"), moment(WED, time(11, 15))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "kind", "body", "expected"),
    QUOTED,
    ids=[f"{kind}-{body.strip()[:40]}" for _, kind, body, _ in QUOTED],
)
def test_a_reply_is_read_without_what_it_quotes(
    language: str, kind: str, body: str, expected: Reading | None
) -> None:
    assert read_reply(body, language, PROPOSALS, START, html=kind == "html") == expected


def test_the_quoted_table_has_twenty_replies_in_each_language_and_shape() -> None:
    assert len(QUOTED) >= 20
    assert {language for language, _, _, _ in QUOTED} == {"es", "ca", "en"}
    assert {kind for _, kind, _, _ in QUOTED} == {"text", "html"}


# -- what is read of a long reply, and how fast ------------------------------------------------

MEGABYTE = 1_000_000


def megabyte(line: str) -> str:
    return line * (MEGABYTE // len(line) + 1)


LONG: dict[str, tuple[str, str, bool, Reading | None]] = {
    "prose below the answer": (
        "es",
        "Nos va bien el jueves 3 a las 11.\n"
        + megabyte("Gracias por la información, lo revisamos con el equipo y les decimos.\n"),
        False,
        moment(THU, time(11)),
    ),
    "dates all along": (
        "es",
        megabyte("Nos va bien el jueves 3 a las 11. "),
        False,
        moment(THU, time(11)),
    ),
    "a long quote below": (
        "ca",
        below("Dimarts a les 10 ens va bé.", GMAIL["ca"], "ca") + megabyte(quoted("ca") + "\n"),
        False,
        moment(TUE, time(10)),
    ),
    "the answer below a long quote": (
        "en",
        megabyte(quoted("en") + "\n") + "\nTuesday 9am works\n",
        False,
        moment(TUE, time(9)),
    ),
    "outlook html": (
        "es",
        outlook_html("El jueves 3 a las 11 mejor", "es").replace(
            "</p></div></body>", megabyte("<br>" + as_html(PROPOSED["es"])) + "</p></div></body>"
        ),
        True,
        moment(THU, time(11)),
    ),
    # the parser of dates is slowest on lists of numbers, which name no day
    "a list of numbers": (
        "es",
        megabyte("lunes 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, "),
        False,
        moment(MON),
    ),
}


@pytest.mark.parametrize(("language", "body", "html", "expected"), LONG.values(), ids=list(LONG))
def test_a_megabyte_reply_is_read_in_well_under_a_second(
    language: str, body: str, html: bool, expected: Reading | None
) -> None:
    # It took minutes; read in under 100 ms on an idle machine (benchmarks/bench_replies.py),
    # bounded here for a loaded one.
    started = time_module.perf_counter()
    reading = read_reply(body, language, PROPOSALS, START, html=html)
    assert time_module.perf_counter() - started < 1.0
    assert reading == expected


def test_only_the_first_four_thousand_characters_of_a_reply_are_read() -> None:
    prose = megabyte("Gracias por la información. ")[:LIMIT]
    assert read_reply(prose + "El jueves a las 10.", "es", PROPOSALS, START) is None
    assert own_words(prose + "El jueves a las 10.") == prose.strip()


def test_a_day_named_far_into_a_long_reply_is_read_with_what_turns_it_down() -> None:
    # The parser of dates reads a long reply a piece at a time; "no" stays with its day.
    prose = "Hemos revisado con el equipo las fechas y la carga de trabajo prevista. " * 8
    assert read_reply(prose + "El martes no podemos, pero el jueves sí.", "es", PROPOSALS,
                      START) == moment(THU)  # fmt: skip
    assert read_reply(prose + "El martes no podemos.", "es", PROPOSALS, START) == declined(TUE)


def test_a_quote_mark_written_in_the_text_is_not_a_quote() -> None:
    body = "<p>Lo que llamáis gmail_quote no nos llega.</p><p>El jueves a las 10.</p>"
    assert read_reply(body, "es", PROPOSALS, START, html=True) == moment(THU, time(10))


def test_styles_scripts_and_comments_are_not_read() -> None:
    body = (
        "<html><head><title>RE: 30 de noviembre</title></head><body><style>p {margin: 1.0pt}"
        "</style><script>var d = '1 de diciembre';</script><!-- 2 de diciembre -->"
        "<p>El jueves a las 10.</p><style>p.MsoNormal {font-size: 11.00pt}"
    )
    assert own_words(body, html_body=True) == "El jueves a las 10."


# -- the team's note about a reply, in process --------------------------------------------------


def replies_read(bot: InProcess) -> list[str]:
    return [n for n in bot.zammad.notes(1) if "Respuesta del cliente" in n]


def answered(
    tmp_path: Path, reply: str, content_type: str | None = None
) -> tuple[InProcess, list[str]]:
    """DIBA's request ready with its proposals, the customer's reply on ticket 1 (a paragraph,
    or a body of ``content_type``), one cycle: the service and the notes about the reply."""
    bot = diba(tmp_path)
    ready(bot)
    bot.zammad.customer_replies(1, reply, content_type=content_type)
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


def test_an_out_of_office_answer_is_not_read_as_the_customers_reply(tmp_path: Path) -> None:
    """Zammad marks an email its headers call automatic (``is-auto-response``): the dates in
    "away until Thursday 3" are nobody's choice, and the person's own reply is still read."""
    bot = diba(tmp_path)
    ready(bot)
    away = "Estoy fuera de la oficina hasta el jueves 3 de diciembre a las 11. Gracias."
    bot.zammad.customer_replies(1, away, auto_response=True)
    bot.cycle()
    assert replies_read(bot) == []
    bot.zammad.customer_replies(1, "La opción 2 nos va bien.")
    bot.cycle()
    [note] = replies_read(bot)
    assert "El cliente elige la opción 2" in note


def test_zammad_says_which_customer_emails_were_automatic() -> None:
    """Read from the API's JSON: ``preferences`` may be absent or of another shape."""
    base = {"id": 5, "ticket_id": 1, "internal": False, "sender": "Customer", "type": "email"}
    auto = Article.from_json(base | {"preferences": {"is-auto-response": True}})
    person = Article.from_json(base | {"preferences": {"is-auto-response": False}})
    odd = Article.from_json(base | {"preferences": ["is-auto-response"]})
    assert [a.is_customer_reply for a in (auto, person, odd)] == [False, True, True]
    assert Article.from_json(base).is_customer_reply


def test_a_reply_that_names_no_day_gets_a_note_saying_so(tmp_path: Path) -> None:
    bot, _ = answered(tmp_path, "Gracias, lo revisamos con el equipo.")
    bot.cycle()  # read again: answered once
    [note] = replies_read(bot)
    assert "no indica ninguna opción ni ningún día" in note
    assert "Opciones permitidas" in note and "/deploy schedule" not in note


def test_a_reply_above_the_quoted_proposals_is_read_without_the_quote(tmp_path: Path) -> None:
    body = below("Nos va bien el jueves 3 a las 11.", GMAIL["es"], "es")
    _, [note] = answered(tmp_path, body, "text/plain")
    assert "/deploy schedule 2026-12-03 11:00" in note
    assert "2027" not in note and "marzo" not in note  # it read "11 de marzo" in the quote


def test_a_reply_refusing_a_day_above_the_quote_says_so_and_suggests_nothing(
    tmp_path: Path,
) -> None:
    _, [note] = answered(tmp_path, gmail_html("El martes no podemos.", "es"), "text/html")
    assert "descarta el martes 1 de diciembre y no pide otro día" in note
    assert "/deploy schedule" not in note and "26 de noviembre" not in note


def test_a_reply_that_only_quotes_the_proposals_suggests_nothing(tmp_path: Path) -> None:
    _, [note] = answered(tmp_path, outlook("", "es"), "text/plain")
    assert "no indica ninguna opción ni ningún día" in note
    assert "/deploy schedule" not in note and "El cliente pide" not in note


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
