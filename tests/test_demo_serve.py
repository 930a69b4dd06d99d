"""The demo's farewell names one command that serves its change calendar and answers its
booking link: run as printed (on a free port), the link's page says where the deployment stands
and the calendar opens with the printed token."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture(scope="module")
def farewell(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The lines the demo ends with, after the artifacts."""
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.stdout.split("The change calendar", 1)[1].splitlines()


@pytest.fixture
def served(farewell: list[str]) -> Iterator[str]:
    """The farewell's command, its variables set as it sets them, on a free port."""
    [line] = [line for line in farewell if " serve " in line]
    words = shlex.split(line)
    at = next(i for i, word in enumerate(words) if word.endswith("deploybot"))
    variables = dict(word.split("=", 1) for word in words[:at])
    command = [sys.executable, "-m", "bot.cli", *words[at + 1 :], "--port", "0"]
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOYBOT_", "ZAMMAD_"))}
    process = subprocess.Popen(command, env=environ | variables, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()
    try:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/calendar", first)
        assert found, first + process.stdout.read()
        yield f"http://127.0.0.1:{found.group(1)}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _printed(farewell: list[str], path: str) -> str:
    """The path and query of the local address the farewell prints for ``path``."""
    [address] = [w for line in farewell for w in line.split() if f"127.0.0.1:8780{path}" in w]
    return address.split("127.0.0.1:8780", 1)[1]


def test_the_demos_spent_link_answers_on_the_printed_serve_with_where_it_stands(
    farewell: list[str], served: str
) -> None:
    page = requests.get(served + _printed(farewell, "/book/"), timeout=10)
    assert page.status_code == 410, page.text
    assert "El desplegament es va fer el dilluns 30 de novembre a les 09:00." in page.text


def test_the_demos_change_calendar_opens_with_the_printed_token(
    farewell: list[str], served: str
) -> None:
    page = requests.Session().get(served + _printed(farewell, "/calendar"), timeout=10)
    assert page.status_code == 200
    assert "DIBA-2026-0001" in page.text
