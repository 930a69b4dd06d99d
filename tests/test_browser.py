"""The change calendar in a real browser: headless Chromium (Debian's package, installed by
``make test`` when missing) driven by Playwright, against the pages served on loopback over the
demo's state. Every page is checked on a phone and a desktop: nothing scrolls sideways, axe-core
finds no WCAG 2.1 A/AA violation. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app.web.views import ViewsApp
from bot.app.web.webhook import serve
from bot.cli.demo import Workbench
from tests.browser_side import PHONE, SKIP, overflows, passes_at_every_width, shot
from tests.scenes import book_first_proposal

pytestmark = pytest.mark.xdist_group("browser")

TOKEN = "pages-token"

if SKIP:  # pragma: no cover - the reason is printed by scripts/ensure-browser
    pytest.skip(SKIP, allow_module_level=True)

from playwright.sync_api import Browser, ConsoleMessage, Page  # noqa: E402


@pytest.fixture
def site(bench: Workbench) -> Iterator[str]:
    """The demo's first request booked on Monday 30/11, served on a free loopback port."""
    book_first_proposal(bench)
    app = ViewsApp(bench.config, bench.store, TOKEN.encode(), bench.clock)
    server = serve(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    opened.on("console", record)
    yield opened
    opened.close()
    assert errors == [], errors


def test_the_month_shows_the_booking_on_its_day_with_its_state(site: str, page: Page) -> None:
    page.goto(f"{site}/calendar?month=2026-11&token={TOKEN}")
    day = page.locator('td[data-day="2026-11-30"]')
    booking = day.locator("a.dep")
    assert booking.count() == 1
    assert "DIBA-2026-0001" in booking.inner_text()
    assert booking.get_attribute("data-state") == "scheduled"
    shot(page, "calendar-2026-11")


def test_a_refused_day_names_its_holiday(site: str, page: Page) -> None:
    page.goto(f"{site}/calendar?month=2026-12&token={TOKEN}")
    reasons = page.locator('td[data-day="2026-12-08"] .why').first.get_attribute("title")
    assert reasons is not None and "Inmaculada Concepción" in reasons
    shot(page, "calendar-2026-12")


def test_the_customer_filter_hides_the_other_customers(site: str, page: Page) -> None:
    page.goto(f"{site}/calendar?month=2026-12&token={TOKEN}")
    assert page.locator(".why", has_text="CAM:").count() > 0
    page.select_option('select[name="customer"]', "DIBA")
    page.click('button[type="submit"]')
    page.wait_for_url("**customer=DIBA**")
    assert page.locator(".why", has_text="CAM:").count() == 0
    assert page.locator(".why.shared").count() > 0  # one customer: its reasons, unnamed


def test_the_deployment_page_lists_its_timeline(site: str, page: Page) -> None:
    page.goto(f"{site}/calendar?month=2026-11&token={TOKEN}")
    page.click('td[data-day="2026-11-30"] a.dep')
    page.wait_for_url("**/deployments/DIBA-2026-0001**")
    events = page.locator("#timeline td:nth-child(2)").all_inner_texts()
    assert events == ["deploy", "deploy-schedule"]
    shot(page, "deployment-DIBA-2026-0001")


@pytest.mark.parametrize(
    "path",
    [
        "/calendar?month=2026-11",
        "/calendar?month=2026-12",
        "/deployments/DIBA-2026-0001",
        "/report",
    ],
)
def test_every_page_fits_a_phone_and_passes_axe(site: str, page: Page, path: str) -> None:
    page.goto(f"{site}{path}{'&' if '?' in path else '?'}token={TOKEN}")
    name = path.strip("/").replace("/", "-").replace("?month=", "-")
    passes_at_every_width(page, name)


def test_on_a_phone_the_month_is_a_list_of_days_with_their_bookings_and_verdict(
    site: str, page: Page
) -> None:
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto(f"{site}/calendar?month=2026-11&token={TOKEN}")
    monday, tuesday = (
        page.locator('td[data-day="2026-11-30"]'),
        page.locator('td[data-day="2026-11-27"]'),
    )
    above, below = tuesday.bounding_box(), monday.bounding_box()
    assert above is not None and below is not None
    assert above["x"] == below["x"] and below["y"] > above["y"] + above["height"]
    lines = monday.inner_text().split("\n")
    assert lines[0].startswith("lunes 30 de noviembre")
    assert "DIBA-2026-0001" in monday.locator("a.dep").inner_text()
    assert monday.locator(".verdict").is_visible()
    assert not page.locator('td[data-day="2026-11-24"]').is_visible()  # gone by
    assert not overflows(page)
    shot(page, "calendar-2026-11-phone")
