"""The service files in deploy/: the systemd unit passes ``systemd-analyze verify`` (where it
exists) with its hardening, the container runs as a user with a health check and volumes, and
compose brings PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_systemd_unit_verifies_and_is_hardened(tmp_path: Path) -> None:
    unit = (DEPLOY / "deploybot.service").read_text(encoding="utf-8")
    for setting in ("User=deploybot", "ProtectSystem=strict", "StateDirectory=deploybot",
                    "EnvironmentFile=/etc/deploybot/deploybot.env", "Restart=on-failure",
                    "NoNewPrivileges=true"):  # fmt: skip
        assert setting in unit
    here = str(Path(sys.executable).parent / "deploybot")  # an executable that exists here
    copy = tmp_path / "deploybot.service"
    copy.write_text(unit.replace("/opt/deploybot/venv/bin/deploybot", here), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                            text=True, cwd=tmp_path)  # fmt: skip
    problems = [line for line in result.stderr.splitlines() if "deploybot.service" in line]
    assert problems == [], result.stderr


def test_the_container_runs_unprivileged_with_a_health_check_and_volumes() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "USER deploybot" in dockerfile and "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile and "VOLUME" in dockerfile
    assert dockerfile.index("USER deploybot") < dockerfile.index("ENTRYPOINT")


def test_compose_brings_postgresql_and_waits_for_it() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["deploybot"]["depends_on"]["db"]["condition"] == "service_healthy"
