"""Step 3's sentences: what the live checks and the monitoring said (the team's), and what was
verified (the customer's end email)."""

from __future__ import annotations

SENTENCES: dict[str, dict[str, str]] = {
    "es": {
        "step3_check_failed": "✗ {name}: {why}",
        "step3_check_passed": "✓ {name} responde",
        "step3_check_passed_version": "✓ {name} responde con la versión {version}",
        "step3_alert_new": "✗ alerta que ha empezado durante el despliegue: {name}",
        "step3_alert_firing": "! alerta activa antes de empezar (no retiene el cierre): {name}",
        "step3_monitoring_unread": "no se ha podido leer la monitorización ({why}); "
        "revísala a mano (no retiene el cierre)",
        "step3_status": "ha respondido {got} en lugar de {expected}",
        "step3_missing_text": "la respuesta no contiene «{text}»",
        "step3_missing_version": "no ejecuta la versión {version} "
        "(la respuesta no contiene «{text}»)",
        "step3_unreachable": "no responde ({why})",
        "step3_timed_out": "no ha respondido en {seconds} s",
        "step3_tls": "el certificado TLS no es válido ({why})",
        "step3_unknown_host": "no se encuentra el nombre {host} (DNS)",
        "step3_secret_missing": "falta su secreto: {why}",
        "step3_monitoring_down": "Alertmanager no responde ({why})",
        "step3_monitoring_unreadable": "Alertmanager ha respondido algo ilegible ({why})",
        "step3_alerts_more": "… y {count} alertas más (la lista, en la auditoría)",
        "step3_done_choices": "Corrige y escribe /deploy recheck, o cierra igualmente con "
        "/deploy done force: <motivo>, o vuelve atrás con /deploy rollback <motivo>.",
        "step3_start_choices": "Revisa el sistema antes de avisar al cliente, o escribe "
        "/deploy start force: <motivo>.",
        "step3_verified": "Hemos comprobado que {what}.",
        "step3_verified_version": "{name} responde y ejecuta la versión {version}",
        "step3_verified_up": "{name} responde",
        "step3_and": " y que ",
        "step3_nothing": "Este cliente no tiene comprobaciones configuradas (checks, monitoring).",
        "note_done_forced": "Cerrado forzando las comprobaciones ({problems}): {reason}",
        "shared_done_forced": "Cierre confirmado por el equipo: {reason}",
    },
    "ca": {
        "step3_check_failed": "✗ {name}: {why}",
        "step3_check_passed": "✓ {name} respon",
        "step3_check_passed_version": "✓ {name} respon amb la versió {version}",
        "step3_alert_new": "✗ alerta que ha començat durant el desplegament: {name}",
        "step3_alert_firing": "! alerta activa abans de començar (no reté el tancament): {name}",
        "step3_monitoring_unread": "no s'ha pogut llegir la monitorització ({why}); "
        "revisa-la a mà (no reté el tancament)",
        "step3_status": "ha respost {got} en lloc de {expected}",
        "step3_missing_text": "la resposta no conté «{text}»",
        "step3_missing_version": "no executa la versió {version} (la resposta no conté «{text}»)",
        "step3_unreachable": "no respon ({why})",
        "step3_timed_out": "no ha respost en {seconds} s",
        "step3_tls": "el certificat TLS no és vàlid ({why})",
        "step3_unknown_host": "no es troba el nom {host} (DNS)",
        "step3_secret_missing": "en falta el secret: {why}",
        "step3_monitoring_down": "Alertmanager no respon ({why})",
        "step3_monitoring_unreadable": "Alertmanager ha respost una cosa il·legible ({why})",
        "step3_alerts_more": "… i {count} alertes més (la llista, a l'auditoria)",
        "step3_done_choices": "Corregeix-ho i escriu /deploy recheck, o tanca igualment amb "
        "/deploy done force: <motiu>, o torna enrere amb /deploy rollback <motiu>.",
        "step3_start_choices": "Revisa el sistema abans d'avisar el client, o escriu "
        "/deploy start force: <motiu>.",
        "step3_verified": "Hem comprovat que {what}.",
        "step3_verified_version": "{name} respon i executa la versió {version}",
        "step3_verified_up": "{name} respon",
        "step3_and": " i que ",
        "step3_nothing": "Aquest client no té comprovacions configurades (checks, monitoring).",
        "note_done_forced": "Tancat forçant les comprovacions ({problems}): {reason}",
        "shared_done_forced": "Tancament confirmat per l'equip: {reason}",
    },
    "en": {
        "step3_check_failed": "✗ {name}: {why}",
        "step3_check_passed": "✓ {name} answers",
        "step3_check_passed_version": "✓ {name} answers with version {version}",
        "step3_alert_new": "✗ alert that started firing during the deployment: {name}",
        "step3_alert_firing": "! alert firing before the start (it does not hold the close): "
        "{name}",
        "step3_monitoring_unread": "the monitoring could not be read ({why}); "
        "check it by hand (it does not hold the close)",
        "step3_status": "answered {got} instead of {expected}",
        "step3_missing_text": "the answer does not contain “{text}”",
        "step3_missing_version": "does not run version {version} (the answer does not contain "
        "“{text}”)",
        "step3_unreachable": "does not answer ({why})",
        "step3_timed_out": "did not answer within {seconds} s",
        "step3_tls": "its TLS certificate is not valid ({why})",
        "step3_unknown_host": "the name {host} is not found (DNS)",
        "step3_secret_missing": "its secret is missing: {why}",
        "step3_monitoring_down": "Alertmanager does not answer ({why})",
        "step3_monitoring_unreadable": "Alertmanager answered something unreadable ({why})",
        "step3_alerts_more": "… and {count} more alerts (the list is in the audit)",
        "step3_done_choices": "Fix it and write /deploy recheck, or close anyway with "
        "/deploy done force: <reason>, or go back with /deploy rollback <reason>.",
        "step3_start_choices": "Look at the system before the customer is told, or write "
        "/deploy start force: <reason>.",
        "step3_verified": "We checked that {what}.",
        "step3_verified_version": "{name} answers and runs version {version}",
        "step3_verified_up": "{name} answers",
        "step3_and": " and that ",
        "step3_nothing": "This customer has no checks configured (checks, monitoring).",
        "note_done_forced": "Closed overriding the checks ({problems}): {reason}",
        "shared_done_forced": "Close confirmed by the team: {reason}",
    },
}
