"""The customer's side of the booking link in tests: the pages served on loopback over a
service (the daemon's store, outbox and rules), the link read from what the customer received,
and a customer choosing through plain HTTP."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import requests

from bot.app.run.service import Service
from bot.app.web.booking_desk import BookingDesk
from bot.app.web.booking_pages import BookingPages
from bot.app.web.webhook import serve

LINK = re.compile(r"/book/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
SECRET = b"test-booking-secret"


def token_in(texts: Iterable[str]) -> str:
    """The token of the last booking link in ``texts``."""
    found = [m.group(1) for text in texts for m in LINK.finditer(text)]
    assert found, "no booking link was sent"
    return found[-1]


def _nothing_else(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]


@contextlib.contextmanager
def booking_site(service: Service, after: Callable[[], None] | None = None) -> Iterator[str]:
    """The booking pages of ``service`` on a free loopback port; a booking's effects are carried
    out before the page answers (so a test reads them at once), or ``after`` instead (the
    daemon's: its cycle carries them out)."""
    assert service.links is not None, "the service makes no links"

    def drain() -> None:
        service.drain_outbox()

    pages = BookingPages(BookingDesk(service, service.links, after=after or drain))
    server = serve(pages.before(_nothing_else), "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def choose(
    site: str,
    token: str,
    slot: str,
    *,
    comment: str = "",
    session: requests.Session | None = None,
    **fields: str,
) -> requests.Response:
    """A customer opens the link and sends ``slot`` (an offered ISO start, or ``other`` with
    ``other_day`` and ``other_time``)."""
    session = session or requests.Session()
    page = session.get(f"{site}/book/{token}", timeout=10)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match is not None, page.text
    form = {"csrf": match.group(1), "slot": slot, "comment": comment, **fields}
    return session.post(f"{site}/book/{token}", data=form, timeout=30)


def offered(page: str) -> list[str]:
    """The slot values a page offers."""
    return re.findall(r'name="slot" value="([^"]+)"', page)
