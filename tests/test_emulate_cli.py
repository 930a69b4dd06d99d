"""`deploybot emulate` starts a server a person can curl."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(system: str, *extra: str) -> tuple[subprocess.Popen[str], str, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "emulate", system, "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    return process, first, port


def test_emulate_zammad_serves_the_demo_scenario() -> None:
    process, first, port = serve("zammad")
    try:
        assert first.strip() == (
            f"zammad emulator on http://127.0.0.1:{port}  (token: demo-token, no Elasticsearch)"
        )
        answer = requests.get(
            f"http://127.0.0.1:{port}/api/v1/tickets/1?all=true",
            headers={"Authorization": "Token token=demo-token"},
            timeout=5,
        )
        assert answer.status_code == 200
        assert answer.json()["tags"] == ["customer-validated"]
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_emulate_gitlab_with_a_scenario_file(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "token: t0k\ngitlab:\n  projects:\n    - {id: 7, path: a/b, releases: []}\n",
        encoding="utf-8",
    )
    process, first, port = serve("gitlab", "--scenario", str(scenario))
    try:
        assert "(token: t0k)" in first
        url = f"http://127.0.0.1:{port}/api/v4/projects/a%2Fb"
        assert requests.get(url, headers={"PRIVATE-TOKEN": "t0k"}, timeout=5).json()["id"] == 7
        assert requests.get(url, timeout=5).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_emulate_reports_an_unreadable_scenario(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "emulate",
            "zammad",
            "--scenario",
            str(tmp_path / "missing.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "missing.yaml: cannot read it: No such file or directory" in result.stderr


def test_emulate_zammad_with_elasticsearch_reads_its_query_language() -> None:
    process, first, port = serve("zammad", "--search", "es")
    try:
        assert first.strip().endswith("(token: demo-token, search with Elasticsearch)")
        answer = requests.get(
            f"http://127.0.0.1:{port}/api/v1/tickets/search",
            params={"query": "number:7412301"},
            headers={"Authorization": "Token token=demo-token"},
            timeout=5,
        )
        assert answer.json()["tickets"] == [2]  # the index holds it, articles or not
    finally:
        process.terminate()
        process.wait(timeout=5)
