"""Step 3 checked, end to end on real parts: an HTTPS console that reports the version it runs
(trustme certificates), a TCP listener and Debian's Prometheus Alertmanager. A start is refused
while a system is down; ``done`` is held while a check fails or an alert started firing during
the window, and completes when forced (the audit says so); the customer's end email says what
was verified."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from click.testing import CliRunner

from bot.app.ops import doctor
from bot.app.outside.live_checks import TRIES
from bot.app.web.booking_desk import LOCK_WAIT_SECONDS, BookingDesk
from bot.app.web.booking_pages import BookingPages
from bot.app.web.webhook import ControlApp, serve
from bot.cli import main
from bot.config.loading import ConfigError
from bot.domain.booking_link import BookingLinks
from bot.domain.model import State
from tests.booking_side import SECRET, booking_site, choose, offered, token_in
from tests.factories import customer_data, make_config
from tests.fakes import InProcess
from tests.live_systems import (
    Alertmanager,
    Console,
    Scripted,
    alertmanager,
    alertmanager_missing,
    console,
    scripted,
    tcp_listener,
)
from tests.scenes import START, diba, ready, two_customers
from tests.servers import free_port

LINKS = BookingLinks("https://deploybot.example", SECRET)


@pytest.fixture
def systems(tmp_path: Path) -> Iterator[tuple[Console, int]]:
    with console(tmp_path) as site, tcp_listener() as port:
        yield site, port


@pytest.fixture
def monitoring(tmp_path: Path) -> Iterator[Alertmanager]:
    missing = alertmanager_missing()
    if missing:
        pytest.skip(missing)
    with alertmanager(tmp_path / "alertmanager") as running:
        yield running


def checked_diba(tmp_path: Path, site: Console, port: int, am: str | None = None) -> InProcess:
    checks: list[dict[str, Any]] = [
        {"name": "la consola", "url": site.url, "expect_contains": "{version:addon-diba}",
         "ca_file": str(site.ca_file), "timeout": "3s"},
        {"name": "el servidor de sincronización", "tcp": f"127.0.0.1:{port}", "timeout": "2s"},
    ]  # fmt: skip
    watched = {"alertmanager": {"url": am, "matchers": ['customer="DIBA"']}} if am else {}
    return diba(tmp_path, checks=checks, monitoring=watched)


def started(bot: InProcess, site: Console | None) -> str:
    """Booked on the first proposal and started in its slot, the console on the new version."""
    deployment_id = ready(bot)
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    bot.clock.set(bot.deployment().planned_start)  # type: ignore[arg-type]
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    assert bot.deployment().state is State.IN_PROGRESS, bot.zammad.notes(1)
    return deployment_id


def deployed(bot: InProcess, site: Console) -> None:
    """Started, the new version deployed (the console says so), and tagged ``deploy-done``."""
    started(bot, site)
    site.version = "addon-diba 3.2.11"
    finish(bot)


def finish(bot: InProcess, how: str = "tag") -> None:
    if how == "tag":
        bot.zammad.person_tags(2, "deploy-done")
    else:
        bot.zammad.person_notes(1, how)
    bot.cycle()


def all_notes(bot: InProcess) -> list[str]:
    """Every note of the two tickets (an answer goes to the ticket that asked)."""
    return [*bot.zammad.notes(1), *bot.zammad.notes(2)]


def end_email(bot: InProcess) -> str:
    [message] = [m for key, m in bot.mailer.sent.items() if ".end." in key]
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_console_on_the_new_version_completes_and_the_end_email_says_what_was_checked(
    tmp_path: Path, systems: tuple[Console, int]
) -> None:
    site, port = systems
    bot = checked_diba(tmp_path, site, port)
    deployed(bot, site)
    assert bot.deployment().state is State.COMPLETED
    text = end_email(bot)
    assert "Hemos comprobado que la consola responde y ejecuta la versión 3.2.11 y que el " \
        "servidor de sincronización responde." in text  # fmt: skip
    assert "127.0.0.1" not in text and "✓" not in text
    team_event = bot.calendar.events[f"{bot.deployment().id}@soffid.example"]
    assert "Hemos comprobado que la consola responde" in team_event.description
    # The completion note and the tickets' completion comment name the checks that passed too.
    [completed] = [n for n in all_notes(bot) if "completado</strong>" in n]
    assert "Hemos comprobado que la consola responde y ejecuta la versión 3.2.11" in completed
    customer = bot.config.customer("DIBA").language
    comments = [a.body for a in bot.zammad.article_lists[1] if not a.internal]
    said = {"es": "Hemos comprobado", "ca": "Hem comprovat", "en": "We checked"}[customer]
    assert said in comments[-1] and "127.0.0.1" not in comments[-1], comments[-1]


def test_a_console_still_on_the_old_version_holds_done_until_forced(
    tmp_path: Path, systems: tuple[Console, int]
) -> None:
    site, port = systems
    bot = checked_diba(tmp_path, site, port)
    started(bot, site)
    finish(bot)  # the console still says 3.2.10
    assert bot.deployment().state is State.IN_PROGRESS
    assert "end" not in bot.mailer.kinds()
    [held] = [n for n in all_notes(bot) if "no se cierra todavía" in n]
    assert "no ejecuta la versión 3.2.11" in held and "/deploy done force:" in held
    assert "deploy-done" not in bot.zammad.tag_lists[2]
    finish(bot, "/deploy done force: the customer confirmed the console by phone")
    assert bot.deployment().state is State.COMPLETED
    audit = bot.service.store.audit.trail(bot.deployment().id)
    forced = [e for e in audit if e.event == "deploy-done" and e.details.get("force")]
    assert forced[-1].details["force"] == "the customer confirmed the console by phone"
    assert "la consola" not in end_email(bot)  # only what passed is said to the customer


def test_a_recheck_after_the_fix_completes_a_held_deployment(
    tmp_path: Path, systems: tuple[Console, int]
) -> None:
    site, port = systems
    bot = checked_diba(tmp_path, site, port)
    started(bot, site)
    finish(bot)
    assert bot.deployment().state is State.IN_PROGRESS
    site.version = "addon-diba 3.2.11"
    finish(bot, "/deploy recheck")
    assert bot.deployment().state is State.COMPLETED
    assert bot.mailer.kinds().count("end") == 1


def test_a_console_that_is_down_refuses_the_start_before_anyone_is_told(
    tmp_path: Path, systems: tuple[Console, int]
) -> None:
    site, port = systems
    bot = checked_diba(tmp_path, site, port)
    ready(bot)
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    bot.clock.set(bot.deployment().planned_start)  # type: ignore[arg-type]
    site.status = 503
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    assert bot.deployment().state is State.SCHEDULED
    assert "start" not in bot.mailer.kinds()
    [refusal] = [n for n in all_notes(bot) if "No se puede empezar" in n]
    assert "la consola: ha respondido 503 en lugar de 200" in refusal


def test_a_check_that_cannot_be_made_says_why_in_plain_words(
    tmp_path: Path, systems: tuple[Console, int]
) -> None:
    site, _ = systems
    checks = [
        {"name": "la consola", "url": site.url, "timeout": "2s"},  # the public CAs only
        {"name": "el servidor", "tcp": f"127.0.0.1:{free_port()}", "timeout": "1s"},
    ]
    bot = diba(tmp_path, checks=checks)
    deployment_id = ready(bot)
    bot.zammad.person_notes(1, "/deploy verify")
    bot.cycle()
    [note] = [n for n in all_notes(bot) if "Comprobaciones de" in n]
    assert deployment_id in note
    assert "el certificado TLS no es válido" in note
    assert "el servidor: no responde (connection refused)" in note


def test_an_alert_that_starts_firing_during_the_window_holds_done(
    tmp_path: Path, systems: tuple[Console, int], monitoring: Alertmanager
) -> None:
    site, port = systems
    bot = checked_diba(tmp_path, site, port, monitoring.url)
    started(bot, site)
    site.version = "addon-diba 3.2.11"
    monitoring.fire("ConsoleLatencyHigh", "DIBA")
    finish(bot)
    assert bot.deployment().state is State.IN_PROGRESS
    [held] = [n for n in all_notes(bot) if "no se cierra todavía" in n]
    assert "ConsoleLatencyHigh" in held
    monitoring.resolve("ConsoleLatencyHigh", "DIBA")
    finish(bot, "/deploy recheck")
    assert bot.deployment().state is State.COMPLETED


def test_an_alert_already_firing_at_start_does_not_hold_done(
    tmp_path: Path, systems: tuple[Console, int], monitoring: Alertmanager
) -> None:
    site, port = systems
    monitoring.fire("DiskAlmostFull", "DIBA")
    monitoring.fire("SomeoneElsesAlert", "CAIB")
    bot = checked_diba(tmp_path, site, port, monitoring.url)
    started(bot, site)
    [checklist] = [n for n in all_notes(bot) if "Lista de comprobación" in n]
    assert "✓ la consola responde" in checklist
    assert "alerta activa antes de empezar (no retiene el cierre): DiskAlmostFull" in checklist
    assert "SomeoneElsesAlert" not in checklist
    site.version = "addon-diba 3.2.11"
    finish(bot)
    assert bot.deployment().state is State.COMPLETED


def test_an_alertmanager_that_is_down_is_reported_and_wedges_nothing(
    tmp_path: Path, systems: tuple[Console, int]
) -> None:
    site, port = systems
    bot = checked_diba(tmp_path, site, port, f"http://127.0.0.1:{free_port()}")
    started(bot, site)
    site.version = "addon-diba 3.2.11"
    bot.zammad.person_notes(1, "/deploy verify")
    bot.cycle()
    [note] = [n for n in all_notes(bot) if "Comprobaciones de" in n]
    assert "no se ha podido leer la monitorización" in note
    finish(bot)
    assert bot.deployment().state is State.COMPLETED
    assert bot.service.store.outbox.pending() == []


def test_a_check_naming_a_component_the_customer_lacks_is_a_configuration_error() -> None:
    data = customer_data(
        components={"addon-diba": {"gitlab_project": "soffid/addons/diba"}},
        checks=[{"name": "Consola", "url": "https://c.example/v", "expect_contains":
                 "{version:addon-caib}"}],
    )  # fmt: skip
    with pytest.raises((ConfigError, ValueError), match=r"\{version:addon-caib\} names no"):
        make_config([data])


def test_a_check_is_either_a_url_or_a_tcp_port() -> None:
    data = customer_data(checks=[{"name": "Sync", "tcp": "sync.example"}])
    with pytest.raises(ValueError, match="is not host:port"):
        make_config([data])


def test_the_doctor_runs_each_check_once_and_says_what_it_saw(
    tmp_path: Path, systems: tuple[Console, int]
) -> None:
    site, port = systems
    bot = checked_diba(tmp_path, site, port, f"http://127.0.0.1:{free_port()}")
    site.status = 500
    lines = [f.line() for f in doctor._live(bot.config, {}, START)]
    assert lines[0].startswith("✗ DIBA check la consola: answered 500 instead of 200")
    assert lines[1] == "✓ DIBA check el servidor de sincronización: answers"
    assert lines[2].startswith("✗ DIBA monitoring: Alertmanager does not answer")


def test_show_lists_what_step_3_saw_at_each_step(
    tmp_path: Path, systems: tuple[Console, int]
) -> None:
    site, port = systems
    bot = checked_diba(tmp_path, site, port)
    deployed(bot, site)
    config_file = tmp_path / "deploybot.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {**bot.config.model_dump(mode="json", exclude_defaults=True),
             "state": {"url": bot.service.store.url}}, allow_unicode=True
        )
    )  # fmt: skip
    result = CliRunner().invoke(main, ["show", bot.deployment().id, "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert "comprobado  la consola (3.2.11)" in result.output
    assert "paso 3: la consola: passed" in result.output


# -- deadlines, and what is never under the decision lock --------------------------------------


@pytest.fixture
def trickling() -> Iterator[tuple[Scripted, Scripted]]:
    """A console and an Alertmanager that answer well until told to trickle."""
    with scripted() as site, scripted() as am:
        site.body = b"addon-diba 3.2.11"
        yield site, am


def test_a_trickling_check_and_alertmanager_end_at_their_deadline_and_hold_no_one_else(
    tmp_path: Path, trickling: tuple[Scripted, Scripted]
) -> None:
    site, am = trickling
    checks = [{"name": "la consola", "url": site.url, "timeout": "2s"}]
    watched = {"alertmanager": {"url": am.url, "matchers": ['customer="DIBA"'], "timeout": "2s"}}
    bot = two_customers(tmp_path, LINKS, checks=checks, monitoring=watched)
    started(bot, None)
    bot.zammad.person_tags(11, "deploy")
    bot.zammad.person_tags(12, "deploy")
    bot.cycle()
    token = token_in(a.body for a in bot.zammad.article_lists[11] if not a.internal)
    pages = BookingPages(BookingDesk(bot.service, LINKS, after=lambda: None))
    endpoint = serve(ControlApp(bot.service, None, lambda: None, booking=pages), "127.0.0.1", 0)
    url = f"http://127.0.0.1:{endpoint.server_port}"
    try:
        page = requests.get(f"{url}/book/{token}", timeout=10)
        slot = offered(page.text)[0]
        site.trickle = am.trickle = True
        site.asked.clear()
        bot.zammad.person_tags(2, "deploy-done")
        began = time.monotonic()
        cycle = threading.Thread(target=bot.cycle, daemon=True)
        cycle.start()
        assert site.asked.wait(5)
        time.sleep(0.5)  # the check is under way, its answer trickling
        for path in ("/healthz", "/metrics"):
            asked = time.monotonic()
            requests.get(f"{url}{path}", timeout=5)
            assert time.monotonic() - asked < 1, path
        asked = time.monotonic()
        booked = choose(url, token, slot, session=requests.Session())
        assert time.monotonic() - asked < 1 and booked.status_code == 200, booked.text
        cycle.join(timeout=TRIES * 2 + 3 - (time.monotonic() - began))
        assert not cycle.is_alive(), "the cycle still waits on a trickling answer"
    finally:
        endpoint.shutdown()
    assert bot.service.store.deployments.open_with_ticket(1).state is State.IN_PROGRESS  # type: ignore[union-attr]
    [held] = [n for n in all_notes(bot) if "no se cierra todavía" in n]
    assert "la consola: no ha respondido en 2 s" in held
    assert "no se ha podido leer la monitorización (Alertmanager no responde" in held


def test_a_booking_that_cannot_get_the_lock_in_time_asks_to_try_again_in_its_language(
    tmp_path: Path,
) -> None:
    bot = two_customers(tmp_path, LINKS)
    bot.zammad.person_tags(11, "deploy")
    bot.zammad.person_tags(12, "deploy")
    bot.cycle()
    token = token_in(a.body for a in bot.zammad.article_lists[11] if not a.internal)
    with booking_site(bot.service) as url:
        session = requests.Session()
        slot = offered(session.get(f"{url}/book/{token}", timeout=10).text)[0]
        with bot.service.lock:  # another decision that takes long
            asked = time.monotonic()
            answer = choose(url, token, slot, session=session)
        waited = time.monotonic() - asked
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "10"
    assert "Estamos atendiendo otra reserva en este momento" in answer.text
    assert LOCK_WAIT_SECONDS <= waited < LOCK_WAIT_SECONDS + 2
    assert bot.service.store.deployments.open_with_ticket(11).state is State.READY  # type: ignore[union-attr]


def test_health_and_metrics_answer_while_a_decision_holds_the_lock(tmp_path: Path) -> None:
    bot = two_customers(tmp_path, LINKS)
    bot.cycle()
    endpoint = serve(ControlApp(bot.service, None, lambda: None), "127.0.0.1", 0)
    try:
        with bot.service.lock:
            for path in ("/healthz", "/metrics"):
                asked = time.monotonic()
                answer = requests.get(f"http://127.0.0.1:{endpoint.server_port}{path}", timeout=5)
                assert answer.status_code == 200 and time.monotonic() - asked < 1, path
    finally:
        endpoint.shutdown()


# -- Alertmanager's answers, checked ------------------------------------------------------------


def alerts(count: int, customer: str = "DIBA") -> bytes:
    """``count`` alerts firing as Alertmanager's API v2 writes them."""
    return json.dumps([
        {"fingerprint": f"{n:016x}", "labels": {"alertname": f"Alert{n}", "customer": customer},
         "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
         "startsAt": "2026-11-26T08:00:00Z", "endsAt": "2026-11-26T12:00:00Z",
         "annotations": {}, "receivers": [{"name": "nobody"}], "updatedAt": "2026-11-26T08:00:00Z"}
        for n in range(count)
    ]).encode()  # fmt: skip


@pytest.fixture
def answering() -> Iterator[Scripted]:
    with scripted() as am:
        yield am


def watched_diba(tmp_path: Path, am: Scripted) -> InProcess:
    monitoring = {"alertmanager": {"url": am.url, "matchers": ['customer="DIBA"'], "timeout": "5s"}}
    return diba(tmp_path, monitoring=monitoring)


GARBAGE = {
    "a number": (b"5", "a JSON number instead of a list of alerts"),
    "lists of lists": (b"[[1, 2], [3]]", "alert 1: a JSON list instead of an object"),
    "an object": (b'{"alerts": []}', "a JSON object instead of a list of alerts"),
    "deep nesting": (b"[" * 200_000 + b"]" * 200_000, "not JSON, or nested too deep"),
    "labels not strings": (
        b'[{"labels": {"alertname": ["x"]}, "status": {"state": "active"}, "startsAt": "x"}]',
        "alert 1: labels is not an object of strings",
    ),
    "50 MB": (b"[" + b" " * 50_000_000 + b"]", "the answer is larger than 16 MB"),
}


@pytest.mark.parametrize("kind", list(GARBAGE))
def test_an_unreadable_alertmanager_answer_is_said_and_never_holds_done(
    tmp_path: Path, answering: Scripted, kind: str
) -> None:
    bot = watched_diba(tmp_path, answering)
    started(bot, None)
    answering.body, why = GARBAGE[kind]
    answering.length = kind != "50 MB"  # streamed: only the cap stops it
    finish(bot)
    assert bot.deployment().state is State.COMPLETED, all_notes(bot)
    [closed] = [n for n in all_notes(bot) if "Alertmanager ha respondido algo ilegible" in n]
    assert why in closed
    assert bot.mailer.kinds().count("end") == 1


def test_done_force_closes_whatever_alertmanager_answers(
    tmp_path: Path, answering: Scripted
) -> None:
    bot = watched_diba(tmp_path, answering)
    started(bot, None)
    answering.body = b"5"
    finish(bot, "/deploy done force: monitoring is being replaced")
    assert bot.deployment().state is State.COMPLETED
    assert bot.mailer.kinds().count("end") == 1


def test_a_long_list_of_alerts_is_summarised_in_notes_and_counted_in_the_audit(
    tmp_path: Path, answering: Scripted
) -> None:
    answering.body = alerts(12_000)
    bot = watched_diba(tmp_path, answering)
    started(bot, None)
    [checklist] = [n for n in all_notes(bot) if "Lista de comprobación" in n]
    assert "Alert9" in checklist and "Alert10" not in checklist
    assert "… y 11.990 alertas más (la lista, en la auditoría)" in checklist
    assert len(checklist) < 5_000
    [entry] = [e for e in bot.service.store.audit.trail(bot.deployment().id)
               if e.event == "deploy-start"]  # fmt: skip
    summary: Any = entry.details["step3"]
    assert summary["firing_count"] == 12_000 and len(summary["firing"]) == 1_000
