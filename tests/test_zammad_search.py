"""A Zammad as it really runs: without Elasticsearch (SQL ``LIKE``, joined on articles, field
syntax matched literally), with it (its query language, an index that lags), and the answers'
real shapes (``?all=true`` articles with ids only, roles for admins only on 6.2). deploybot
finds tickets, organizations and its agents' commands the same way on all of them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator
from integrations.zammad import Article, ZammadClient, ZammadPermissionError
from integrations.zammad_admin import ZammadAdminClient

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class Clock:
    """The emulator's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def running(scenario: dict[str, Any], clock: Clock | None = None, **zammad: Any) -> RunningEmulator:
    changed = copy.deepcopy(scenario)
    changed["zammad"].update(zammad)
    return RunningEmulator(ZammadEmulator(changed, clock=clock or Clock())).start()


@pytest.fixture
def lagging(demo_scenario: dict[str, Any]) -> Iterator[tuple[RunningEmulator, Clock]]:
    """A Zammad with Elasticsearch whose index is a minute behind the database."""
    clock = Clock()
    emulator = running(demo_scenario, clock, search="es", index_lag_seconds=60)
    clock.now = NOW + timedelta(hours=1)  # the seeded objects are indexed by now
    try:
        yield emulator, clock
    finally:
        emulator.stop()


def search(emulator: RunningEmulator, query: str) -> list[int]:
    answer = requests.get(
        f"{emulator.url}/api/v1/tickets/search",
        params={"query": query},
        headers={"Authorization": "Token token=demo-token"},
        timeout=5,
    )
    answer.raise_for_status()
    return [int(i) for i in answer.json()["tickets"]]


def new_ticket(emulator: RunningEmulator, number: str) -> int:
    app = emulator.app
    assert isinstance(app, ZammadEmulator)
    created = app.add_ticket(title="Nuevo", number=number, organization="Diputació de Barcelona")
    return int(created["id"])


# -- tickets by number ------------------------------------------------------------------------


@pytest.mark.both_searches
def test_a_ticket_without_articles_is_found_by_its_number(zammad: RunningEmulator) -> None:
    ticket_id = new_ticket(zammad, "7419999")
    client = ZammadClient(zammad.url, "demo-token")
    found = client.ticket_by_number("ES-7419999")
    assert found is not None and found.id == ticket_id
    assert client.ticket_by_number("7419") is None  # a part of a number is not the number


def test_without_elasticsearch_field_syntax_is_searched_as_text_and_matches_nothing(
    zammad: RunningEmulator,
) -> None:
    assert search(zammad, "number:7412280") == []
    assert search(zammad, 'tags:"customer-validated"') == []
    assert search(zammad, "7412280") == [1]  # plain text: LIKE over number, title, articles
    assert search(zammad, "74122*") == [1]  # '*' is stripped
    assert search(zammad, "741230") == []  # 7412301 has no article: the search joins on them


def test_without_elasticsearch_a_query_never_finds_a_ticket_with_no_article(
    zammad: RunningEmulator,
) -> None:
    new_ticket(zammad, "7419999")
    assert search(zammad, "7419999") == []  # the SQL search joins on articles


def test_with_elasticsearch_field_syntax_works_once_the_index_caught_up(
    lagging: tuple[RunningEmulator, Clock],
) -> None:
    emulator, clock = lagging
    assert search(emulator, "number:7412280") == [1]
    ticket_id = new_ticket(emulator, "7419999")
    assert search(emulator, "number:7419999") == []  # not indexed yet
    found = ZammadClient(emulator.url, "demo-token").ticket_by_number("7419999")
    assert found is not None and found.id == ticket_id  # a condition reads the database
    clock.now += timedelta(minutes=2)
    assert search(emulator, "number:7419999") == [ticket_id]


def test_a_tag_just_added_is_found_by_the_condition_search_on_a_lagging_index(
    lagging: tuple[RunningEmulator, Clock],
) -> None:
    emulator, _ = lagging
    client = ZammadClient(emulator.url, "demo-token")
    client.add_tag(4, "deploy")
    assert [t.id for t in client.find_tickets_with_tags(["deploy"])] == [4]
    assert search(emulator, "tags:deploy") == []


def test_an_unknown_condition_is_refused_not_matched_by_everything(
    zammad: RunningEmulator,
) -> None:
    answer = requests.post(
        f"{zammad.url}/api/v1/tickets/search",
        json={"condition": {"ticket.nonsense": {"operator": "is", "value": "1"}}},
        headers={"Authorization": "Token token=demo-token"},
        timeout=5,
    )
    assert answer.status_code == 422


# -- organizations ----------------------------------------------------------------------------


@pytest.mark.both_searches
def test_organizations_are_found_by_exact_name_whatever_the_name_holds(
    zammad: RunningEmulator,
) -> None:
    app = zammad.app
    assert isinstance(app, ZammadEmulator)
    app.add_organization('Acme (Spain) S.L. / IT: "Ops"')
    client = ZammadClient(zammad.url, "demo-token")
    for name in ("Diputació de Barcelona", "comunidad de madrid - madrid digital",
                 "Acme (Spain) S.L. / IT: \"Ops\""):  # fmt: skip
        found = client.search_organization(name)
        assert found is not None and found.name.casefold() == name.casefold()
    assert client.organization_by_name("Madrid") is None  # a part of a name is not the name


def test_without_elasticsearch_an_organization_search_is_like_over_name_and_note(
    zammad: RunningEmulator,
) -> None:
    def names(query: str) -> list[str]:
        answer = requests.get(
            f"{zammad.url}/api/v1/organizations/search",
            params={"query": query},
            headers={"Authorization": "Token token=demo-token"},
            timeout=5,
        )
        return [str(o["name"]) for o in answer.json()]

    assert names('name:"Diputació de Barcelona"') == []
    assert names("diputació de barc") == ["Diputació de Barcelona"]


def test_an_organization_the_index_has_not_seen_yet_is_read_from_the_list(
    lagging: tuple[RunningEmulator, Clock],
) -> None:
    emulator, _ = lagging
    app = emulator.app
    assert isinstance(app, ZammadEmulator)
    created = app.add_organization("Consell de Mallorca")
    client = ZammadClient(emulator.url, "demo-token")
    assert client.search_organization("Consell de Mallorca") is None
    found = client.organization_by_name("Consell de Mallorca")
    assert found is not None and found.id == created["id"]


# -- answers' shapes --------------------------------------------------------------------------


def test_all_answer_carries_articles_with_association_ids_and_their_users(
    zammad: RunningEmulator,
) -> None:
    client = ZammadClient(zammad.url, "demo-token")
    client.post_note(1, "<p>/deploy env PRE</p>")
    body = requests.get(
        f"{zammad.url}/api/v1/tickets/1",
        params={"all": "true"},
        headers={"Authorization": "Token token=demo-token"},
        timeout=5,
    ).json()
    articles = list(body["assets"]["TicketArticle"].values())
    assert articles
    for article in articles:
        assert {"sender_id", "type_id", "created_by_id"} <= set(article)
        assert not {"sender", "type", "created_by", "updated_by"} & set(article)
        assert str(article["created_by_id"]) in body["assets"]["User"]
    ticket = body["assets"]["Ticket"]["1"]
    assert str(ticket["customer_id"]) in body["assets"]["User"]
    assert str(ticket["organization_id"]) in body["assets"]["Organization"]


def test_an_agent_note_is_recognised_from_the_ids_zammad_really_sends(
    zammad: RunningEmulator,
) -> None:
    app = zammad.app
    assert isinstance(app, ZammadEmulator)
    app.add_article(1, body="/deploy env PRE", internal=True, sender="Agent")
    app.add_article(1, body="/deploy env PRE", internal=True, sender="Customer")
    ticket = ZammadClient(zammad.url, "demo-token").ticket(1)
    assert ticket.articles is not None
    last_two = ticket.articles[-2:]
    assert [(a.sender, a.is_agent_note) for a in last_two] == [
        ("Agent", True),
        ("Customer", False),
    ]
    unknown = Article.from_json({"id": 9, "ticket_id": 1, "internal": True, "body": "x"})
    assert not unknown.is_agent_note  # no sender, no sender_id: not taken for an agent


def test_roles_are_for_admins_on_6_2_and_for_agents_too_on_newer_zammad(
    demo_scenario: dict[str, Any],
) -> None:
    old = running(demo_scenario)
    newer = running(demo_scenario, roles_for_agents=True)
    try:
        with pytest.raises(ZammadPermissionError):
            ZammadAdminClient(old.url, "demo-token").role_id("Agent")
        assert ZammadAdminClient(old.url, "admin-token").role_id("Agent") == 2
        assert ZammadAdminClient(newer.url, "demo-token").role_id("Agent") == 2
    finally:
        old.stop()
        newer.stop()
