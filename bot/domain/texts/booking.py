"""The sentences of agreeing a slot with the customer: what deploybot read in a reply."""

from __future__ import annotations

SENTENCES: dict[str, dict[str, str]] = {
    "es": {
        "reply_option": "El cliente elige la opción {number}: {slot}. "
        "Para reservarla, pon la etiqueta {tag}.",
        "reply_proposal": "El cliente pide {slot}, que es la opción {number}. "
        "Para reservarla, pon la etiqueta {tag}.",
        "reply_allowed": "El cliente pide {slot}, que está permitido. Para reservarlo, escribe "
        "/deploy schedule {command}.",
        "reply_refused": "El cliente pide {slot}, pero no se puede: {reasons}.",
        "reply_declined": "El cliente descarta el {day}.",
        "reply_nearest": "Opciones permitidas: {options}.",
        "reply_never_books": "deploybot no reserva nada por una respuesta: decide tú.",
    },
    "ca": {
        "reply_option": "El client tria l'opció {number}: {slot}. "
        "Per reservar-la, posa l'etiqueta {tag}.",
        "reply_proposal": "El client demana {slot}, que és l'opció {number}. "
        "Per reservar-la, posa l'etiqueta {tag}.",
        "reply_allowed": "El client demana {slot}, que està permès. Per reservar-ho, escriu "
        "/deploy schedule {command}.",
        "reply_refused": "El client demana {slot}, però no es pot: {reasons}.",
        "reply_declined": "El client descarta el {day}.",
        "reply_nearest": "Opcions permeses: {options}.",
        "reply_never_books": "deploybot no reserva res per una resposta: decideix tu.",
    },
    "en": {
        "reply_option": "The customer chooses option {number}: {slot}. "
        "To book it, add the tag {tag}.",
        "reply_proposal": "The customer asks for {slot}, which is option {number}. "
        "To book it, add the tag {tag}.",
        "reply_allowed": "The customer asks for {slot}, which is allowed. To book it, write "
        "/deploy schedule {command}.",
        "reply_refused": "The customer asks for {slot}, but it is not possible: {reasons}.",
        "reply_declined": "The customer turns down {day}.",
        "reply_nearest": "Allowed options: {options}.",
        "reply_never_books": "deploybot books nothing from a reply: it is your call.",
    },
}
