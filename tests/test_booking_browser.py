"""The customer books through the link in a real browser: headless Chromium driven by
Playwright, against the booking pages served on loopback over the demo's workbench (the Zammad
and GitLab emulators, the real store, log and mail folder). Every page (the offer, a refused
choice, the outcome, every page that says a link no longer books) is checked on a phone and a
desktop: nothing scrolls sideways, axe-core finds no WCAG 2.1 A/AA violation. Screenshots go to
``test-artifacts/``; ``docs/booking-page.png`` and ``docs/booking-phone.png`` in the README are
two of them."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.web.booking_desk import BookingDesk, Outcome
from bot.cli.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.domain.model import State
from bot.resources import example_config_path
from tests.booking_side import booking_site, token_in
from tests.browser_side import PHONE, SKIP, overflows, passes_at_every_width, shot

pytestmark = pytest.mark.xdist_group("browser")


if SKIP:  # pragma: no cover - the reason is printed by scripts/ensure-browser
    pytest.skip(SKIP, allow_module_level=True)

from playwright.sync_api import Browser, Page  # noqa: E402


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = browser.new_page(viewport={"width": 1100, "height": 1200}, java_script_enabled=False)
    yield opened
    opened.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone's window (390 px wide, touch), JavaScript off."""
    opened = browser.new_page(
        viewport={"width": PHONE, "height": 844}, has_touch=True, java_script_enabled=False
    )
    yield opened
    opened.close()


def bench_in(mode: str, tmp_path: Path, scenario: dict[str, Any]) -> Any:
    """The demo's workbench, DIBA booking its own slot in ``mode``."""
    config = load_config(example_config_path())
    customers = [
        c.model_copy(update={"booking": c.booking.model_copy(update={"self_service": mode})})
        for c in config.customers
    ]
    base = config.model_copy(update={"customers": customers})
    return workbench(base, scenario, tmp_path / "out", booking=True)


def link_of(bench: Workbench) -> str:
    """DIBA's tickets tagged ``deploy``: the token of the link in the public comment."""
    bench.person_tags(1, "deploy")
    bench.person_tags(2, "deploy")
    bench.cycle()
    comments = [a["body"] for a in bench.zammad.ticket_articles(1) if not a["internal"]]
    return token_in(comments)


def sent(bench: Workbench) -> list[email.message.Message]:
    mails = sorted((bench.out / "mail").glob("*.eml"))
    return [email.message_from_bytes(path.read_bytes()) for path in mails]


def test_a_customer_books_directly_from_the_link(
    tmp_path: Path, demo_scenario: dict[str, Any], page: Page
) -> None:
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        token = link_of(bench)
        page.goto(f"{site}/book/{token}")
        assert page.locator("html").get_attribute("lang") == "ca"
        assert page.locator("h1").inner_text() == "Trieu la data del desplegament"
        saturday = page.locator('li[data-day="2026-11-28"]')
        assert "refused" in (saturday.get_attribute("class") or "")
        assert saturday.locator(".why").inner_text() == "és cap de setmana"
        assert page.locator('input[type="radio"][name="slot"]').count() > 5
        page.locator('li[data-day="2026-11-30"] label.slot').first.click()
        page.fill("#comment", "Millor a primera hora, gràcies")
        shot(page, "booking-page")
        page.click("button.submit")
        assert page.locator("h1").inner_text() == "Desplegament reservat"
        assert "dilluns 30 de novembre a les 09:00" in page.locator("main").inner_text()
        passes_at_every_width(page, "booking-done")
        [deployment] = bench.store.deployments.list()
        assert deployment.state is State.SCHEDULED
        subjects = [m["Subject"] for m in sent(bench)]
        assert any("programat per al 30/11/2026 a les 09:00" in s for s in subjects), subjects
        page.goto(f"{site}/book/{token}")
        assert "Aquest enllaç ja s'ha utilitzat." in page.locator("main").inner_text()
        passes_at_every_width(page, "booking-spent")


def test_a_customer_chooses_and_the_team_accepts_with_one_tag(
    tmp_path: Path, demo_scenario: dict[str, Any], page: Page
) -> None:
    with bench_in("confirm", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        token = link_of(bench)
        page.goto(f"{site}/book/{token}")
        page.check('input[name="slot"][value="other"]')
        page.select_option('select[name="other_day"]', "2026-12-01")
        page.fill('input[name="other_time"]', "10:30")
        page.click("button.submit")
        assert page.locator("h1").inner_text() == "Elecció rebuda"
        passes_at_every_width(page, "booking-chosen")
        [deployment] = bench.store.deployments.list()
        assert deployment.state is State.READY and deployment.chosen is not None
        bench.person_tags(1, "deploy-accept")
        bench.cycle()
        booked = bench.deployment(deployment.id)
        assert booked.state is State.SCHEDULED
        assert booked.planned_start is not None and booked.planned_start.hour == 10


def test_the_page_is_usable_from_the_keyboard(
    tmp_path: Path, demo_scenario: dict[str, Any], page: Page
) -> None:
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        page.goto(f"{site}/book/{link_of(bench)}")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.name + '=' + document.activeElement.value")
        assert focused.startswith("slot=2026-11-30T09:00")
        page.keyboard.press("Space")
        labels = page.evaluate(
            "[...document.querySelectorAll('input')].filter(i => i.type !== 'hidden')"
            ".every(i => i.labels.length > 0 || i.getAttribute('aria-label'))"
        )
        assert labels is True
        assert page.locator('input[name="slot"]:checked').count() == 1


def test_a_tampered_link_shows_a_page_not_a_traceback(
    tmp_path: Path, demo_scenario: dict[str, Any], page: Page
) -> None:
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        token = link_of(bench)
        page.set_extra_http_headers({"Accept-Language": "fr-FR, ca;q=0.8, en;q=0.5"})
        response = page.goto(f"{site}/book/{token[:-4]}AAAA")
        assert response is not None and response.status == 404
        text = page.locator("main").inner_text()
        assert "Aquest enllaç no és vàlid" in text and "Traceback" not in text
        passes_at_every_width(page, "booking-tampered")


@pytest.mark.parametrize(
    ("case", "says"),
    [("expired", "Aquest enllaç ha caducat."), ("superseded", "la sol·licitud ha canviat")],
)
def test_an_expired_or_superseded_link_says_so_in_the_customers_language(
    case: str, says: str, tmp_path: Path, demo_scenario: dict[str, Any], page: Page
) -> None:
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        token = link_of(bench)
        if case == "expired":
            bench.clock.advance(timedelta(days=7, minutes=1))
        else:  # four days on the proposals have passed; a re-check issues new ones
            bench.clock.advance(timedelta(days=4))
            bench.person_tags(2, "risk-accepted")
            bench.cycle()
        response = page.goto(f"{site}/book/{token}")
        assert response is not None and response.status == 410
        assert says in page.locator("main").inner_text()
        assert page.locator('input[name="slot"]').count() == 0
        passes_at_every_width(page, f"booking-{case}")


def test_on_a_phone_the_offer_is_a_list_of_days_with_every_reason_written(
    tmp_path: Path, demo_scenario: dict[str, Any], phone: Page
) -> None:
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        phone.goto(f"{site}/book/{link_of(bench)}")
        monday, tuesday = (
            phone.locator('li[data-day="2026-11-30"]'),
            phone.locator('li[data-day="2026-12-01"]'),
        )
        above, below = monday.bounding_box(), tuesday.bounding_box()
        assert above is not None and below is not None
        assert above["x"] == below["x"] and below["y"] >= above["y"] + above["height"]
        assert monday.locator(".date").inner_text() == "dilluns 30 de novembre"
        assert not phone.locator(".weekdays").is_visible()
        saturday = phone.locator('li[data-day="2026-11-28"]')
        assert saturday.inner_text().split("\n") == [
            "dissabte 28 de novembre",
            "és cap de setmana",
        ]
        for width in (320, PHONE):
            phone.set_viewport_size({"width": width, "height": 844})
            assert not overflows(phone), width
        shot(phone, "booking-phone")
        assert_every_reason_is_written(phone)
        assert_touch_targets_are_large(phone)


def test_on_a_desktop_the_offer_is_a_month_grid_with_every_reason_in_its_cell(
    tmp_path: Path, demo_scenario: dict[str, Any], page: Page
) -> None:
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        page.goto(f"{site}/book/{link_of(bench)}")
        monday, tuesday = (
            page.locator('li[data-day="2026-11-30"]'),
            page.locator('li[data-day="2026-12-01"]'),
        )
        left, right = monday.bounding_box(), tuesday.bounding_box()
        assert left is not None and right is not None
        assert left["y"] == right["y"] and right["x"] > left["x"]
        headers = page.locator(".weekdays div").all_inner_texts()
        assert headers[0] == "Dilluns" and headers[-1] == "Diumenge"
        assert page.locator("li.day .short").first.inner_text() == "23 de novembre"
        assert page.locator('li[data-day="2026-12-01"] .short').inner_text() == "1 de desembre"
        assert_every_reason_is_written(page)
        assert_touch_targets_are_large(page)


def test_the_page_says_the_time_zone_the_proposals_and_who_sends_it(
    tmp_path: Path, demo_scenario: dict[str, Any], page: Page
) -> None:
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        page.goto(f"{site}/book/{link_of(bench)}")
        assert page.title() == "Trieu la data del desplegament — DIBA — Soffid"
        assert page.locator("header.provider").inner_text() == "Soffid"
        assert "Les hores s'indiquen en hora de Madrid (CET)." in page.locator("main").inner_text()
        [deployment] = bench.store.deployments.list()
        first = deployment.proposals[0].isoformat()
        proposed = page.locator(f'input[name="slot"][value="{first}"] + .button')
        assert proposed.inner_text().split("\n") == ["09:00", "proposta 1"]
        marked = page.locator("label.slot.proposed").count()
        assert marked == len(deployment.proposals) > 0


def test_every_booking_page_passes_axe_on_a_phone_and_a_desktop(
    tmp_path: Path, demo_scenario: dict[str, Any], page: Page
) -> None:
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        token = link_of(bench)
        page.goto(f"{site}/book/{token}")
        passes_at_every_width(page, "booking-open")
        page.check('input[name="slot"][value="other"]')
        page.select_option('select[name="other_day"]', "2026-12-01")
        page.fill('input[name="other_time"]', "14:00")
        page.click("button.submit")
        assert "queda fora de l'horari permès" in page.locator(".problem").inner_text()
        passes_at_every_width(page, "booking-refused")
        page.context.clear_cookies()  # the form's cookie gone: the form has expired
        page.locator('li[data-day="2026-11-30"] label.slot').first.click()
        page.click("button.submit")
        assert page.locator("h1").inner_text() == "El formulari ha caducat"
        passes_at_every_width(page, "booking-form-expired")
        for _ in range(6):  # unreadable choices (another time, none given) until one too many
            page.goto(f"{site}/book/{token}")
            page.check('input[name="slot"][value="other"]')
            page.click("button.submit")
        assert page.locator("h1").inner_text() == "Massa intents"
        passes_at_every_width(page, "booking-too-many")


@pytest.mark.parametrize(
    ("kind", "heading"),
    [("held", "Ara mateix no es pot reservar"), ("busy", "No hem pogut completar la reserva")],
)
def test_a_choice_held_or_not_completed_says_so_in_its_heading(
    kind: str,
    heading: str,
    tmp_path: Path,
    demo_scenario: dict[str, Any],
    page: Page,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def outcome(desk: BookingDesk, token: str, start: object, comment: str) -> Outcome:
        return Outcome(kind, desk.open(token))  # type: ignore[arg-type]

    monkeypatch.setattr(BookingDesk, "choose", outcome)
    with bench_in("direct", tmp_path, demo_scenario) as bench, booking_site(bench.service) as site:
        page.goto(f"{site}/book/{link_of(bench)}")
        page.locator('li[data-day="2026-11-30"] label.slot').first.click()
        page.click("button.submit")
        assert page.locator("h1").inner_text() == heading
        passes_at_every_width(page, f"booking-{kind}")


def assert_every_reason_is_written(page: Page) -> None:
    """Every refused day shows its reasons as text on the page (not in a tooltip)."""
    refused = page.locator("li.refused")
    assert refused.count() > 5
    for index in range(refused.count()):
        why = refused.nth(index).locator(".why")
        assert why.is_visible() and why.inner_text().strip(), refused.nth(index).inner_html()
    assert page.locator("[title]").count() == 0


def assert_touch_targets_are_large(page: Page) -> None:
    """Every time button, the other-time controls and the submit button are at least 44 × 44
    CSS pixels."""
    targets = page.locator(
        "label.slot .button, .other label, .other select, .other input[type=time], button.submit"
    )
    assert targets.count() > 5
    for index in range(targets.count()):
        box = targets.nth(index).bounding_box()
        assert box is not None and box["width"] >= 44 and box["height"] >= 44, (index, box)
