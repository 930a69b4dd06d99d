"""What a post to the customer's booking page may carry: the link only in the spelling the
service issued, a limit per link (and per address for what is no link) that holds however the
link is written and remembers a bounded number of keys, and a slot on the page's grid within
the weeks the page shows — anything else answered 400/409 in the customer's language, never 500.
"""

from __future__ import annotations

import base64
import string
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
import requests
from werkzeug.test import Client

from bot.app.web.booking_desk import BookingDesk
from bot.app.web.booking_pages import RATE_LIMIT, BookingPages, RateLimit
from bot.domain.booking_link import LinkClaim
from bot.domain.booking_offer import misfit
from bot.domain.calendar.rules import rules_for
from bot.domain.model import State
from tests.booking_side import CSRF, booking_site, choose
from tests.factories import at, make_config
from tests.fakes import InProcess
from tests.scenes import START, two_customers
from tests.test_booking import LINKS, linked

ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


@pytest.fixture
def direct(tmp_path: Path) -> InProcess:
    return two_customers(tmp_path, LINKS, "direct")


@pytest.fixture
def site(direct: InProcess) -> Iterator[str]:
    with booking_site(direct.service) as url:
        yield url


def _unused_bits_changed(part: str) -> str:
    """The same bytes spelled with the unused low bits of the last character set."""
    unused = {2: 4, 3: 2}[len(part) % 4]  # 2 chars carry 1 byte (4 spare bits), 3 carry 2
    last = ALPHABET.index(part[-1])
    respelled = part[:-1] + ALPHABET[last | ((1 << unused) - 1)]
    assert respelled != part and _bytes(respelled) == _bytes(part)
    return respelled


def _bytes(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _respellings(token: str) -> list[str]:
    """Spellings of ``token`` that decode to the same bytes."""
    head, _, signature = token.partition(".")
    return [
        f"{token}=",
        f"{head}==.{signature}",
        f"{head}.{_unused_bits_changed(signature)}",
        f"{_unused_bits_changed(head)}.{signature}",
        f"{head}.{signature[:5]}!{signature[5:]}",  # a character base64 skips
        token.replace("-", "+").replace("_", "/") if "-" in token or "_" in token else f"{token}~",
    ]


# -- the link's one spelling ----------------------------------------------------------------


def test_a_token_is_read_only_in_the_spelling_the_service_issued() -> None:
    for round_ in range(1, 4):  # payload lengths that leave spare bits in the last character
        claim = LinkClaim(f"DIBA-2026-000{round_}", round_, datetime(2026, 12, 3, 8, tzinfo=UTC))
        token = LINKS.token(claim)
        assert LINKS.read(token) is not None
        assert [t for t in _respellings(token) if LINKS.read(t) is not None] == []


# -- the limit ------------------------------------------------------------------------------


def _attempt(site: str, spelling: str) -> int:
    """A choice through ``spelling`` of a link, with the form's token when its page opens."""
    session = requests.Session()
    page = session.get(f"{site}/book/{spelling}", timeout=10)
    found = CSRF.search(page.text)
    form = {"slot": "nonsense", "csrf": found.group(1) if found else ""}
    return session.post(f"{site}/book/{spelling}", data=form, timeout=10).status_code


def test_respelled_links_share_one_limit(direct: InProcess, site: str) -> None:
    token = linked(direct)
    respelled = _respellings(token) * 2
    answers: dict[str, list[int]] = {spelling: [] for spelling in [token, *respelled]}
    for i, spelling in enumerate(respelled):
        answers[spelling].append(_attempt(site, spelling))
        if i % 2:
            answers[token].append(_attempt(site, token))
    assert answers.pop(token) == [400] * RATE_LIMIT + [429]  # each unreadable, then too many
    assert {code for codes in answers.values() for code in codes} <= {404, 429}
    assert direct.service.store.deployments.open_with_ticket(1).state is State.READY  # type: ignore[union-attr]


def test_the_limiter_stays_bounded_under_10000_distinct_bogus_tokens(direct: InProcess) -> None:
    token = linked(direct)
    head, _, signature = token.partition(".")
    pages = BookingPages(BookingDesk(direct.service, LINKS, after=lambda: None))
    client = Client(pages)
    skipped = "!~*$'(),;:@"  # characters lenient base64 skips: each a respelling of the link
    answers = set()
    for i in range(10_000):
        mark = "".join(skipped[int(d)] for d in f"{i:04d}")
        bogus = f"{head}{mark}.{signature}" if i % 2 else f"x{i}.{signature}"
        answers.add(client.post(f"/book/{bogus}", data={"slot": "nonsense"}).status_code)
    assert (len(pages.limits), len(pages.strangers)) == (0, 1)  # no valid link; one address
    assert answers == {404, 429}


def test_a_limit_forgets_the_longest_unused_key_past_its_size() -> None:
    clock = [0.0]
    limit = RateLimit(2, 600.0, lambda: clock[0], keys=100)
    for i in range(10_000):
        assert limit.allow(f"key {i}")
    assert len(limit) == 100
    assert limit.allow("key 9999") and not limit.allow("key 9999")  # its count is kept
    clock[0] = 601.0
    assert limit.allow("key 9999")  # and lapses with the window


def test_bare_posts_without_the_form_token_still_count(direct: InProcess, site: str) -> None:
    token = linked(direct)
    bare = [requests.post(f"{site}/book/{token}", data={"slot": "x"}, timeout=10).status_code
            for _ in range(RATE_LIMIT)]  # fmt: skip
    assert bare == [403] * RATE_LIMIT
    assert choose(site, token, "nonsense").status_code == 429


def test_posts_without_a_valid_link_are_limited_by_address(site: str) -> None:
    answers = [requests.post(f"{site}/book/x{i}.y", data={}, timeout=10).status_code
               for i in range(RATE_LIMIT + 1)]  # fmt: skip
    assert answers == [404] * RATE_LIMIT + [429]


def test_the_client_address_behind_the_proxy_is_the_forwarded_one(site: str) -> None:
    for address in ("198.51.100.7", "203.0.113.9"):
        answers = [requests.post(f"{site}/book/x{i}.y", data={}, timeout=10,
                                 headers={"X-Forwarded-For": address}).status_code
                   for i in range(RATE_LIMIT)]  # fmt: skip
        assert answers == [404] * RATE_LIMIT


# -- the slot -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "status", "says"),
    [
        ("0001-01-01T00:00:00+00:00", 409, "ya ha pasado"),
        ("0001-01-01T00:00:00+01:00", 409, "ya ha pasado"),
        ("9999-12-31T23:59:00+00:00", 409, "es una fecha demasiado lejana"),
        ("9999-12-31T23:59:00-12:00", 409, "es una fecha demasiado lejana"),
        ("2027-11-30T09:00:00+01:00", 409, "es una fecha demasiado lejana"),  # 369 days ahead
        ("2026-12-28T09:00:00+01:00", 409, "fecha demasiado lejana"),  # the week after the page
        ("2026-11-30T09:00:17.5+01:00", 400, "en intervalos de 5 minutos"),
        ("2026-11-30T09:00:00.000001+01:00", 400, "en intervalos de 5 minutos"),
        ("2026-11-30T09:07:00+01:00", 400, "en intervalos de 5 minutos"),
        ("2026-11-30T09:00:00+01:00:30", 400, "en intervalos de 5 minutos"),
        ("9999-12-31T23:59:59.999999+00:00", 400, "en intervalos de 5 minutos"),
        ("2026-13-40T09:00:00+01:00", 400, "No hemos entendido la franja"),
    ],
)
def test_a_slot_outside_the_page_is_refused_with_the_reason(
    direct: InProcess, site: str, slot: str, status: int, says: str
) -> None:
    token = linked(direct)
    answer = choose(site, token, slot)
    assert (answer.status_code, says in answer.text) == (status, True), answer.text
    assert direct.service.store.deployments.open_with_ticket(1).state is State.READY  # type: ignore[union-attr]
    assert direct.calendar.events == {} and direct.logs.rows == {}


@pytest.mark.parametrize(
    ("day", "hour", "status"),
    [("2026-11-30", "10:30:17", 400), ("2026-11-30", "10:30:00.5", 400),
     ("2026-11-30", "10:30+05:00", 400), ("0001-01-01", "00:00", 409),
     ("9999-12-31", "23:55", 409)],
)  # fmt: skip
def test_another_time_outside_the_page_is_refused(
    direct: InProcess, site: str, day: str, hour: str, status: int
) -> None:
    answer = choose(site, linked(direct), "other", other_day=day, other_time=hour)
    assert answer.status_code == status, answer.text
    assert direct.service.store.deployments.open_with_ticket(1).state is State.READY  # type: ignore[union-attr]


def test_the_last_day_of_the_page_can_be_booked(direct: InProcess, site: str) -> None:
    answer = choose(site, linked(direct), "2026-12-21T09:00:00+01:00")
    assert answer.status_code == 200, answer.text


def test_an_offered_start_off_the_five_minute_grid_is_on_the_page() -> None:
    config = make_config()
    rules = replace(rules_for(config, config.customers[0]), start_times=(time(9, 7),))
    assert misfit(at("2026-11-30 09:07"), rules, now=START, weeks=5) is None
    off = misfit(at("2026-11-30 09:08"), rules, now=START, weeks=5)
    assert off is not None and off.kind == "grid"
    far = misfit(at("2026-12-28 09:05"), rules, now=START, weeks=5)
    too_far = ("es una fecha demasiado lejana",)
    assert far is not None and (far.kind, far.reasons) == ("days", too_far)
