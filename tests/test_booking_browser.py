"""The customer books through the link in a real browser: headless Chromium driven by
Playwright, against the booking pages served on loopback over the demo's workbench (the Zammad
and GitLab emulators, the real store, log and mail folder). Screenshots go to
``test-artifacts/``; ``docs/booking-page.png`` in the README is one of them."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.domain.model import State
from bot.resources import example_config_path
from tests.booking_side import booking_site, token_in
from tests.browser_side import SKIP, shot

pytestmark = pytest.mark.xdist_group("browser")


if SKIP:  # pragma: no cover - the reason is printed by scripts/ensure-browser
    pytest.skip(SKIP, allow_module_level=True)

from playwright.sync_api import Browser, Page  # noqa: E402


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = browser.new_page(viewport={"width": 1100, "height": 1200}, java_script_enabled=False)
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
        saturday = page.locator('td[data-day="2026-11-28"]')
        assert "refused" in (saturday.get_attribute("class") or "")
        assert "cap de setmana" in (saturday.get_attribute("title") or "")
        assert page.locator('input[type="radio"][name="slot"]').count() > 5
        page.locator('td[data-day="2026-11-30"] label.slot').first.click()
        page.fill("#comment", "Millor a primera hora, gràcies")
        shot(page, "booking-page")
        page.click("button.submit")
        assert page.locator("h1").inner_text() == "Desplegament reservat"
        assert "dilluns 30 de novembre a les 09:00" in page.locator("main").inner_text()
        [deployment] = bench.store.deployments()
        assert deployment.state is State.SCHEDULED
        subjects = [m["Subject"] for m in sent(bench)]
        assert any("programat per al 30/11/2026 a les 09:00" in s for s in subjects), subjects
        page.goto(f"{site}/book/{token}")
        assert "Aquest enllaç ja s'ha utilitzat." in page.locator("main").inner_text()


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
        shot(page, "booking-chosen")
        [deployment] = bench.store.deployments()
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
        response = page.goto(f"{site}/book/{token[:-4]}AAAA")
        assert response is not None and response.status == 404
        text = page.locator("main").inner_text()
        assert "Este enlace no es válido" in text and "Traceback" not in text


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
