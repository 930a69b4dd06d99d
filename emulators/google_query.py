"""Drive's search query language (``q``), the part deploybot and people's scripts use: clauses
on ``name``, ``mimeType``, ``trashed`` and ``'<id>' in parents``, joined by ``and``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulators.google_drive import DriveFile

_TOKEN = re.compile(r"\s*('(?:[^'\\]|\\.)*'|!=|=|\w+)")


class QueryError(ValueError):
    """A query Drive would refuse (or one this emulator does not take)."""


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text.rstrip()):
        found = _TOKEN.match(text, position)
        if found is None:
            raise QueryError(f"Invalid query near {text[position:]!r}")
        tokens.append(found.group(1))
        position = found.end()
    return tokens


Clause = Callable[["DriveFile"], bool]


def _clause(left: str, operator: str, right: str) -> Clause:
    if operator == "in" and right == "parents" and left.startswith("'"):
        parent = _unquote(left)
        return lambda file: parent in file.parents
    if not right.startswith("'") and left != "trashed":
        raise QueryError(f"Invalid query: {left} {operator} {right}")
    if left == "trashed" and operator in ("=", "!=") and right in ("true", "false"):
        wanted = right == "true"
        return lambda file: (file.trashed == wanted) == (operator == "=")
    value = _unquote(right)
    if left in ("name", "mimeType") and operator in ("=", "!="):
        attribute = "name" if left == "name" else "mime_type"
        return lambda file: (getattr(file, attribute) == value) == (operator == "=")
    if left == "name" and operator == "contains":
        return lambda file: value.casefold() in file.name.casefold()
    raise QueryError(f"Invalid query: {left} {operator} {right}")


@dataclass(frozen=True)
class DriveQuery:
    """A parsed ``q``: every clause must hold."""

    clauses: tuple[Clause, ...]

    @classmethod
    def parse(cls, text: str) -> DriveQuery:
        """The query in ``text``; QueryError for what Drive would refuse (``or``, ``not`` and
        parentheses are refused here too: deploybot does not use them)."""
        tokens = _tokens(text)
        clauses: list[Clause] = []
        while tokens:
            if len(tokens) < 3:
                raise QueryError(f"Invalid query: {' '.join(tokens)}")
            clauses.append(_clause(*tokens[:3]))
            tokens = tokens[3:]
            if tokens:
                if tokens[0].lower() != "and":
                    raise QueryError(f"Invalid query near {tokens[0]!r} (only 'and' is emulated)")
                tokens = tokens[1:]
        return cls(tuple(clauses))

    def matches(self, file: DriveFile) -> bool:
        """Whether ``file`` satisfies every clause."""
        return all(clause(file) for clause in self.clauses)
