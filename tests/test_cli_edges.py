"""Command-line edges a person meets by mistake: each answered with one line that says what is
wrong, never a traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.resources import example_config_path

ENV = {"DEPLOYBOT_PAGES_TOKEN": "t0k", "ZAMMAD_TOKEN": "demo-token", "GITLAB_TOKEN": "x"}


def run(*args: str) -> Result:
    return CliRunner(env=ENV).invoke(main, [*args, "--config", str(example_config_path())])


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


def test_serve_on_a_busy_port_says_so(busy_port: int, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    assert run("demo", "--out", str(tmp_path)).exit_code == 0
    result = run("serve", "--port", str(busy_port), "--state", str(state))
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{busy_port}: Address already in use" in result.output
    assert "Traceback" not in result.output and "AttributeError" not in result.output


def test_serve_refuses_a_state_that_is_missing_or_not_deploybots(tmp_path: Path) -> None:
    missing = run("serve", "--state", str(tmp_path / "typo" / "state.sqlite"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert not (tmp_path / "typo").exists()  # nothing created by a typo
    foreign = tmp_path / "passwd"
    foreign.write_text("root:x:0:0:root:/root:/bin/bash\n")
    refused = run("serve", "--state", str(foreign))
    assert refused.exit_code == 2 and "not a deploybot state" in refused.output
    assert "sqlalchemy" not in refused.output.lower()


def test_plan_from_the_end_of_time_is_refused_in_one_line() -> None:
    result = run("plan", "DIBA", "--from", "9999-12-30")
    assert result.exit_code == 2
    assert "--from 9999-12-30: too far ahead" in result.output
    assert "OverflowError" not in result.output


@pytest.mark.parametrize("name", ["Núria\r\n2026-12-01 INFO forged", "tab\there", "bell\x07"])
def test_a_name_with_a_line_break_or_control_character_is_refused(name: str) -> None:
    result = run("cancel", "DIBA-2026-0001", "--by", name)
    assert result.exit_code == 2
    assert "a name on one line, without control characters" in result.output
