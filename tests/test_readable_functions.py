"""The functions issue 35 named the hardest to read stay short and shallow: each at most 30
lines and 3 levels of nested blocks (for, while, if, try, with, match), read from the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: (file, class or "", function): the five.
NAMED = [
    ("bot/app/intake/zammad_acting.py", "ZammadActing", "_act"),
    ("bot/app/orders/gather.py", "FactGatherer", "gather"),
    ("bot/app/orders/gather.py", "FactGatherer", "_read_ticket"),
    ("bot/domain/lifecycle/booking.py", "", "on_schedule"),
    ("bot/cli/reports.py", "", "report_command"),
]
MAX_LINES = 30
MAX_LEVELS = 3

BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try, ast.With, ast.AsyncWith, ast.Match)


def function(path: str, owner: str, name: str) -> ast.FunctionDef:
    """The function's definition in the file (a method of ``owner``, or at module level)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    scope: list[ast.stmt] = tree.body
    if owner:
        [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner]
        scope = cls.body
    [found] = [n for n in scope if isinstance(n, ast.FunctionDef) and n.name == name]
    return found


def levels(statements: list[ast.stmt]) -> int:
    """How deep the blocks among ``statements`` nest (an ``elif`` is no deeper than its
    ``if``; a nested function is not looked into)."""
    deepest = 0
    for node in statements:
        if isinstance(node, ast.If):
            deepest = max(deepest, 1 + levels(node.body), _else_levels(node.orelse))
        elif isinstance(node, BLOCKS):
            inner = [n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)]
            handlers = [h for h in ast.iter_child_nodes(node) if isinstance(h, ast.ExceptHandler)]
            cases = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.match_case)]
            inner += [s for h in handlers for s in h.body] + [s for c in cases for s in c.body]
            deepest = max(deepest, 1 + levels(inner))
    return deepest


def _else_levels(orelse: list[ast.stmt]) -> int:
    if len(orelse) == 1 and isinstance(orelse[0], ast.If):  # an elif
        return levels(orelse)
    return 1 + levels(orelse) if orelse else 0


@pytest.mark.parametrize(("path", "owner", "name"), NAMED, ids=[n for _, _, n in NAMED])
def test_the_function_reads_top_to_bottom(path: str, owner: str, name: str) -> None:
    node = function(path, owner, name)
    assert node.end_lineno is not None
    lines = node.end_lineno - node.lineno + 1  # from ``def`` to its last line, docstring too
    assert lines <= MAX_LINES, f"{path} {name}: {lines} lines"
    assert levels(node.body) <= MAX_LEVELS, f"{path} {name}: {levels(node.body)} levels"


def test_levels_count_nested_blocks_but_not_an_elif() -> None:
    source = (
        "def f(x):\n"
        "    for a in x:\n"
        "        if a:\n"
        "            try:\n"
        "                with a:\n"
        "                    pass\n"
        "            except E:\n"
        "                pass\n"
        "        elif a:\n"
        "            pass\n"
        "        elif b:\n"
        "            pass\n"
        "        else:\n"
        "            pass\n"
    )
    [node] = ast.parse(source).body
    assert isinstance(node, ast.FunctionDef)
    assert levels(node.body) == 4
    assert levels(ast.parse("if a:\n    pass\nelif b:\n    pass\n").body) == 1
