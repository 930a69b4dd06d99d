"""How Zammad searches, with and without Elasticsearch, for the emulator.

Modelled on Zammad's own code:

- ``app/models/concerns/can_search.rb`` (``Model.search``): the search index is used only when
  Elasticsearch is configured **and** a query is given; otherwise SQL. ``*`` is stripped from
  the query.
- ``app/models/ticket/search.rb``: the SQL query is ``LIKE %query%`` (case-insensitive) over the
  ticket's ``title`` and ``number`` and its articles' ``body``, ``from``, ``to`` and ``subject``,
  **joined on articles**: a ticket with no article is never found by a query. A ``condition``
  (the selector) is applied in SQL in both configurations.
- ``app/models/organization/search.rb``: SQL ``LIKE %query%`` over ``name`` and ``note``.
- ``app/models/user/search.rb``: SQL ``LIKE %query%`` over the user's string columns
  (``login``, ``firstname``, ``lastname``, ``email`` …).

Without Elasticsearch, field syntax (``number:7412280``, ``name:"X"``, ``tags:deploy``) is just
text: searched literally, it matches nothing. With Elasticsearch (``search: es``) the emulator
reads the part of the query language real clients send (``field:value``, ``field:"a b"``,
``OR``/``AND``, free words, all of which must match) and, with ``index_lag_seconds``, does not
see objects changed that recently — the index has not caught up with them yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from integrations.timestamps import parse_timestamp

SearchBackend = Literal["sql", "es"]
BACKENDS: tuple[SearchBackend, ...] = ("sql", "es")

#: The ticket attributes and operators the emulator's selector understands (a subset of
#: Zammad's ``Selector::Sql``); anything else is refused rather than matching everything.
TICKET_CONDITIONS = {
    "ticket.tags": ("contains one", "contains all", "contains one not", "contains all not"),
    "ticket.number": ("is", "is not", "contains", "contains not"),
    "ticket.title": ("is", "is not", "contains", "contains not"),
    "ticket.organization_id": ("is", "is not"),
    "ticket.customer_id": ("is", "is not"),
}

_TERM = re.compile(r'(?:(\w+):)?(?:"([^"]*)"|(\S+))')


class ConditionError(ValueError):
    """A condition Zammad's selector would not accept."""


def like(needle: str, values: Iterable[Any]) -> bool:
    """SQL ``LIKE %needle%`` on any of ``values``, case-insensitive (Zammad's ``where_or_cis``)."""
    wanted = needle.casefold()
    return any(wanted in str(value).casefold() for value in values if value is not None)


def clean_query(query: Any) -> str:
    """The query as ``Model.search`` uses it: ``*`` deleted, surrounding space dropped."""
    return str(query or "").replace("*", "").strip()


# -- conditions (the selector: always the database) ----------------------------------------


def check_condition(condition: Any) -> None:
    """Refuse a condition the selector cannot run (an unknown attribute or operator)."""
    if not isinstance(condition, Mapping):
        raise ConditionError("condition must be an object")
    for attribute, rule in condition.items():
        operators = TICKET_CONDITIONS.get(str(attribute))
        if operators is None:
            raise ConditionError(f"Unknown condition attribute '{attribute}'")
        operator = str((rule or {}).get("operator", "")) if isinstance(rule, Mapping) else ""
        if operator not in operators:
            raise ConditionError(f"Invalid operator '{operator}' for '{attribute}'")


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items]


def matches_condition(ticket: Mapping[str, Any], tags: list[str], condition: Any) -> bool:
    """Whether a ticket satisfies every rule of a (checked) condition."""
    for attribute, rule in condition.items():
        operator = str(rule["operator"])
        value = rule.get("value")
        negated = operator.endswith(" not")
        if attribute == "ticket.tags":
            # Zammad's selector splits the tags of one rule from a comma-joined string.
            wanted = {v.strip().casefold() for v in str(value).split(",") if v.strip()}
            have = {t.casefold() for t in tags}
            hit = bool(wanted & have) if "one" in operator else wanted <= have
        else:
            field = str(ticket.get(attribute.removeprefix("ticket."), ""))
            if operator.startswith("contains"):
                hit = like(str(value), [field])
            else:
                hit = field in _values(value)
        if hit == negated:
            return False
    return True


# -- queries -------------------------------------------------------------------------------


def _indexed(record: Mapping[str, Any], now: datetime, lag: float) -> bool:
    """Whether the search index has caught up with this record (changed ``lag`` s ago)."""
    if lag <= 0:
        return True
    changed = parse_timestamp(record.get("updated_at"))
    return changed is None or changed <= now - timedelta(seconds=lag)


def _es_clauses(query: str) -> list[list[tuple[str | None, str]]]:
    """An Elasticsearch query string as alternatives (``OR``) of terms that must all match."""
    alternatives: list[list[tuple[str | None, str]]] = [[]]
    for match in _TERM.finditer(query):
        field, quoted, bare = match.groups()
        text = quoted if quoted is not None else bare
        if field is None and text == "OR":
            alternatives.append([])
        elif not (field is None and text == "AND"):
            alternatives[-1].append((field, text.strip("()")))
    return [terms for terms in alternatives if terms]


def es_matches(query: str, fields: Mapping[str, Iterable[Any]]) -> bool:
    """Whether a document with ``fields`` (name → values) matches an Elasticsearch query."""
    everything = [v for values in fields.values() for v in values]
    for terms in _es_clauses(query):
        if all(like(text, fields.get(field, ()) if field else everything) for field, text in terms):
            return True
    return False


def ticket_fields(
    ticket: Mapping[str, Any], tags: list[str], articles: Sequence[Mapping[str, Any]]
) -> dict[str, list[Any]]:
    """What the ticket index holds of a ticket (Elasticsearch) — and the SQL query's columns."""
    return {
        "number": [ticket.get("number")],
        "title": [ticket.get("title")],
        "tags": list(tags),
        "article": [a.get(k) for a in articles for k in ("body", "from", "to", "subject")],
    }


def ticket_matches_query(
    backend: SearchBackend,
    query: str,
    ticket: Mapping[str, Any],
    tags: list[str],
    articles: Sequence[Mapping[str, Any]],
) -> bool:
    """Whether a ticket is a hit for a (cleaned) query, as that backend searches."""
    fields = ticket_fields(ticket, tags, articles)
    if backend == "es":
        return es_matches(query, fields)
    if not articles:  # the SQL search joins on articles
        return False
    return like(query, [*fields["number"], *fields["title"], *fields["article"]])


def record_matches_query(
    backend: SearchBackend, query: str, record: Mapping[str, Any], columns: tuple[str, ...]
) -> bool:
    """An organization or user hit: SQL ``LIKE`` over its string columns, or the ES language."""
    if not query:
        return True
    if backend == "es":
        return es_matches(query, {column: [record.get(column)] for column in columns})
    return like(query, [record.get(column) for column in columns])


def visible(
    backend: SearchBackend, query: str, record: Mapping[str, Any], now: datetime, lag: float
) -> bool:
    """Whether a record can be a hit at all: with Elasticsearch and a query, only once indexed."""
    return not (backend == "es" and query) or _indexed(record, now, lag)
