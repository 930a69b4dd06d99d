"""The sentences that say what waits for the team (a customer's choice to accept, requests
ready or blocked), in es, ca and en."""

from __future__ import annotations

SENTENCES: dict[str, dict[str, str]] = {
    "es": {
        "waiting_choice": "elección esperando desde {since}: {slot} — acéptala con {how}",
        "web_waiting_title": "Esperando al equipo",
        "web_waiting_nothing": "Nada espera al equipo.",
        "waiting_ready": "esperando la elección del cliente (pedido el {since})",
        "waiting_blocked": "faltan prerrequisitos (pedido el {since})",
        "waiting_reminder": "El cliente eligió {slot} el {since} y la elección sigue esperando: "
        "acéptala con {how}, o propón otra franja.",
        "waiting_lapsed": "La elección del cliente ({slot}, del {since}) ha caducado sin "
        "aceptarse: la franja queda libre y el cliente ha recibido un enlace nuevo.",
    },
    "ca": {
        "waiting_choice": "elecció en espera des de {since}: {slot} — accepta-la amb {how}",
        "web_waiting_title": "Esperant l'equip",
        "web_waiting_nothing": "Res no espera l'equip.",
        "waiting_ready": "esperant l'elecció del client (demanat el {since})",
        "waiting_blocked": "falten prerequisits (demanat el {since})",
        "waiting_reminder": "El client va triar {slot} el {since} i l'elecció encara espera: "
        "accepta-la amb {how}, o proposa una altra franja.",
        "waiting_lapsed": "L'elecció del client ({slot}, del {since}) ha caducat sense "
        "acceptar-se: la franja queda lliure i el client ha rebut un enllaç nou.",
    },
    "en": {
        "waiting_choice": "choice waiting since {since}: {slot} — accept with {how}",
        "web_waiting_title": "Waiting for us",
        "web_waiting_nothing": "Nothing is waiting for us.",
        "waiting_ready": "waiting for the customer's choice (requested on {since})",
        "waiting_blocked": "prerequisites missing (requested on {since})",
        "waiting_reminder": "The customer chose {slot} on {since} and the choice is still "
        "waiting: accept it with {how}, or propose another slot.",
        "waiting_lapsed": "The customer's choice ({slot}, of {since}) lapsed without being "
        "accepted: the slot is free again and the customer has a fresh link.",
    },
}
