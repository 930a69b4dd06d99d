"""The sentences of agreeing a slot with the customer: what deploybot read in a reply, and the
customer's booking page (in the customer's language)."""

from __future__ import annotations

SENTENCES: dict[str, dict[str, str]] = {
    "es": {
        "book_held": "No se puede reservar ahora mismo: el equipo lo revisará y se pondrá en "
        "contacto con ustedes.",
        "book_title": "Elijan la fecha del despliegue",
        "book_request": "Despliegue {target} de {customer}",
        "book_tickets": "Tickets",
        "book_components": "Componentes",
        "book_duration": "Duración prevista",
        "book_pick": "Franjas disponibles",
        "book_pick_help": "Elijan una franja de un día disponible. Los días que no se pueden "
        "reservar dicen por qué.",
        "book_other": "Otra hora de un día disponible",
        "book_other_day": "Día",
        "book_other_time": "Hora",
        "book_window": "Horario permitido: {window}.",
        "book_comment": "Comentario (opcional)",
        "book_submit_confirm": "Enviar nuestra elección",
        "book_submit_direct": "Reservar la franja",
        "book_mode_confirm": "El equipo confirmará su elección y les enviaremos la confirmación "
        "por correo.",
        "book_mode_direct": "La reserva es inmediata y les enviaremos la confirmación por correo.",
        "book_legend_allowed": "día disponible",
        "book_legend_refused": "no disponible",
        "book_legend_chosen": "elegido",
        "book_valid_until": "Este enlace es válido hasta el {day}.",
        "book_unavailable": "nuestro equipo no está disponible",
        "book_taken": "la franja ya está ocupada por otro despliegue",
        "book_too_soon": "es demasiado pronto para avisar a todos",
        "book_too_far": "es una fecha demasiado lejana",
        "book_past_day": "ya ha pasado",
        "book_refused": "No se puede reservar el {slot}: {reasons}. Elijan otra de las franjas "
        "disponibles.",
        "book_unreadable": "No hemos entendido la franja: elijan una de la lista, o un día y "
        "una hora.",
        "book_outside": "No se puede reservar esa fecha: {reasons}. Elijan una de las franjas "
        "disponibles del calendario.",
        "book_off_grid": "La hora debe ir en intervalos de 5 minutos (por ejemplo, 10:05): "
        "elijan una franja de la lista, o un día y una hora.",
        "book_done_title": "Despliegue reservado",
        "book_done": "El despliegue queda reservado para el {slot}. Les hemos enviado la "
        "confirmación por correo.",
        "book_chosen_title": "Elección recibida",
        "book_chosen": "Hemos recibido su elección: el {slot}. El equipo la confirmará en breve "
        "y les enviaremos la confirmación por correo.",
        "book_closed_title": "Este enlace ya no sirve",
        "book_tampered": "Este enlace no es válido. Comprueben que lo han copiado entero.",
        "book_expired": "Este enlace ha caducado.",
        "book_spent": "Este enlace ya se ha utilizado.",
        "book_spent_booked": "El despliegue está reservado para el {slot}.",
        "book_spent_running": "El despliegue está en curso desde el {slot}.",
        "book_spent_done": "El despliegue se realizó el {slot}.",
        "book_spent_chosen": "Su elección (el {slot}) espera la confirmación del equipo.",
        "book_superseded": "Este enlace ya no es válido: la solicitud ha cambiado y les "
        "enviaremos (o ya les hemos enviado) nuevas propuestas.",
        "book_cancelled": "Esta solicitud de despliegue se ha cancelado.",
        "book_reply_ticket": "respondan al ticket",
        "book_reply_email": "respondan a nuestro correo",
        "book_too_many": "Demasiados intentos con este enlace. Esperen unos minutos y vuelvan a "
        "intentarlo.",
        "book_form_expired": "El formulario ha caducado. Vuelvan a cargar la página e "
        "inténtenlo de nuevo.",
        "book_zone": "hora de {city} ({abbr})",
        "book_times_in": "Las horas se indican en {zone}.",
        "book_proposal": "propuesta {number}",
        "book_holiday": "es festivo: {name}",
        "book_eve_of_holiday": "es víspera de festivo: {name}",
        "book_outside_window": "queda fuera del horario permitido ({window})",
        "book_window_days": "de {first} a {last}",
        "book_window_hours": "de {start} a {end}",
        "book_held_title": "No se puede reservar ahora mismo",
        "book_busy_title": "No hemos podido completar la reserva",
        "book_locked_title": "Estamos atendiendo otra reserva",
        "book_too_many_title": "Demasiados intentos",
        "book_form_expired_title": "El formulario ha caducado",
        "book_tampered_title": "Este enlace no es válido",
        "book_spent_rolled_back": "El despliegue del {day} se revirtió; les propondremos una "
        "nueva fecha.",
        "book_busy": "No hemos podido completar la reserva ahora mismo. Inténtenlo de nuevo en "
        "unos minutos.",
        "book_locked": "Estamos atendiendo otra reserva en este momento y no se ha reservado "
        "nada. Inténtenlo de nuevo en unos segundos.",
        "reply_option": "El cliente elige la opción {number}: {slot}. "
        "Para reservarla, pon la etiqueta {tag}.",
        "reply_proposal": "El cliente pide {slot}, que es la opción {number}. "
        "Para reservarla, pon la etiqueta {tag}.",
        "reply_allowed": "El cliente pide {slot}, que está permitido. Para reservarlo, escribe "
        "/deploy schedule {command}.",
        "reply_refused": "El cliente pide {slot}, pero no se puede: {reasons}.",
        "reply_declined": "El cliente descarta el {day} y no pide otro día.",
        "reply_no_day": "La respuesta del cliente no indica ninguna opción ni ningún día (sin "
        "contar lo que cita): léela en el ticket.",
        "reply_nearest": "Opciones permitidas: {options}.",
        "reply_never_books": "deploybot no reserva nada por una respuesta: decide tú.",
    },
    "ca": {
        "book_held": "Ara mateix no es pot reservar: l'equip ho revisarà i es posarà en "
        "contacte amb vosaltres.",
        "book_title": "Trieu la data del desplegament",
        "book_request": "Desplegament {target} {customer_de}",
        "book_tickets": "Tiquets",
        "book_components": "Components",
        "book_duration": "Durada prevista",
        "book_pick": "Franges disponibles",
        "book_pick_help": "Trieu una franja d'un dia disponible. Els dies que no es poden reservar "
        "en diuen el motiu.",
        "book_other": "Una altra hora d'un dia disponible",
        "book_other_day": "Dia",
        "book_other_time": "Hora",
        "book_window": "Horari permès: {window}.",
        "book_comment": "Comentari (opcional)",
        "book_submit_confirm": "Enviar la nostra elecció",
        "book_submit_direct": "Reservar la franja",
        "book_mode_confirm": "L'equip confirmarà la vostra elecció i us enviarem la confirmació "
        "per correu.",
        "book_mode_direct": "La reserva és immediata i us enviarem la confirmació per correu.",
        "book_legend_allowed": "dia disponible",
        "book_legend_refused": "no disponible",
        "book_legend_chosen": "triat",
        "book_valid_until": "Aquest enllaç és vàlid fins {day_al}.",
        "book_unavailable": "el nostre equip no està disponible",
        "book_taken": "la franja ja està ocupada per un altre desplegament",
        "book_too_soon": "és massa aviat per avisar tothom",
        "book_too_far": "és una data massa llunyana",
        "book_past_day": "ja ha passat",
        "book_refused": "No es pot reservar {slot_el}: {reasons}. Trieu una altra de les "
        "franges disponibles.",
        "book_unreadable": "No hem entès la franja: trieu-ne una de la llista, o un dia i una "
        "hora.",
        "book_outside": "No es pot reservar aquesta data: {reasons}. Trieu una de les franges "
        "disponibles del calendari.",
        "book_off_grid": "L'hora ha d'anar de 5 en 5 minuts (per exemple, 10:05): "
        "trieu una franja de la llista, o un dia i una hora.",
        "book_done_title": "Desplegament reservat",
        "book_done": "El desplegament queda reservat per {slot_al}. Us hem enviat la "
        "confirmació per correu.",
        "book_chosen_title": "Elecció rebuda",
        "book_chosen": "Hem rebut la vostra elecció: {slot_el}. L'equip la confirmarà aviat i "
        "us enviarem la confirmació per correu.",
        "book_closed_title": "Aquest enllaç ja no serveix",
        "book_tampered": "Aquest enllaç no és vàlid. Comproveu que l'heu copiat sencer.",
        "book_expired": "Aquest enllaç ha caducat.",
        "book_spent": "Aquest enllaç ja s'ha utilitzat.",
        "book_spent_booked": "El desplegament està reservat per {slot_al}.",
        "book_spent_running": "El desplegament està en curs des {slot_del}.",
        "book_spent_done": "El desplegament es va fer {slot_el}.",
        "book_spent_chosen": "La vostra elecció ({slot_el}) espera la confirmació de l'equip.",
        "book_superseded": "Aquest enllaç ja no és vàlid: la sol·licitud ha canviat i us "
        "enviarem (o ja us hem enviat) noves propostes.",
        "book_cancelled": "Aquesta sol·licitud de desplegament s'ha cancel·lat.",
        "book_reply_ticket": "responeu al tiquet",
        "book_reply_email": "responeu el nostre correu",
        "book_too_many": "Massa intents amb aquest enllaç. Espereu uns minuts i torneu-ho a "
        "provar.",
        "book_form_expired": "El formulari ha caducat. Torneu a carregar la pàgina i proveu-ho "
        "de nou.",
        "book_zone": "hora de {city} ({abbr})",
        "book_times_in": "Les hores s'indiquen en {zone}.",
        "book_proposal": "proposta {number}",
        "book_holiday": "és festiu: {name}",
        "book_eve_of_holiday": "és vigília de festiu: {name}",
        "book_outside_window": "queda fora de l'horari permès ({window})",
        "book_window_days": "de {first} a {last}",
        "book_window_hours": "{start_de} a {end}",
        "book_held_title": "Ara mateix no es pot reservar",
        "book_busy_title": "No hem pogut completar la reserva",
        "book_locked_title": "Estem atenent una altra reserva",
        "book_too_many_title": "Massa intents",
        "book_form_expired_title": "El formulari ha caducat",
        "book_tampered_title": "Aquest enllaç no és vàlid",
        "book_spent_rolled_back": "El desplegament {day_del} es va revertir; us proposarem una "
        "nova data.",
        "book_busy": "Ara mateix no hem pogut completar la reserva. Torneu-ho a provar d'aquí a "
        "uns minuts.",
        "book_locked": "En aquest moment estem atenent una altra reserva i no s'ha reservat res. "
        "Torneu-ho a provar d'aquí a uns segons.",
        "reply_option": "El client tria l'opció {number}: {slot}. "
        "Per reservar-la, posa l'etiqueta {tag}.",
        "reply_proposal": "El client demana {slot}, que és l'opció {number}. "
        "Per reservar-la, posa l'etiqueta {tag}.",
        "reply_allowed": "El client demana {slot}, que està permès. Per reservar-ho, escriu "
        "/deploy schedule {command}.",
        "reply_refused": "El client demana {slot}, però no es pot: {reasons}.",
        "reply_declined": "El client descarta el {day} i no demana cap altre dia.",
        "reply_no_day": "La resposta del client no indica cap opció ni cap dia (sense comptar "
        "el que cita): llegeix-la al tiquet.",
        "reply_nearest": "Opcions permeses: {options}.",
        "reply_never_books": "deploybot no reserva res per una resposta: decideix tu.",
    },
    "en": {
        "book_held": "This slot cannot be booked right now: the team will look into it and get in "
        "touch with you.",
        "book_title": "Choose the date of your deployment",
        "book_request": "{customer} deployment {target}",
        "book_tickets": "Tickets",
        "book_components": "Components",
        "book_duration": "Expected duration",
        "book_pick": "Available slots",
        "book_pick_help": "Choose a slot on an available day. Days that cannot be booked say why.",
        "book_other": "Another time on an available day",
        "book_other_day": "Day",
        "book_other_time": "Time",
        "book_window": "Allowed hours: {window}.",
        "book_comment": "Comment (optional)",
        "book_submit_confirm": "Send my choice",
        "book_submit_direct": "Book this slot",
        "book_mode_confirm": "The team will confirm your choice and we will send you the "
        "confirmation by email.",
        "book_mode_direct": "The booking is immediate and we will send you the confirmation by "
        "email.",
        "book_legend_allowed": "available day",
        "book_legend_refused": "not available",
        "book_legend_chosen": "chosen",
        "book_valid_until": "This link is valid until {day}.",
        "book_unavailable": "our team is not available",
        "book_taken": "the slot is already taken by another deployment",
        "book_too_soon": "it is too soon to let everyone know",
        "book_too_far": "it is too far ahead",
        "book_past_day": "it has passed",
        "book_refused": "{slot} cannot be booked: {reasons}. Please choose another of the "
        "available slots.",
        "book_unreadable": "We could not read the slot: please choose one from the list, or a "
        "day and a time.",
        "book_outside": "That date cannot be booked: {reasons}. Please choose one of the "
        "available slots in the calendar.",
        "book_off_grid": "The time must be a multiple of 5 minutes (for example 10:05): "
        "choose a slot from the list, or a day and a time.",
        "book_done_title": "Deployment booked",
        "book_done": "The deployment is booked for {slot}. We have sent you the confirmation by "
        "email.",
        "book_chosen_title": "Choice received",
        "book_chosen": "We have received your choice: {slot}. The team will confirm it shortly "
        "and we will send you the confirmation by email.",
        "book_closed_title": "This link can no longer be used",
        "book_tampered": "This link is not valid. Please check that you copied all of it.",
        "book_expired": "This link has expired.",
        "book_spent": "This link has already been used.",
        "book_spent_booked": "The deployment is booked for {slot}.",
        "book_spent_running": "The deployment has been in progress since {slot}.",
        "book_spent_done": "The deployment took place on {slot}.",
        "book_spent_chosen": "Your choice ({slot}) is waiting for the team's confirmation.",
        "book_superseded": "This link is no longer valid: the request has changed and we will "
        "send (or have sent) you new proposals.",
        "book_cancelled": "This deployment request has been cancelled.",
        "book_reply_ticket": "reply to the ticket",
        "book_reply_email": "reply to our email",
        "book_too_many": "Too many attempts with this link. Please wait a few minutes and try "
        "again.",
        "book_form_expired": "The form has expired. Please reload the page and try again.",
        "book_zone": "{city} time ({abbr})",
        "book_times_in": "Times are shown in {zone}.",
        "book_proposal": "proposal {number}",
        "book_holiday": "it is a public holiday: {name}",
        "book_eve_of_holiday": "it is the eve of a public holiday: {name}",
        "book_outside_window": "it is outside the allowed hours ({window})",
        "book_window_days": "{first} to {last}",
        "book_window_hours": "{start} to {end}",
        "book_held_title": "This slot cannot be booked right now",
        "book_busy_title": "We could not complete the booking",
        "book_locked_title": "We are handling another booking",
        "book_too_many_title": "Too many attempts",
        "book_form_expired_title": "The form has expired",
        "book_tampered_title": "This link is not valid",
        "book_spent_rolled_back": "The deployment on {day} was rolled back; we will propose a "
        "new date.",
        "book_busy": "We could not complete the booking just now. Please try again in a few "
        "minutes.",
        "book_locked": "We are handling another booking at this moment and nothing was booked. "
        "Please try again in a few seconds.",
        "reply_option": "The customer chooses option {number}: {slot}. "
        "To book it, add the tag {tag}.",
        "reply_proposal": "The customer asks for {slot}, which is option {number}. "
        "To book it, add the tag {tag}.",
        "reply_allowed": "The customer asks for {slot}, which is allowed. To book it, write "
        "/deploy schedule {command}.",
        "reply_refused": "The customer asks for {slot}, but it is not possible: {reasons}.",
        "reply_declined": "The customer turns down {day} and asks for no other day.",
        "reply_no_day": "The customer's reply names no option and no day (leaving out what it "
        "quotes): read it on the ticket.",
        "reply_nearest": "Allowed options: {options}.",
        "reply_never_books": "deploybot books nothing from a reply: it is your call.",
    },
}
