"""The customer's booking link, over HTTP on loopback against the service on fakes: the link in
the proposals, what a link stands for (tampered, expired, spent, superseded, cancelled), CSRF
and the rate limit, a slot taken meanwhile, two customers racing for the last slot, and both
modes (``direct`` books as ``/deploy schedule`` would; ``confirm`` waits for ``deploy-accept``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from bot.domain.booking_link import BookingLinks, LinkClaim, claim_for, standing
from bot.domain.booking_offer import chosen_start, customer_rules, offer_days
from bot.domain.calendar.rules import Booking, rules_for
from bot.domain.model import Choice, State
from tests.booking_side import SECRET, booking_site, choose, offered, token_in
from tests.factories import at, make_config, make_deployment
from tests.fakes import InProcess
from tests.scenes import START, two_customers

LINKS = BookingLinks("https://deploybot.example", SECRET)


def ready(bot: InProcess, *tickets: int) -> str:
    """``tickets`` tagged ``deploy``: their deployment is ready, and its id."""
    for ticket_id in tickets:
        bot.zammad.person_tags(ticket_id, "deploy")
    bot.cycle()
    found = bot.service.store.deployments.open_with_ticket(tickets[0])
    assert found is not None and found.state is State.READY, bot.zammad.notes(tickets[0])
    return found.id


def public_comments(bot: InProcess, ticket_id: int) -> list[str]:
    return [a.body for a in bot.zammad.article_lists[ticket_id] if not a.internal]


def linked(bot: InProcess) -> str:
    """DIBA's request ready: the token of the link its customer received."""
    ready(bot, 1, 2)
    return token_in(public_comments(bot, 1))


@pytest.fixture
def direct(tmp_path: Path) -> InProcess:
    return two_customers(tmp_path, LINKS, "direct")


@pytest.fixture
def confirm(tmp_path: Path) -> InProcess:
    return two_customers(tmp_path, LINKS, "confirm")


@pytest.fixture
def site(request: pytest.FixtureRequest) -> Iterator[str]:
    bot: InProcess = request.getfixturevalue(request.param)
    with booking_site(bot.service) as url:
        yield url


# -- the link -----------------------------------------------------------------------------


def test_a_token_carries_its_claim_and_nothing_else_reads_as_one() -> None:
    claim = LinkClaim("DIBA-2026-0001", 2, datetime.fromisoformat("2026-12-03T09:00:00+00:00"))
    token = LINKS.token(claim)
    assert LINKS.read(token) == claim
    head, _, signature = token.partition(".")
    assert LINKS.read(f"{head}.{signature[:-2]}AA") is None
    assert LINKS.read(f"{head[:-1]}x.{signature}") is None
    assert BookingLinks("https://x", b"another secret").read(token) is None
    assert LINKS.read("not a token") is None
    assert "secret" not in repr(LINKS) and SECRET.decode() not in repr(LINKS)


def test_a_link_stands_open_only_for_its_ready_round_until_it_lapses() -> None:
    ready_one = make_deployment(state=State.READY, proposal_round=2)
    claim = claim_for(ready_one, START, 7)
    assert standing(claim, ready_one, START) == "open"
    assert standing(claim, ready_one, START + timedelta(days=7)) == "expired"
    assert standing(claim, replace(ready_one, proposal_round=3), START) == "superseded"
    assert standing(claim, replace(ready_one, state=State.BLOCKED), START) == "superseded"
    assert standing(claim, ready_one, START, off=True) == "superseded"
    assert standing(claim, replace(ready_one, state=State.SCHEDULED), START) == "spent"
    chosen = Choice(START, "npuig@diba.example", START)
    assert standing(claim, replace(ready_one, chosen=chosen), START) == "spent"
    assert standing(claim, replace(ready_one, state=State.CANCELLED), START) == "cancelled"
    assert standing(None, ready_one, START) == "tampered"
    assert standing(claim, None, START) == "tampered"


def test_the_offer_greys_refused_days_with_reasons_that_name_no_other_customer() -> None:
    config = make_config()
    rules = customer_rules(rules_for(config, config.customers[0]), "ca")
    other = Booking("CAIB-2026-0003", "CAIB", at("2026-12-01 09:00"), at("2026-12-01 13:00"))
    days = {d.day.isoformat(): d for d in offer_days(
        rules, now=START, duration=timedelta(minutes=15), bookings=[other], weeks=2)}  # fmt: skip
    assert days["2026-11-23"].reasons == ("ja ha passat",)
    assert days["2026-11-28"].reasons[0] == "és cap de setmana"
    assert days["2026-11-27"].slots == () and "divendres" in days["2026-11-27"].reasons[0]
    assert days["2026-12-01"].reasons == ("la franja ja està ocupada per un altre desplegament",)
    assert "CAIB" not in " ".join(r for d in days.values() for r in d.reasons)
    assert [s.start for s in days["2026-11-30"].slots][:1] == [at("2026-11-30 09:00")]


def test_a_form_names_an_offered_start_or_another_time_of_a_day() -> None:
    rules = rules_for(make_config(), make_config().customers[0])
    assert chosen_start("2026-12-01T09:00:00+01:00", "", "", rules) == at("2026-12-01 09:00")
    assert chosen_start("other", "2026-12-01", "10:30", rules) == at("2026-12-01 10:30")
    assert chosen_start("2026-12-01T09:00:00", "", "", rules) is None  # no offset: not ours
    assert chosen_start("other", "2026-12-01", "half ten", rules) is None
    assert chosen_start("", "", "", rules) is None


# -- the proposals ------------------------------------------------------------------------


def test_the_proposals_reach_the_customer_with_a_link_in_their_language(direct: InProcess) -> None:
    deployment_id = ready(direct, 1, 2)
    [comment] = public_comments(direct, 1)
    assert "/book/" in comment and "deploybot ref" not in comment
    assert "También pueden elegir la fecha" in comment  # DIBA reads Spanish in this scene
    claim = LINKS.read(token_in([comment]))
    assert claim is not None and claim.deployment_id == deployment_id and claim.round == 1
    assert claim.expires == START + timedelta(days=7)
    [proposals] = [n for n in direct.zammad.notes(1) if "Franjas propuestas" in n]
    assert "El cliente ha recibido estas propuestas con su enlace de reserva, " in proposals


def test_the_teams_note_offers_no_draft_to_send_once_the_link_sent_the_proposals(
    direct: InProcess,
) -> None:
    ready(direct, 1, 2)
    [proposals] = [n for n in direct.zammad.notes(1) if "Franjas propuestas" in n]
    assert "ha recibido estas propuestas con su enlace de reserva, en un comentario" in proposals
    assert "Borrador para enviar" not in proposals and "<blockquote>" not in proposals


def test_the_same_proposals_checked_again_send_the_customer_nothing_new(direct: InProcess) -> None:
    ready(direct, 1, 2)
    direct.zammad.person_tags(2, "risk-accepted")  # a re-check, same slots
    direct.cycle()
    assert len(public_comments(direct, 1)) == 1
    assert direct.service.store.deployments.open_with_ticket(1).proposal_round == 1  # type: ignore[union-attr]


# -- links that no longer book ------------------------------------------------------------


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_tampered_link_answers_a_page_saying_so(direct: InProcess, site: str) -> None:
    token = linked(direct)
    for bad in (token[:-3] + "abc", "nonsense", token.replace(".", "")):
        page = requests.get(f"{site}/book/{bad}", timeout=10)
        assert page.status_code == 404
        assert "Este enlace no es válido" in page.text and "Traceback" not in page.text
        assert "escriban a" in page.text  # how to reach support


SUPPORT_WAYS = (
    "escriban a soporte@soffid.example, llámennos al +34 971 000 000 o abran un ticket en el "
    'portal de soporte: <a href="https://support.soffid.example">https://support.soffid.example'
    "</a>."
)


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_every_page_says_how_to_reach_support_as_the_emails_do(
    direct: InProcess, site: str
) -> None:
    token = linked(direct)
    lead = "Para cualquier duda o comportamiento inesperado, "
    form = requests.get(f"{site}/book/{token}", timeout=10).text
    assert f"{lead}respondan al ticket, {SUPPORT_WAYS}" in form
    direct.clock.advance(timedelta(days=7, minutes=1))
    expired = requests.get(f"{site}/book/{token}", timeout=10).text
    assert f"{lead}respondan al ticket, {SUPPORT_WAYS}" in expired
    tampered = requests.get(f"{site}/book/nonsense", timeout=10).text
    assert f"{lead}{SUPPORT_WAYS}" in tampered  # no request: no ticket to answer
    assert all(". https://" not in page for page in (form, expired, tampered))


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_an_expired_link_is_refused(direct: InProcess, site: str) -> None:
    token = linked(direct)
    direct.clock.advance(timedelta(days=7, minutes=1))
    page = requests.get(f"{site}/book/{token}", timeout=10)
    assert page.status_code == 410 and "Este enlace ha caducado." in page.text


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_spent_link_says_what_was_booked(direct: InProcess, site: str) -> None:
    token = linked(direct)
    page = requests.get(f"{site}/book/{token}", timeout=10)
    first = offered(page.text)[0]
    assert choose(site, token, first).status_code == 200
    again = requests.get(f"{site}/book/{token}", timeout=10)
    assert again.status_code == 410
    assert "Este enlace ya se ha utilizado." in again.text
    assert "El despliegue está reservado para el lunes 30 de noviembre a las 09:00." in again.text


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_new_proposals_supersede_the_old_link(direct: InProcess, site: str) -> None:
    ready(direct, 1, 2)
    old = token_in(public_comments(direct, 1))
    direct.clock.advance(timedelta(days=4))  # the first proposals have passed
    direct.zammad.person_tags(2, "risk-accepted")
    direct.cycle()
    new = token_in(public_comments(direct, 1))
    assert new != old and len(public_comments(direct, 1)) == 2
    page = requests.get(f"{site}/book/{old}", timeout=10)
    assert page.status_code == 410 and "nuevas propuestas" in page.text
    assert requests.get(f"{site}/book/{new}", timeout=10).status_code == 200


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_cancelled_request_cancels_its_link(direct: InProcess, site: str) -> None:
    token = linked(direct)
    direct.zammad.person_notes(1, "/deploy cancel")
    direct.cycle()
    page = requests.get(f"{site}/book/{token}", timeout=10)
    assert page.status_code == 410 and "se ha cancelado" in page.text


# -- the form -----------------------------------------------------------------------------


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_post_without_the_form_token_books_nothing(direct: InProcess, site: str) -> None:
    deployment_id = ready(direct, 1, 2)
    token = token_in(public_comments(direct, 1))
    first = offered(requests.get(f"{site}/book/{token}", timeout=10).text)[0]
    forged = requests.post(f"{site}/book/{token}", data={"slot": first, "csrf": "0" * 64},
                           cookies={"deploybot_booking": "x"}, timeout=10)  # fmt: skip
    assert forged.status_code == 403 and "El formulario ha caducado" in forged.text
    assert direct.service.store.deployments.get(deployment_id).state is State.READY  # type: ignore[union-attr]


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_posts_are_limited_per_link(direct: InProcess, site: str) -> None:
    token = linked(direct)
    session = requests.Session()
    answers = [choose(site, token, "nonsense", session=session).status_code for _ in range(6)]
    assert answers == [400] * 5 + [429]  # each one unreadable, then one too many
    assert "Demasiados intentos" in choose(site, token, "nonsense", session=session).text


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_refused_day_asked_for_says_why_and_offers_the_choices(
    direct: InProcess, site: str
) -> None:
    token = linked(direct)
    friday = choose(site, token, "other", other_day="2026-12-04", other_time="09:00")
    assert friday.status_code == 409
    assert "No se puede reservar el viernes 4 de diciembre a las 09:00: es viernes" in friday.text
    assert offered(friday.text)[0] == "2026-11-30T09:00:00+01:00"


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_slot_taken_between_load_and_submit_is_refused_with_the_new_choices(
    direct: InProcess, site: str
) -> None:
    ready(direct, 1, 2)
    ready(direct, 11, 12)
    token = token_in(public_comments(direct, 1))
    session = requests.Session()
    page = session.get(f"{site}/book/{token}", timeout=10)
    first = offered(page.text)[0]
    direct.zammad.person_notes(11, f"/deploy schedule {first[:10]} {first[11:16]}")
    direct.cycle()  # CAIB's engineer books that slot meanwhile
    form = {"csrf": page.text.split('name="csrf" value="')[1][:64], "slot": first}
    late = session.post(f"{site}/book/{token}", data=form, timeout=10)
    assert late.status_code == 409
    assert "la franja ya está ocupada por otro despliegue" in late.text
    assert first not in offered(late.text) and offered(late.text)


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_two_customers_racing_for_the_last_slot_end_with_one_booking(
    direct: InProcess, site: str
) -> None:
    diba, caib = ready(direct, 1, 2), ready(direct, 11, 12)
    tokens = [token_in(public_comments(direct, 1)), token_in(public_comments(direct, 11))]
    slot = "2026-11-30T09:00:00+01:00"
    answers: list[requests.Response] = []
    racers = [threading.Thread(target=lambda t=t: answers.append(choose(site, t, slot)))
              for t in tokens]  # fmt: skip
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(a.status_code for a in answers) == [200, 409]
    [refused] = [a for a in answers if a.status_code == 409]
    assert "la franja ya está ocupada por otro despliegue" in refused.text
    states = [direct.service.store.deployments.get(i).state for i in (diba, caib)]  # type: ignore[union-attr]
    assert sorted(states) == [State.READY, State.SCHEDULED]


# -- the two modes ------------------------------------------------------------------------


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_direct_books_at_once_with_the_customer_as_the_actor(direct: InProcess, site: str) -> None:
    deployment_id = ready(direct, 1, 2)
    token = token_in(public_comments(direct, 1))
    done = choose(site, token, "2026-11-30T09:00:00+01:00", comment="Millor a primera hora")
    assert done.status_code == 200
    assert "El despliegue queda reservado para el lunes 30 de noviembre a las 09:00." in done.text
    deployment = direct.service.store.deployments.get(deployment_id)
    assert deployment is not None and deployment.state is State.SCHEDULED
    [entry] = [e for e in direct.service.store.audit.trail(deployment_id)
               if e.event == "deploy-schedule"]  # fmt: skip
    assert (entry.source, entry.actor) == ("booking", "manager@diba.example")
    assert "schedule" in direct.mailer.kinds() and "invitation" in direct.mailer.kinds()
    assert any("«Millor a primera hora»" in n for n in direct.zammad.notes(1))


@pytest.mark.parametrize("site", ["confirm"], indirect=True)
def test_confirm_keeps_the_choice_for_the_team_to_accept_with_one_tag(
    confirm: InProcess, site: str
) -> None:
    deployment_id = ready(confirm, 1, 2)
    token = token_in(public_comments(confirm, 1))
    done = choose(site, token, "other", other_day="2026-11-30", other_time="10:30")
    assert done.status_code == 200 and "Hemos recibido su elección" in done.text
    waiting = confirm.service.store.deployments.get(deployment_id)
    assert waiting is not None and waiting.state is State.READY
    assert waiting.chosen is not None and waiting.chosen.start == at("2026-11-30 10:30")
    assert "chosen" in confirm.mailer.kinds() and "schedule" not in confirm.mailer.kinds()
    assert any("deploy-accept" in n and "10:30" in n for n in confirm.zammad.notes(1))
    confirm.zammad.person_tags(1, "deploy-accept")
    confirm.cycle()
    booked = confirm.service.store.deployments.get(deployment_id)
    assert booked is not None and booked.state is State.SCHEDULED and booked.chosen is None
    assert booked.planned_start == at("2026-11-30 10:30")
    assert "deploy-accept" not in confirm.zammad.tag_lists[1]


def test_accept_without_a_choice_says_so(confirm: InProcess) -> None:
    ready(confirm, 1, 2)
    confirm.zammad.person_tags(1, "deploy-accept")
    confirm.cycle()
    assert any("el cliente no ha elegido ninguna franja" in n for n in confirm.zammad.notes(1))
    assert "deploy-accept" not in confirm.zammad.tag_lists[1]


def _channels(bot: InProcess, deployment_id: str) -> dict[str, object]:
    """What a booking left in every channel, and its audit entry without who gave it."""
    mails = sorted((str(m["Subject"]), str(m["To"]), str(m.get("Cc")), m.get_body().get_content())  # type: ignore[union-attr]
                   for m in bot.mailer.sent.values())  # fmt: skip
    [entry] = [e for e in bot.service.store.audit.trail(deployment_id)
               if e.event == "deploy-schedule"]  # fmt: skip
    details = {k: v for k, v in entry.details.items()}
    return {
        "mails": mails,
        "events": bot.calendar.events,
        "log": bot.logs.rows,
        "audit": (entry.event, entry.old_state, entry.new_state, details),
        "deployment": replace(
            bot.service.store.deployments.get(deployment_id),  # type: ignore[type-var]
            revision=0,
        ),
    }


def test_a_direct_booking_leaves_exactly_what_a_deploy_schedule_leaves(tmp_path: Path) -> None:
    slot = "2026-11-30T09:00:00+01:00"
    by_link = two_customers(tmp_path / "link", LINKS, "direct")
    linked = ready(by_link, 1, 2)
    with booking_site(by_link.service) as site:
        assert choose(site, token_in(public_comments(by_link, 1)), slot).status_code == 200
    by_note = two_customers(tmp_path / "note", LINKS, "direct")
    noted = ready(by_note, 1, 2)
    by_note.zammad.person_notes(1, "/deploy schedule 2026-11-30 09:00")
    by_note.cycle()
    assert linked == noted
    assert _channels(by_link, linked) == _channels(by_note, noted)


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_the_form_cookie_is_secure_behind_an_https_proxy(direct: InProcess, site: str) -> None:
    token = linked(direct)
    plain_http = requests.get(f"{site}/book/{token}", timeout=10).headers["Set-Cookie"]
    proxied = requests.get(f"{site}/book/{token}", headers={"X-Forwarded-Proto": "https"},
                           timeout=10).headers["Set-Cookie"]  # fmt: skip
    assert "Secure" not in plain_http and "SameSite=Strict" in plain_http
    assert "Secure" in proxied and "HttpOnly" in proxied and "Path=/book/" in proxied


@pytest.mark.parametrize("site", ["confirm"], indirect=True)
def test_a_choice_waiting_for_the_team_holds_its_slot_from_other_customers(
    confirm: InProcess, site: str
) -> None:
    diba, caib = ready(confirm, 1, 2), ready(confirm, 11, 12)
    slot = "2026-11-30T09:00:00+01:00"
    diba_token = token_in(public_comments(confirm, 1))
    caib_token = token_in(public_comments(confirm, 11))
    assert slot in offered(requests.get(f"{site}/book/{caib_token}", timeout=10).text)
    assert choose(site, diba_token, slot).status_code == 200
    assert slot not in offered(requests.get(f"{site}/book/{caib_token}", timeout=10).text)
    refused = choose(site, caib_token, slot)
    assert refused.status_code == 409 and "ya está ocupada" in refused.text
    confirm.zammad.person_tags(1, "deploy-accept")
    confirm.cycle()  # the holder itself still books it
    assert confirm.service.store.deployments.get(diba).state is State.SCHEDULED  # type: ignore[union-attr]
    assert confirm.service.store.deployments.get(caib).state is State.READY  # type: ignore[union-attr]


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_link_sent_before_self_service_was_turned_off_books_nothing(
    direct: InProcess, site: str
) -> None:
    token = linked(direct)
    config = direct.service.config
    off = [c.model_copy(update={"booking": c.booking.model_copy(update={"self_service": "off"})})
           for c in config.customers]  # fmt: skip
    direct.service.config = config.model_copy(update={"customers": off})
    page = requests.get(f"{site}/book/{token}", timeout=10)
    assert page.status_code == 410 and "Este enlace ya no es válido" in page.text


def started_through_the_link(direct: InProcess, site: str) -> str:
    """The customer books Monday 09:00 through the link and the team starts then; the link."""
    token = linked(direct)
    assert choose(site, token, "2026-11-30T09:00:00+01:00").status_code == 200
    direct.clock.set(at("2026-11-30 09:00"))
    direct.zammad.person_tags(1, "deploy-start")
    direct.cycle()
    return token


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_spent_link_of_a_finished_deployment_says_it_took_place(
    direct: InProcess, site: str
) -> None:
    token = started_through_the_link(direct, site)
    direct.clock.set(at("2026-11-30 09:12"))
    direct.zammad.person_tags(1, "deploy-done")
    direct.cycle()
    page = requests.get(f"{site}/book/{token}", timeout=10)
    assert page.status_code == 410
    assert "El despliegue se realizó el lunes 30 de noviembre a las 09:00." in page.text
    assert "está reservado" not in page.text


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_spent_link_of_a_rolled_back_deployment_says_a_new_date_will_be_proposed(
    direct: InProcess, site: str
) -> None:
    token = started_through_the_link(direct, site)
    direct.clock.set(at("2026-11-30 09:20"))
    direct.zammad.person_notes(1, "/deploy rollback la consola no arranca")
    direct.cycle()
    page = requests.get(f"{site}/book/{token}", timeout=10)
    assert page.status_code == 410
    said = "El despliegue del lunes 30 de noviembre se revirtió; les propondremos una nueva fecha."
    assert said in page.text
    assert "se realizó" not in page.text and "la consola no arranca" not in page.text


@pytest.mark.parametrize("site", ["direct"], indirect=True)
@pytest.mark.parametrize(
    ("accepted", "says"),
    [
        ("ca-ES,ca;q=0.9,es;q=0.8", "Aquest enllaç no és vàlid."),
        ("fr-FR,fr;q=0.9,en;q=0.5", "This link is not valid."),
        ("de-DE", "Este enlace no es válido."),  # none deploybot writes: the provider's
    ],
)
def test_a_tampered_link_answers_in_the_browsers_language(
    direct: InProcess, site: str, accepted: str, says: str
) -> None:
    token = linked(direct)
    page = requests.get(f"{site}/book/{token[:-3]}abc", headers={"Accept-Language": accepted},
                        timeout=10)  # fmt: skip
    assert page.status_code == 404 and says in page.text
    assert page.text.count("<h1>") == 1 and f"<h1>{says[:-1]}</h1>" in page.text


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_a_choice_outside_the_window_says_the_allowed_hours_not_the_windows_owner(
    direct: InProcess, site: str
) -> None:
    token = linked(direct)
    late = choose(site, token, "other", other_day="2026-11-30", other_time="14:00")
    assert late.status_code == 409
    assert (
        "No se puede reservar el lunes 30 de noviembre a las 14:00: queda fuera del horario "
        "permitido (de lunes a jueves, de 09:00 a 13:00)." in late.text
    )
    assert "ventana" not in late.text


def test_a_holiday_is_named_without_the_regions_codes() -> None:
    config = make_config()
    rules = customer_rules(rules_for(config, config.customers[0]), "ca")
    days = {d.day.isoformat(): d for d in offer_days(
        rules, now=START, duration=timedelta(minutes=15), bookings=[], weeks=3)}  # fmt: skip
    assert days["2026-12-08"].reasons == ("és festiu: Immaculada Concepció",)
    assert days["2026-12-07"].reasons == ("és vigília de festiu: Immaculada Concepció",)
    assert days["2026-12-05"].reasons == ("és cap de setmana",)  # not also an eve
    assert not any("ES-" in r for d in days.values() for r in d.reasons)


@pytest.mark.parametrize("site", ["direct"], indirect=True)
def test_the_page_names_provider_and_customer_and_loads_only_the_configured_logo(
    direct: InProcess, site: str
) -> None:
    token = linked(direct)
    plain = requests.get(f"{site}/book/{token}", timeout=10)
    assert "<title>Elijan la fecha del despliegue — DIBA — Soffid</title>" in plain.text
    assert "<img" not in plain.text and "img-src data:;" in plain.headers["Content-Security-Policy"]
    provider = direct.service.config.provider.model_copy(
        update={"logo_url": "https://cdn.soffid.example/logo.png"}
    )
    direct.service.config = direct.service.config.model_copy(update={"provider": provider})
    page = requests.get(f"{site}/book/{token}", timeout=10)
    assert '<img src="https://cdn.soffid.example/logo.png" alt=""' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "img-src data: https://cdn.soffid.example;" in policy
    assert "default-src 'none'" in policy


def test_a_holiday_is_called_by_its_common_name() -> None:
    config = make_config()
    days = {}
    for language in ("es", "ca", "en"):
        rules = customer_rules(rules_for(config, config.customers[0]), language)
        offer = offer_days(rules, now=START, duration=timedelta(minutes=15), bookings=[], weeks=5)
        days[language] = {d.day.isoformat(): d.reasons for d in offer}
    assert days["es"]["2026-12-25"][0] == "es festivo: Navidad"  # not "Natividad del Señor"
    assert days["ca"]["2026-12-25"][0] == "és festiu: Nadal"
    assert days["ca"]["2026-12-24"] == ("és vigília de festiu: Nadal",)
    assert days["en"]["2026-12-25"][0] == "it is a public holiday: Christmas Day"
