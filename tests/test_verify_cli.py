"""``deploybot verify-live``: step 3's checks run now from the command line, each said on its
own line, exit 1 when one fails — printed from what the checks saw, not read back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main

ENV = {"ZAMMAD_TOKEN": "demo-token", "GITLAB_TOKEN": "demo-token"}


@pytest.fixture
def listening() -> Iterator[int]:
    """A port that accepts connections (a system that is up)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield int(server.getsockname()[1])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed once the block ends


def cli(config: Path, *args: str) -> Result:
    return CliRunner(env=ENV).invoke(main, [*args, "--config", str(config)])


def with_checks(config: Path, up: int, down: int) -> None:
    """DIBA's sync server (up) and its console's port (down), checked in step 3."""
    text = config.read_text(encoding="utf-8")
    checks = (f"    default_duration: 15m\n    checks:\n"
              f"      - {{name: syncserver, tcp: '127.0.0.1:{up}', timeout: 2s}}\n"
              f"      - {{name: console, tcp: '127.0.0.1:{down}', timeout: 2s}}\n")  # fmt: skip
    config.write_text(text.replace("    default_duration: 15m\n", checks, 1), encoding="utf-8")


def request(config: Path) -> None:
    result = cli(config, "request", "--customer", "DIBA", "--components", "addon-diba 3.2.11",
                 "--email", "npuig@diba.example", "--customer-validated")  # fmt: skip
    assert result.exit_code == 0, result.output


def test_verify_live_says_each_check_and_fails_when_one_does(
    config_file: Path, listening: int
) -> None:
    with_checks(config_file, listening, closed_port())
    request(config_file)
    result = cli(config_file, "verify-live", "DIBA-2026-0001", "--by", "marta")
    assert result.exit_code == 1, result.output
    assert "  ✓ syncserver: passed" in result.output
    assert "  ✗ console: " in result.output and "refused" in result.output


def test_verify_live_without_checks_says_so(config_file: Path) -> None:
    request(config_file)
    result = cli(config_file, "verify-live", "DIBA-2026-0001")
    assert result.exit_code == 0, result.output
    assert "DIBA has no checks configured (checks, monitoring)" in result.output
