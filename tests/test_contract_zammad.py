"""Contract: the Zammad client parses real Zammad 6.2 answers, and the emulator answers in
the same shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from emulators.server import RunningEmulator
from integrations.zammad import (
    Article,
    Organization,
    Ticket,
    User,
    ZammadNotFoundError,
    error_from_response,
    search_ticket_ids,
    tag_changes,
)
from tests.recordings import assert_same_shape, zammad_body

SEARCH = ("test_tickets/test_ticket_search.log", "GET", "/tickets/search")
TICKET = ("test_tickets/test_lazy_attribute_caching.log", "GET", "/tickets/1")
TICKET_EXPANDED = ("test_tickets/test_lazy_attribute_caching.log", "GET", "expand=true")
ARTICLE_CREATE = ("test_articles/test_create_article_via_ticket.log", "POST", "/ticket_articles")
ARTICLES = ("test_articles/test_create_article_via_ticket.log", "GET", "/by_ticket/")
TAGS = ("test_tickets/test_ticket_tags.log", "GET", "/tags?object=Ticket")
TAG_ADD = ("test_tickets/test_ticket_tags.log", "POST", "/tags/add")
TAG_REMOVE = ("test_tickets/test_ticket_tags.log", "DELETE", "/tags/remove")
ORGANIZATION = ("test_organizations/test_create_organization.log", "POST", "/organizations")
USER = ("test_users/test_create_user.log", "POST", "/users")
ERROR = ("test_client/test_raise_api_exception.log", "GET", "/api/v1")


def get(emulator: RunningEmulator, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": "Token token=demo-token"}
    return requests.request(
        kwargs.pop("method", "GET"), emulator.url + path, headers=headers, timeout=5, **kwargs
    )


# -- the client parses recorded answers ------------------------------------------------------


def test_parses_the_6_2_search_shape() -> None:
    ids, objects = search_ticket_ids(zammad_body(*SEARCH))
    assert ids == [374, 373]
    assert Ticket.from_json(objects[374]).number == "67359"


def test_parses_the_newer_list_search_shape() -> None:
    ticket = zammad_body(*TICKET_EXPANDED)
    ids, objects = search_ticket_ids([ticket])
    assert ids == [1]
    assert objects[1]["title"] == "Welcome to Zammad!"


def test_parses_the_record_ids_search_shape() -> None:
    assert search_ticket_ids({"record_ids": [5, 7]})[0] == [5, 7]


def test_parses_a_ticket_with_aware_timestamps() -> None:
    ticket = Ticket.from_json(zammad_body(*TICKET_EXPANDED))
    assert (ticket.id, ticket.number, ticket.title) == (1, "67001", "Welcome to Zammad!")
    assert ticket.organization_id == 1
    assert ticket.article_ids == (1,)
    assert ticket.updated_at == datetime(2023, 11, 13, 21, 13, 38, 109000, tzinfo=UTC)


def test_parses_articles() -> None:
    created = Article.from_json(zammad_body(*ARTICLE_CREATE))
    assert created.internal is True
    assert (created.type, created.sender) == ("note", "Agent")
    listed = [Article.from_json(a) for a in zammad_body(*ARTICLES)]
    assert [a.id for a in listed][:2] == [598, 600]
    assert listed[0].created_by == "zammadoo@hephaestus.local"


def test_parses_tags_and_tag_changes() -> None:
    assert zammad_body(*TAGS) == {"tags": []}
    assert zammad_body(*TAG_ADD) is True
    assert zammad_body(*TAG_REMOVE) is True


def test_parses_organizations_and_users() -> None:
    org = Organization.from_json(zammad_body(*ORGANIZATION))
    assert (org.id, org.name, org.active) == (10, "pytest_organization", True)
    user = User.from_json(zammad_body(*USER))
    assert (user.id, user.display_name, user.email) == (27, "John Pytest", None)


def test_error_body_becomes_a_typed_error_with_zammads_words() -> None:
    error = error_from_response(404, zammad_body(*ERROR))
    assert isinstance(error, ZammadNotFoundError)
    assert error.error_human == "No route matches [GET] /api/v1"


# -- the emulator answers in the recorded shapes ----------------------------------------------


def test_emulator_search_matches_the_6_2_shape(zammad: RunningEmulator) -> None:
    recorded = zammad_body(*SEARCH)
    answer = get(zammad, "/api/v1/tickets/search", params={"query": "7412280"})
    body = answer.json()
    assert_same_shape({k: v for k, v in recorded.items() if k != "assets"}, body)
    recorded_ticket = next(iter(recorded["assets"]["Ticket"].values()))
    emulated_ticket = next(iter(body["assets"]["Ticket"].values()))
    assert_same_shape(recorded_ticket, emulated_ticket)


def test_emulator_condition_search_answers_the_same_shape(zammad: RunningEmulator) -> None:
    condition = {"ticket.tags": {"operator": "contains one", "value": "risk-accepted,nothing"}}
    body = get(
        zammad, "/api/v1/tickets/search", method="POST", json={"condition": condition}
    ).json()
    assert body["tickets"] == [3]


def test_emulator_expand_search_is_a_list_of_expanded_tickets(zammad: RunningEmulator) -> None:
    body = get(
        zammad,
        "/api/v1/tickets/search",
        params={"query": "7412280", "expand": "true"},
    ).json()
    assert isinstance(body, list)
    assert_same_shape(zammad_body(*TICKET_EXPANDED), body[0])


def test_emulator_ticket_shapes(zammad: RunningEmulator) -> None:
    assert_same_shape(zammad_body(*TICKET), get(zammad, "/api/v1/tickets/1").json())
    expanded = get(zammad, "/api/v1/tickets/1", params={"expand": "true"}).json()
    assert_same_shape(zammad_body(*TICKET_EXPANDED), expanded)


def test_emulator_articles_tags_organizations_users(zammad: RunningEmulator) -> None:
    articles = get(zammad, "/api/v1/ticket_articles/by_ticket/1").json()
    assert_same_shape(zammad_body(*ARTICLES), articles)
    created = get(
        zammad,
        "/api/v1/ticket_articles",
        method="POST",
        json={"ticket_id": 1, "body": "x", "type": "note", "internal": True},
    )
    assert created.status_code == 201
    assert_same_shape(zammad_body(*ARTICLE_CREATE), created.json())
    assert_same_shape(zammad_body(*TAGS), get(zammad, "/api/v1/tags?object=Ticket&o_id=1").json())
    added = get(
        zammad, "/api/v1/tags/add", method="POST", json={"item": "x", "object": "Ticket", "o_id": 1}
    )
    assert (added.status_code, added.json()) == (201, True)
    removed = get(
        zammad,
        "/api/v1/tags/remove",
        method="DELETE",
        json={"item": "x", "object": "Ticket", "o_id": 1},
    )
    assert (removed.status_code, removed.json()) == (200, True)
    assert_same_shape(zammad_body(*ORGANIZATION), get(zammad, "/api/v1/organizations/1").json())
    assert_same_shape(zammad_body(*USER), get(zammad, "/api/v1/users/2").json())


def test_emulator_unknown_route_answers_like_zammad(zammad: RunningEmulator) -> None:
    answer = get(zammad, "/api/v1")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert answer.json() == zammad_body(*ERROR)


def test_emulator_all_shape_carries_tags_and_article_ids(zammad: RunningEmulator) -> None:
    body = get(zammad, "/api/v1/tickets/1", params={"all": "true"}).json()
    assert set(body) >= {"ticket_id", "ticket_article_ids", "assets", "links", "tags"}
    assert body["tags"] == ["customer-validated"]
    assert_same_shape(zammad_body(*TICKET), body["assets"]["Ticket"]["1"])


HISTORY = ("test_tickets/test_ticket_history.log", "GET", "/ticket_history/")


def test_parses_a_recorded_ticket_history_without_tag_entries() -> None:
    assert tag_changes(zammad_body(*HISTORY)) == []


def test_emulator_history_has_the_recorded_shape_and_names_who_tagged(
    zammad: RunningEmulator,
) -> None:
    body = get(zammad, "/api/v1/ticket_history/3").json()
    recorded = zammad_body(*HISTORY)
    assert_same_shape(recorded["history"][0], body["history"][0])
    # Preferences and groups differ per user (the recorded one is an admin): compare the rest.
    recorded_user = dict(recorded["assets"]["User"]["3"], preferences={}, group_ids={})
    assert_same_shape(recorded_user, next(iter(body["assets"]["User"].values())))
    [change] = tag_changes(body)
    assert (change.tag, change.added, change.by) == ("risk-accepted", True, "Pedro Sanz")
