"""Readers of the recorded fixtures in tests/fixtures/ (copied from ../shared/fixtures)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
ZAMMAD = FIXTURES / "zammad-6.2-recordings"
GITLAB = FIXTURES / "gitlab-api-docs"


@dataclass(frozen=True)
class Exchange:
    """One recorded HTTP exchange."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    request_json: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def zammad_exchanges(name: str) -> list[Exchange]:
    """Every exchange of a recording: a JSON metadata line, then exactly content_size bytes."""
    data = (ZAMMAD / name).read_bytes()
    out, i = [], 0
    while i < len(data):
        end = data.index(b"\n", i)
        meta = json.loads(data[i:end])
        i = end + 1
        body = data[i : i + meta["content_size"]]
        i += meta["content_size"]
        if data[i : i + 1] == b"\n":
            i += 1
        out.append(
            Exchange(
                meta["method"],
                meta["url"],
                meta["status_code"],
                meta["headers"],
                meta.get("request_json"),
                body,
            )
        )
    return out


def zammad_body(name: str, method: str, url_part: str) -> Any:
    """The JSON body of the first exchange of ``name`` matching method and URL fragment."""
    for exchange in zammad_exchanges(name):
        if (
            exchange.method == method
            and url_part in exchange.url
            and "#fixture" not in exchange.url
        ):
            return exchange.json()
    raise LookupError(f"{name}: no {method} {url_part}")


def gitlab_body(name: str) -> Any:
    """A GitLab documentation example answer."""
    return json.loads((GITLAB / name).read_text(encoding="utf-8"))


def assert_same_shape(expected: Any, actual: Any, path: str = "$") -> None:
    """``actual`` has every key of ``expected``, with the same JSON type, at every level.

    A null on either side matches any type (the recordings hold nulls where a value may be);
    lists are compared through their first items.
    """
    if expected is None or actual is None:
        return
    if isinstance(expected, bool) or isinstance(actual, bool):
        assert isinstance(expected, bool) and isinstance(actual, bool), f"{path}: bool vs other"
        return
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return
    assert type(expected) is type(actual), (
        f"{path}: expected {type(expected).__name__}, got {type(actual).__name__}"
    )
    if isinstance(expected, dict):
        missing = sorted(set(expected) - set(actual))
        assert not missing, f"{path}: missing keys {missing}"
        for key, value in expected.items():
            assert_same_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list) and expected and actual:
        assert_same_shape(expected[0], actual[0], f"{path}[0]")
