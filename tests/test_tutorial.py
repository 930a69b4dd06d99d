"""The tutorial works: the blocks of docs/tutorial.md marked for it run, in the page's order, in
an empty folder against the Zammad and GitLab emulators on loopback (on free ports in place of
the page's 8081 and 8082), and end with the first deployment booked."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).parent.parent / "docs" / "tutorial.md"
STEP = re.compile(r"<!-- tutorial: (run|file ([^ ]+)) -->\n```\w*\n(.*?)\n```", re.DOTALL)


def tutorial_script(text: str) -> str:
    """The page's marked blocks as one shell script: files written, commands run, in order."""
    lines = ["set -euo pipefail"]
    for step, name, body in STEP.findall(text):
        if step == "run":
            lines.append(body)
        else:
            lines.append(f"cat > {name} <<'TUTORIAL_EOF'\n{body}\nTUTORIAL_EOF")
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def emulators() -> Iterator[dict[str, int]]:
    ports = {"zammad": _free_port(), "gitlab": _free_port()}
    processes = []
    try:
        for system, port in ports.items():
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "emulate", system, "--port", str(port)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            processes.append(process)
            assert process.stdout is not None
            assert f"127.0.0.1:{port}" in process.stdout.readline()
        yield ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def test_the_page_marks_every_step_from_the_configuration_to_the_booking() -> None:
    script = tutorial_script(TUTORIAL.read_text(encoding="utf-8"))
    order = ["cat > deploybot.yaml", "cat > .env", "validate-config", "setup zammad --apply",
             "doctor", "verify 7412280", "run --once", "deploy-slot-1", "show DIBA"]  # fmt: skip
    positions = [script.index(step) for step in order]
    assert positions == sorted(positions)


def test_the_tutorial_books_the_first_deployment(tmp_path: Path, emulators: dict[str, int]) -> None:
    script = tutorial_script(TUTORIAL.read_text(encoding="utf-8"))
    script = script.replace(":8081", f":{emulators['zammad']}")
    script = script.replace(":8082", f":{emulators['gitlab']}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOYBOT_", "ZAMMAD_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Everything deploybot needs is in place." in done.stdout
    assert "all 13 prerequisites pass" in done.stdout
    assert "DIBA-2026-0001  DIBA PRO  scheduled" in done.stdout
    kinds = sorted(p.name.split(".")[1] for p in (tmp_path / "mail-out").glob("*.eml"))
    assert kinds == ["invitation", "schedule"]
    assert (tmp_path / "DEPLOYMENTS" / "DIBA - Deployment log.xlsx").exists()
