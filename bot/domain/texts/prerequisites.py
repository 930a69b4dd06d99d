"""The sentences of the prerequisite report (es, ca, en)."""

from __future__ import annotations

SENTENCES: dict[str, dict[str, str]] = {
    "es": {
        "plan_first_line": "{component}: es su primera versión, no hay a qué volver — desactivar o "
        "desinstalar {component}, reiniciar {restarts}, validar el sistema y {who}",
        "first_release": "{component} (primera versión: se desinstala)",
        "guide_title": "Guía de marcha atrás: {guide}",
        "no_tickets": "no hay ningún ticket en la petición",
        "missing_tickets_one": "no existe en Zammad: {tickets}",
        "missing_tickets_other": "no existen en Zammad: {tickets}",
        "ticket_without_org": "el ticket {ticket} no tiene organización en Zammad",
        "org_unknown": "la organización '{org}' del ticket {ticket} no es un cliente configurado "
        "(clientes: {known})",
        "several_customers": "los tickets son de varios clientes: {customers}; "
        "pide un despliegue por cliente",
        "needs_customer": "no se comprueba sin un cliente identificado",
        "needs_components": "no se comprueba sin componentes identificados",
        "its_partner": "su partner",
        "partner_exclusive": "{customer} lo opera en exclusiva {partner}, que sigue su propio "
        "procedimiento de despliegue: deploybot no hace nada más",
        "managed_provider": "lo operamos nosotros",
        "managed_partner_delegated": "lo opera un partner que nos delega la operación "
        "(se le avisará)",
        "no_env": "{customer} no tiene el entorno {env} (tiene: {envs})",
        "not_productive": "{env} no es un entorno productivo de {customer}: el procedimiento de "
        "despliegue a producción no se aplica",
        "productive": "{env} es un entorno de producción",
        "unknown_components": "{names} no es un componente de {customer} (componentes: {known})",
        "nothing_found": "no se ha indicado ningún componente y ninguna release de producción "
        "menciona los tickets {tickets}; indícalos con /deploy components addon-x 1.2.3",
        "source_explicit": "indicados a mano",
        "source_derived": "de las releases de GitLab que mencionan los tickets",
        "gitlab_down": "{component}: GitLab no ha respondido: {error}",
        "no_release": "{name}: no hay release de esa versión en {project}",
        "upcoming": "{name}: la release aún no está publicada (upcoming)",
        "release_ok": "{name} publicada",
        "not_production": "{name}: la etiqueta no es de una release de producción",
        "newer_release": "{name} no es la última release: {newer} ({when}) es más nueva, "
        "así que el artefacto validado no es el último generado",
        "latest_ok": "{name} es la última",
        "no_pipeline": "{name}: la release no tiene pipeline",
        "pipeline_bad": "{name}: el pipeline #{id} está en estado {status}",
        "pipeline_ok": "{name}: pipeline #{id} correcto",
        "no_commit": "{name}: no se conoce el commit de la release",
        "side_branch": "{name}: el commit {sha} no está en la rama principal {branch} "
        "(súbelo y fusiónalo)",
        "branch_ok": "{name} en {branch}",
        "no_package": "el paquete {package} {version} no está en el registro de paquetes",
        "package_ok": "paquete {package} {version} publicado",
        "no_link": "{name}: la release no tiene el artefacto enlazado",
        "link_ok": "{name}: artefacto enlazado",
        "manual_ok": "{name}: validado en TEST (etiqueta {tag} en {tickets})",
        "manual_missing": "{name}: falta la validación manual en TEST "
        "(pon la etiqueta {tag} cuando esté validado)",
        "no_test_env": "ningún entorno de TEST",
        "not_in_test": "{name}: el commit {sha} no se ha desplegado con éxito en TEST ({envs})",
        "test_ok": "{name} desplegado en {env} el {when} (despliegue #{id})",
        "validated": "validado por el cliente (etiqueta {tag} en {tickets})",
        "risk_accepted": "el cliente asume el riesgo sin validar (etiqueta {tag} en {tickets}, "
        "puesta por {who})",
        "someone": "alguien sin identificar",
        "not_validated": "el cliente no lo ha validado: falta la etiqueta {validated} "
        "(o {risk} si asume el riesgo)",
        "no_target": "no se sabe a qué versión volver para {components}",
        "no_guide": "falta la guía de marcha atrás: escribe /deploy rollback-plan <pasos> "
        "o acepta la generada con /deploy rollback-plan auto",
        "guide_auto": "la guía generada",
        "rollback_ok": "marcha atrás: {targets}, con {guide}",
        "rollback_target": "{component} a {target}",
        "call_phone": "llamar al {phone}",
        "tell_team": "avisar a {team}",
        "plan_line": "{component}: volver a {target} — redesplegar el artefacto de {target}, "
        "reiniciar {restarts} y validar el sistema",
        "plan_restart_default": "los servicios afectados",
        "party_project_team": "el equipo de proyecto",
        "party_support_team": "el equipo de soporte",
        "party_managers": "los responsables de {customer}",
        "party_partner": "los contactos del partner de {customer}",
        "parties_missing": "faltan en la configuración: {missing}",
        "parties_ok": "{count} personas a avisar configuradas",
        "summary_failed": "{failed} de {total} prerrequisitos no se cumplen",
        "summary_passed": "se cumplen los {total} prerrequisitos",
        "summary_warnings": " ({count} con aviso)",
        "summary_not_handled": "deploybot no gestiona este despliegue",
    },
    "ca": {
        "plan_first_line": "{component}: és la seva primera versió, no hi ha a què tornar — "
        "desactivar o desinstal·lar {component}, reiniciar {restarts}, validar el sistema i "
        "{who}",
        "first_release": "{component} (primera versió: es desinstal·la)",
        "guide_title": "Guia de marxa enrere: {guide}",
        "no_tickets": "no hi ha cap tiquet a la petició",
        "missing_tickets_one": "no existeix a Zammad: {tickets}",
        "missing_tickets_other": "no existeixen a Zammad: {tickets}",
        "ticket_without_org": "el tiquet {ticket} no té organització a Zammad",
        "org_unknown": "l'organització '{org}' del tiquet {ticket} no és un client configurat "
        "(clients: {known})",
        "several_customers": "els tiquets són de diversos clients: {customers}; "
        "demana un desplegament per client",
        "needs_customer": "no es comprova sense un client identificat",
        "needs_components": "no es comprova sense components identificats",
        "its_partner": "el seu partner",
        "partner_exclusive": "{customer} l'opera en exclusiva {partner}, que segueix el seu propi "
        "procediment de desplegament: deploybot no fa res més",
        "managed_provider": "l'operem nosaltres",
        "managed_partner_delegated": "l'opera un partner que ens delega l'operació (l'avisarem)",
        "no_env": "{customer} no té l'entorn {env} (té: {envs})",
        "not_productive": "{env} no és un entorn productiu {customer:de}: el procediment de "
        "desplegament a producció no s'hi aplica",
        "productive": "{env} és un entorn de producció",
        "unknown_components": "{names} no és un component {customer:de} (components: {known})",
        "nothing_found": "no s'ha indicat cap component i cap release de producció "
        "esmenta els tiquets {tickets}; indica'ls amb /deploy components addon-x 1.2.3",
        "source_explicit": "indicats a mà",
        "source_derived": "de les releases de GitLab que esmenten els tiquets",
        "gitlab_down": "{component}: GitLab no ha respost: {error}",
        "no_release": "{name}: no hi ha release d'aquesta versió a {project}",
        "upcoming": "{name}: la release encara no està publicada (upcoming)",
        "release_ok": "{name} publicada",
        "not_production": "{name}: l'etiqueta no és d'una release de producció",
        "newer_release": "{name} no és la darrera release: {newer} ({when}) és més nova, "
        "així que l'artefacte validat no és el darrer generat",
        "latest_ok": "{name} és la darrera",
        "no_pipeline": "{name}: la release no té pipeline",
        "pipeline_bad": "{name}: el pipeline #{id} està en estat {status}",
        "pipeline_ok": "{name}: pipeline #{id} correcte",
        "no_commit": "{name}: no es coneix el commit de la release",
        "side_branch": "{name}: el commit {sha} no és a la branca principal {branch} "
        "(puja'l i fusiona'l)",
        "branch_ok": "{name} a {branch}",
        "no_package": "el paquet {package} {version} no és al registre de paquets",
        "package_ok": "paquet {package} {version} publicat",
        "no_link": "{name}: la release no té l'artefacte enllaçat",
        "link_ok": "{name}: artefacte enllaçat",
        "manual_ok": "{name}: validat a TEST (etiqueta {tag} a {tickets})",
        "manual_missing": "{name}: falta la validació manual a TEST "
        "(posa l'etiqueta {tag} quan estigui validat)",
        "no_test_env": "cap entorn de TEST",
        "not_in_test": "{name}: el commit {sha} no s'ha desplegat amb èxit a TEST ({envs})",
        "test_ok": "{name} desplegat a {env} {when:el} (desplegament #{id})",
        "validated": "validat pel client (etiqueta {tag} a {tickets})",
        "risk_accepted": "el client assumeix el risc sense validar (etiqueta {tag} a {tickets}, "
        "posada per {who})",
        "someone": "algú sense identificar",
        "not_validated": "el client no ho ha validat: falta l'etiqueta {validated} "
        "(o {risk} si n'assumeix el risc)",
        "no_target": "no se sap a quina versió ha de tornar {components}",
        "no_guide": "falta la guia de marxa enrere: escriu /deploy rollback-plan <passos> "
        "o accepta la generada amb /deploy rollback-plan auto",
        "guide_auto": "la guia generada",
        "rollback_ok": "marxa enrere: {targets}, amb {guide}",
        "rollback_target": "{component} a {target}",
        "call_phone": "trucar {phone:al}",
        "tell_team": "avisar {team}",
        "plan_line": "{component}: tornar a {target} — redesplegar l'artefacte {target:de}, "
        "reiniciar {restarts} i validar el sistema",
        "plan_restart_default": "els serveis afectats",
        "party_project_team": "l'equip de projecte",
        "party_support_team": "l'equip de suport",
        "party_managers": "els responsables {customer:de}",
        "party_partner": "els contactes del partner {customer:de}",
        "parties_missing": "falten a la configuració: {missing}",
        "parties_ok": "{count} persones a avisar configurades",
        "summary_failed": "{failed} {total:de} prerequisits no es compleixen",
        "summary_passed": "es compleixen els {total} prerequisits",
        "summary_warnings": " ({count} amb avís)",
        "summary_not_handled": "deploybot no gestiona aquest desplegament",
    },
    "en": {
        "plan_first_line": "{component}: its first version, there is nothing to go back to — "
        "disable or uninstall {component}, restart {restarts}, validate the system and {who}",
        "first_release": "{component} (first version: uninstalled)",
        "guide_title": "Rollback guide: {guide}",
        "no_tickets": "the request has no ticket",
        "missing_tickets_one": "not found in Zammad: {tickets}",
        "missing_tickets_other": "not found in Zammad: {tickets}",
        "ticket_without_org": "ticket {ticket} has no organization in Zammad",
        "org_unknown": "organization '{org}' of ticket {ticket} is not a configured customer "
        "(customers: {known})",
        "several_customers": "the tickets belong to several customers: {customers}; "
        "request one deployment per customer",
        "needs_customer": "not checked without a known customer",
        "needs_components": "not checked without identified components",
        "its_partner": "its partner",
        "partner_exclusive": "{customer} is run exclusively by {partner}, which follows its own "
        "deployment procedure: deploybot does nothing more",
        "managed_provider": "run by us",
        "managed_partner_delegated": "run by a partner who delegates operation to us "
        "(the partner will be told)",
        "no_env": "{customer} has no environment {env} (it has: {envs})",
        "not_productive": "{env} is not a productive environment of {customer}: the production "
        "deployment procedure does not apply",
        "productive": "{env} is a production environment",
        "unknown_components": "{names} is not a component of {customer} (components: {known})",
        "nothing_found": "no component was given and no production release mentions tickets "
        "{tickets}; name them with /deploy components addon-x 1.2.3",
        "source_explicit": "given by hand",
        "source_derived": "from the GitLab releases that mention the tickets",
        "gitlab_down": "{component}: GitLab did not answer: {error}",
        "no_release": "{name}: there is no release of that version in {project}",
        "upcoming": "{name}: the release is not published yet (upcoming)",
        "release_ok": "{name} released",
        "not_production": "{name}: the tag is not a production release",
        "newer_release": "{name} is not the latest release: {newer} ({when}) is newer, "
        "so the validated artifact is not the last one generated",
        "latest_ok": "{name} is the latest",
        "no_pipeline": "{name}: the release has no pipeline",
        "pipeline_bad": "{name}: pipeline #{id} is {status}",
        "pipeline_ok": "{name}: pipeline #{id} succeeded",
        "no_commit": "{name}: the release commit is unknown",
        "side_branch": "{name}: commit {sha} is not on the default branch {branch} "
        "(push and merge it)",
        "branch_ok": "{name} on {branch}",
        "no_package": "package {package} {version} is not in the package registry",
        "package_ok": "package {package} {version} published",
        "no_link": "{name}: the release has no linked artifact",
        "link_ok": "{name}: artifact linked",
        "manual_ok": "{name}: validated in TEST (tag {tag} on {tickets})",
        "manual_missing": "{name}: the manual TEST validation is missing "
        "(add the {tag} tag once validated)",
        "no_test_env": "no TEST environment",
        "not_in_test": "{name}: commit {sha} was not successfully deployed to TEST ({envs})",
        "test_ok": "{name} deployed to {env} on {when} (deployment #{id})",
        "validated": "validated by the customer (tag {tag} on {tickets})",
        "risk_accepted": "the customer accepts the risk without validating (tag {tag} on "
        "{tickets}, added by {who})",
        "someone": "someone unidentified",
        "not_validated": "the customer has not validated it: the {validated} tag is missing "
        "(or {risk} if they accept the risk)",
        "no_target": "the version to roll back to is unknown for {components}",
        "no_guide": "the rollback guide is missing: write /deploy rollback-plan <steps> "
        "or accept the generated one with /deploy rollback-plan auto",
        "guide_auto": "the generated guide",
        "rollback_ok": "rollback: {targets}, with {guide}",
        "rollback_target": "{component} to {target}",
        "call_phone": "call {phone}",
        "tell_team": "tell {team}",
        "plan_line": "{component}: go back to {target} — redeploy the {target} artifact, "
        "restart {restarts} and validate the system",
        "plan_restart_default": "the affected services",
        "party_project_team": "the project team",
        "party_support_team": "the support team",
        "party_managers": "the managers of {customer}",
        "party_partner": "the partner contacts of {customer}",
        "parties_missing": "missing from the configuration: {missing}",
        "parties_ok": "{count} people to notify configured",
        "summary_failed": "{failed} of {total} prerequisites fail",
        "summary_passed": "all {total} prerequisites pass",
        "summary_warnings": " ({count} with a warning)",
        "summary_not_handled": "deploybot does not handle this deployment",
    },
}
