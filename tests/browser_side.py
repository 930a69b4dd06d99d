"""What the browser tests share: Debian's Chromium (installed by ``make test`` when missing)
driven by Playwright, and where their screenshots go."""

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


def shot(page: Page, name: str) -> None:
    """A full-page screenshot in ``test-artifacts/``."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
