"""The Zammad emulator answers as Zammad does where a real installation would differ from a
lenient one: authentication errors, tags that do not exist yet, history entries, organization
search shapes, admin objects; and the client reads those answers right."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator
from integrations.zammad import ZammadClient, ZammadPermissionError, ZammadTagRefusedError


@pytest.fixture
def strict(demo_scenario: dict[str, Any]) -> Iterator[RunningEmulator]:
    """A Zammad where new tags need an admin (``tag_new`` off)."""
    scenario = copy.deepcopy(demo_scenario)
    scenario["zammad"]["tag_new"] = False
    with RunningEmulator(ZammadEmulator(scenario)) as running:
        yield running


def api(emulator: RunningEmulator, method: str, path: str, token: str | None = "demo-token",
        **kwargs: Any) -> requests.Response:  # fmt: skip
    headers = {"Authorization": f"Token token={token}"} if token else {}
    return requests.request(method, f"{emulator.url}/api/v1{path}", headers=headers, timeout=5,
                            **kwargs)  # fmt: skip


def test_a_wrong_token_and_a_missing_token_are_answered_as_zammad_does(
    zammad: RunningEmulator,
) -> None:
    wrong = api(zammad, "GET", "/users/me", token="nope")
    assert wrong.status_code == 401 and wrong.json()["error"] == "Can't find User for Token"
    missing = api(zammad, "GET", "/users/me", token=None)
    assert missing.status_code == 403 and missing.json()["error"] == "Authentication required"


def test_a_new_tag_is_refused_to_an_agent_when_tag_new_is_off(strict: RunningEmulator) -> None:
    refused = api(strict, "POST", "/tags/add", json={"object": "Ticket", "o_id": 1,
                                                     "item": "deploy-ready"})  # fmt: skip
    assert refused.status_code == 403 and refused.json()["error"] == "Not authorized"
    existing = api(strict, "POST", "/tags/add", json={"object": "Ticket", "o_id": 2,
                                                      "item": "Customer-Validated"})  # fmt: skip
    assert existing.status_code == 201  # it exists (any case): agents may use it


def test_an_admin_creates_tags_through_the_tag_admin_api(strict: RunningEmulator) -> None:
    assert api(strict, "GET", "/tag_list").status_code == 403  # agents may not
    created = api(strict, "POST", "/tag_list", token="admin-token", json={"name": "deploy-ready"})
    assert created.status_code == 200 and created.json() == {}
    names = [item["name"] for item in api(strict, "GET", "/tag_list", token="admin-token").json()]
    assert "deploy-ready" in names
    ticket_tag = {"object": "Ticket", "o_id": 1, "item": "deploy-ready"}
    assert api(strict, "POST", "/tags/add", json=ticket_tag).status_code == 201
    found = api(strict, "GET", "/tag_search", params={"term": "ready"}).json()
    assert [hit["value"] for hit in found] == ["deploy-ready"]


def test_the_client_names_the_tag_zammad_refused(strict: RunningEmulator) -> None:
    client = ZammadClient(strict.url, "demo-token")
    with pytest.raises(ZammadTagRefusedError) as refused:
        client.add_tag(1, "deploy-ready")
    assert isinstance(refused.value, ZammadPermissionError)
    assert "deploy-ready" in str(refused.value)
    assert "deploybot setup zammad --apply" in str(refused.value)


def test_a_tag_removal_carries_the_tag_in_value_to_and_the_client_reads_it(
    zammad: RunningEmulator,
) -> None:
    client = ZammadClient(zammad.url, "demo-token")
    client.add_tag(4, "deploy")
    client.remove_tag(4, "deploy")
    history = api(zammad, "GET", "/ticket_history/4").json()["history"]
    removal = [e for e in history if e["type"] == "removed" and e["attribute"] == "tag"][-1]
    assert removal["value_to"] == "deploy" and removal["value_from"] is None
    changes = [(c.tag, c.added) for c in client.tag_history(4)]
    assert changes[-2:] == [("deploy", True), ("deploy", False)]


def test_organization_search_answers_in_zammads_three_shapes(zammad: RunningEmulator) -> None:
    query = {"query": "Barcelona"}
    plain = api(zammad, "GET", "/organizations/search", params=query).json()
    assert isinstance(plain, list) and plain[0]["name"] == "Diputació de Barcelona"
    expanded = api(zammad, "GET", "/organizations/search", params=query | {"expand": "true"})
    assert isinstance(expanded.json(), list)
    full = api(zammad, "GET", "/organizations/search", params=query | {"full": "true"}).json()
    assert set(full) == {"organization_ids", "assets"}
    client = ZammadClient(zammad.url, "demo-token")
    found = client.organization_by_name("diputació de barcelona")
    assert found is not None and found.name == "Diputació de Barcelona"


def test_admin_objects_are_listed_and_created_by_admins_only(zammad: RunningEmulator) -> None:
    for kind in ("overviews", "macros", "webhooks", "triggers"):
        assert api(zammad, "GET", f"/{kind}").status_code == 403
        created = api(zammad, "POST", f"/{kind}", token="admin-token",
                      json={"name": f"deploybot {kind}", "active": True})  # fmt: skip
        assert created.status_code == 201 and created.json()["id"] >= 1
        listed = api(zammad, "GET", f"/{kind}", token="admin-token").json()
        assert f"deploybot {kind}" in [item["name"] for item in listed]
    roles = api(zammad, "GET", "/roles", token="admin-token").json()
    assert {"Admin", "Agent", "Customer"} <= {role["name"] for role in roles}


def test_removing_a_tag_the_ticket_lacks_still_touches_it_as_zammad_does(
    zammad: RunningEmulator,
) -> None:
    """``Tag.tag_remove`` destroys what it finds and touches the ticket either way
    (``app/models/tag.rb``): a blind removal wakes every poller; deploybot reads the tags first."""
    before = api(zammad, "GET", "/tickets/4").json()["updated_at"]
    time.sleep(0.01)
    answer = api(zammad, "DELETE", "/tags/remove",
                 json={"object": "Ticket", "o_id": 4, "item": "never-there"})  # fmt: skip
    assert answer.status_code == 200
    assert api(zammad, "GET", "/tickets/4").json()["updated_at"] != before
    history = api(zammad, "GET", "/ticket_history/4").json()["history"]
    assert not [e for e in history if e.get("value_to") == "never-there"]
