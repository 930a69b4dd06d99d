"""Step 3 carried out through GitLab jobs: the team's progress lines, the hold note and the
change gate's answers (the operator's language; nothing here reaches a customer)."""

from __future__ import annotations

SENTENCES: dict[str, dict[str, str]] = {
    "es": {
        "jobs_not_held": "ningún trabajo de GitLab del paso 3 retiene este despliegue",
        "usage_retry": "/deploy retry (repite el trabajo de GitLab que ha retenido el despliegue)",
        "usage_continue": "/deploy continue force: motivo (sigue tras el trabajo o las "
        "comprobaciones que lo han retenido; el modo mantenimiento se quita igualmente)",
        "jobs_left": "■ paso 3 terminado: se ha quitado el modo mantenimiento",
        "effect_play": "lanzar {job} en {project}",
        "jobs_what_deploy": "despliegue de {component} {version}",
        "jobs_what_maintenance_on": "activar el modo mantenimiento",
        "jobs_what_maintenance_off": "quitar el modo mantenimiento",
        "jobs_what_restart": "reinicio",
        "jobs_played": "▶ {job} ({what}) lanzado: {url}",
        "jobs_passed": "✓ {job} ({what}) ha terminado bien en {minutes} min",
        "jobs_failed": "✗ {job} ({what}) ha fallado: {url}",
        "jobs_canceled": "✗ {job} ({what}) se ha cancelado: {url}",
        "jobs_timed_out": "✗ {job} ({what}) ha superado su tiempo máximo: {url}",
        "jobs_checks_passed": "✓ las comprobaciones del paso 3 han pasado",
        "jobs_checks_failed": "✗ las comprobaciones del paso 3 no han pasado",
        "jobs_done_auto": "✓ todos los trabajos y comprobaciones han pasado: se cierra el "
        "despliegue",
        "jobs_done_confirm": "✓ todos los trabajos y comprobaciones han pasado: confirma el "
        "cierre con la etiqueta deploy-done",
        "jobs_rolled_back": "↩ marcha atrás terminada: revisa y márcala con deploy-rollback",
        "jobs_retry": "↻ se repite {job}",
        "jobs_retry_checks": "↻ se repiten las comprobaciones",
        "jobs_rollback": "↩ marcha atrás: {reason}",
        "jobs_forced": "⚠ se continúa a la fuerza: {reason}",
        "jobs_way_out": "■ se sale del paso 3 (el modo mantenimiento se quita igualmente)",
        "jobs_held_failed": "El despliegue está retenido: {job} ({what}) ha fallado. {url}",
        "jobs_held_canceled": "El despliegue está retenido: {job} ({what}) se ha cancelado. {url}",
        "jobs_held_timed_out": "El despliegue está retenido: {job} ({what}) lleva más de "
        "{minutes} min. {url}",
        "jobs_held_checks": "El despliegue está retenido: las comprobaciones tras los "
        "trabajos no han pasado.",
        "jobs_trace_tail": "Últimas {count} líneas del registro:",
        "jobs_choices": "Elige: /deploy retry (repetirlo), /deploy rollback <motivo> (volver a "
        "la versión anterior) o /deploy continue force: <motivo> (seguir igualmente).",
        "gate_open": "despliegue {deployment} en curso para {project} {version} en {environment}",
        "gate_closed": "no hay despliegue en curso para {project} {version} en {environment}",
        "gate_next": "el próximo: {when}",
        "gate_none": "no hay ninguno previsto",
    },
    "ca": {
        "jobs_not_held": "cap treball de GitLab del pas 3 no reté aquest desplegament",
        "usage_retry": "/deploy retry (repeteix el treball de GitLab que ha retingut "
        "el desplegament)",
        "usage_continue": "/deploy continue force: motiu (continua després del treball o "
        "les comprovacions que l'han retingut; el mode manteniment es treu igualment)",
        "jobs_left": "■ pas 3 acabat: s'ha tret el mode manteniment",
        "effect_play": "llançar {job} a {project}",
        "jobs_what_deploy": "desplegament de {component} {version}",
        "jobs_what_maintenance_on": "activar el mode manteniment",
        "jobs_what_maintenance_off": "treure el mode manteniment",
        "jobs_what_restart": "reinici",
        "jobs_played": "▶ {job} ({what}) llançat: {url}",
        "jobs_passed": "✓ {job} ({what}) ha acabat bé en {minutes} min",
        "jobs_failed": "✗ {job} ({what}) ha fallat: {url}",
        "jobs_canceled": "✗ {job} ({what}) s'ha cancel·lat: {url}",
        "jobs_timed_out": "✗ {job} ({what}) ha superat el seu temps màxim: {url}",
        "jobs_checks_passed": "✓ les comprovacions del pas 3 han passat",
        "jobs_checks_failed": "✗ les comprovacions del pas 3 no han passat",
        "jobs_done_auto": "✓ tots els treballs i comprovacions han passat: es tanca el "
        "desplegament",
        "jobs_done_confirm": "✓ tots els treballs i comprovacions han passat: confirma el "
        "tancament amb l'etiqueta deploy-done",
        "jobs_rolled_back": "↩ marxa enrere acabada: revisa-la i marca-la amb deploy-rollback",
        "jobs_retry": "↻ es repeteix {job}",
        "jobs_retry_checks": "↻ es repeteixen les comprovacions",
        "jobs_rollback": "↩ marxa enrere: {reason}",
        "jobs_forced": "⚠ es continua per força: {reason}",
        "jobs_way_out": "■ se surt del pas 3 (el mode manteniment es treu igualment)",
        "jobs_held_failed": "El desplegament està retingut: {job} ({what}) ha fallat. {url}",
        "jobs_held_canceled": "El desplegament està retingut: {job} ({what}) s'ha "
        "cancel·lat. {url}",
        "jobs_held_timed_out": "El desplegament està retingut: {job} ({what}) porta més de "
        "{minutes} min. {url}",
        "jobs_held_checks": "El desplegament està retingut: les comprovacions després dels "
        "treballs no han passat.",
        "jobs_trace_tail": "Últimes {count} línies del registre:",
        "jobs_choices": "Tria: /deploy retry (repetir-ho), /deploy rollback <motiu> (tornar a "
        "la versió anterior) o /deploy continue force: <motiu> (continuar igualment).",
        "gate_open": "desplegament {deployment} en curs per a {project} {version} a {environment}",
        "gate_closed": "no hi ha cap desplegament en curs per a {project} {version} a "
        "{environment}",
        "gate_next": "el proper: {when}",
        "gate_none": "no n'hi ha cap de previst",
    },
    "en": {
        "jobs_not_held": "no step-3 GitLab job holds this deployment",
        "usage_retry": "/deploy retry (runs the GitLab job that held the deployment again)",
        "usage_continue": "/deploy continue force: reason (goes on past the job or "
        "checks that held it; maintenance mode is turned off all the same)",
        "jobs_left": "■ step 3 ended: maintenance mode was turned off",
        "effect_play": "play {job} in {project}",
        "jobs_what_deploy": "deploying {component} {version}",
        "jobs_what_maintenance_on": "maintenance mode on",
        "jobs_what_maintenance_off": "maintenance mode off",
        "jobs_what_restart": "restart",
        "jobs_played": "▶ {job} ({what}) started: {url}",
        "jobs_passed": "✓ {job} ({what}) succeeded in {minutes} min",
        "jobs_failed": "✗ {job} ({what}) failed: {url}",
        "jobs_canceled": "✗ {job} ({what}) was cancelled: {url}",
        "jobs_timed_out": "✗ {job} ({what}) ran past its timeout: {url}",
        "jobs_checks_passed": "✓ the step 3 checks passed",
        "jobs_checks_failed": "✗ the step 3 checks did not pass",
        "jobs_done_auto": "✓ every job and check passed: the deployment is closed",
        "jobs_done_confirm": "✓ every job and check passed: confirm the end with the tag "
        "deploy-done",
        "jobs_rolled_back": "↩ rollback finished: review it and tag it deploy-rollback",
        "jobs_retry": "↻ {job} again",
        "jobs_retry_checks": "↻ the checks again",
        "jobs_rollback": "↩ rolling back: {reason}",
        "jobs_forced": "⚠ going on by force: {reason}",
        "jobs_way_out": "■ leaving step 3 (maintenance mode is turned off all the same)",
        "jobs_held_failed": "The deployment is held: {job} ({what}) failed. {url}",
        "jobs_held_canceled": "The deployment is held: {job} ({what}) was cancelled. {url}",
        "jobs_held_timed_out": "The deployment is held: {job} ({what}) has run for more than "
        "{minutes} min. {url}",
        "jobs_held_checks": "The deployment is held: the checks after the jobs did not pass.",
        "jobs_trace_tail": "The log's last {count} lines:",
        "jobs_choices": "Choose: /deploy retry (run it again), /deploy rollback <reason> (back "
        "to the previous version) or /deploy continue force: <reason> (go on all the same).",
        "gate_open": "deployment {deployment} in progress for {project} {version} in {environment}",
        "gate_closed": "no deployment in progress for {project} {version} in {environment}",
        "gate_next": "the next one: {when}",
        "gate_none": "none is planned",
    },
}
