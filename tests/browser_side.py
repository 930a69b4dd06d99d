"""What the browser tests share: Debian's Chromium (installed by ``make test`` when missing)
driven by Playwright, where their screenshots go, and what every page must pass at every
width: no horizontal scrolling and no WCAG 2.1 A/AA violation axe-core finds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
#: Why the browser tests skip on this machine (None: they run).
SKIP = (
    None
    if CHROMIUM
    else "no chromium on this machine (scripts/ensure-browser could not install it)"
)
#: The widths every page is checked at: a phone (390 px) and a desktop (1280 px).
PHONE, DESKTOP = 390, 1280
#: The axe-core rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def shot(page: Page, name: str) -> None:
    """A full-page screenshot in ``test-artifacts/``."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wcag_violations(page: Page) -> list[str]:
    """Every WCAG 2.1 A/AA violation axe-core finds on the page, as ``rule: elements``.
    axe-core runs in the page, so the page must run scripts (see :func:`passes_at_every_width`
    for a page that does not)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    found = Axe().run(page, options=options).response["violations"]
    return [f"{v['id']}: {[node['target'] for node in v['nodes']]}" for v in found]


def overflows(page: Page) -> bool:
    """Whether the page scrolls sideways (wider than the window)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))


def passes_at_every_width(page: Page, name: str) -> None:
    """The page (already loaded) at a phone's and a desktop's width: nothing scrolls sideways
    and axe-core finds no WCAG 2.1 A/AA violation; a screenshot of each in ``test-artifacts/``.

    The pages need no script and the booking tests browse with scripts off; axe-core needs
    them, so it reads the same document (its styles are inline) in a window that runs them."""
    browser = page.context.browser
    assert browser is not None
    copy = browser.new_page()
    try:
        copy.set_content(page.content())
        for width in (PHONE, DESKTOP):
            copy.set_viewport_size({"width": width, "height": 900})
            assert not overflows(copy), f"{name} scrolls sideways at {width} px"
            found = wcag_violations(copy)
            assert found == [], f"{name} at {width} px: {found}"
            shot(copy, f"{name}-{width}")
    finally:
        copy.close()
