"""``deploybot doctor`` against the emulators, a real SMTP server (aiosmtpd) and CalDAV
(Radicale): red before ``setup zammad``, green after; every line says what to fix."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.resources import example_config_path
from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator
from tests.servers import SmtpSink, caldav_server, free_port, smtp_sink

ENV = {
    "ZAMMAD_TOKEN": "demo-token",
    "GITLAB_TOKEN": "demo-token",
    "ZAMMAD_ADMIN_TOKEN": "admin-token",
    "CALDAV_PASSWORD": "s3cret",
    "CALDAV_USER": "deploybot",
}


@pytest.fixture
def strict(demo_scenario: dict[str, Any]) -> Iterator[RunningEmulator]:
    scenario = copy.deepcopy(demo_scenario)
    scenario["zammad"]["tag_new"] = False
    with RunningEmulator(ZammadEmulator(scenario)) as running:
        yield running


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as running:
        yield running


@pytest.fixture
def caldav_url(tmp_path: Path) -> Iterator[str]:
    with caldav_server(tmp_path / "radicale") as url:
        yield url


def config_file(tmp_path: Path, zammad: str, gitlab: str, smtp_port: int, caldav: str) -> Path:
    text = example_config_path().read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:8081", zammad).replace("http://127.0.0.1:8082", gitlab)
    text = text.replace(
        "smtp:\n  transport: directory\n  directory: mail-out\n",
        f"smtp:\n  transport: smtp\n  host: 127.0.0.1\n  port: {smtp_port}\n  starttls: false\n",
    ).replace(
        "calendar:\n  ics_dir: calendar\n",
        "calendar:\n  ics_dir: calendar\n  caldav:\n"
        f"    url: '{caldav}'\n    calendar: deployments\n"
        "    username_env: CALDAV_USER\n    password_env: CALDAV_PASSWORD\n",
    )
    path = tmp_path / "deploybot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env or ENV).invoke(main, [*args, "--config", str(path)])


@pytest.mark.both_searches
def test_doctor_is_red_before_setup_and_green_after(
    tmp_path: Path,
    strict: RunningEmulator,
    gitlab: RunningEmulator,
    sink: SmtpSink,
    caldav_url: str,
) -> None:
    path = config_file(tmp_path, strict.url, gitlab.url, sink.port, caldav_url)
    before = run(path, "doctor")
    assert before.exit_code == 1, before.output
    assert "✗ Zammad tags: missing: deploy, deploy-blocked, deploy-ready" in before.stdout
    assert "run `deploybot setup zammad --apply` with an admin token" in before.stdout
    assert "✓ Zammad organization of DIBA: Diputació de Barcelona" in before.stdout
    assert "✓ GitLab project soffid/addons/diba: reads releases, pipelines" in before.stdout
    assert f"✓ SMTP 127.0.0.1:{sink.port}: connected, EHLO" in before.stdout
    assert f"✓ CalDAV {caldav_url}: no calendar 'deployments' yet" in before.stdout
    assert "✓ templates for DIBA: every email in ca" in before.stdout
    assert "✓ holidays of ES-CT: known for" in before.stdout
    assert "demo-token" not in before.stdout and "s3cret" not in before.stdout
    setup = run(path, "setup", "zammad", "--apply", "--token-env", "ZAMMAD_ADMIN_TOKEN")
    assert setup.exit_code == 0, setup.output
    after = run(path, "doctor")
    assert after.exit_code == 0, after.output
    assert "Everything deploybot needs is in place." in after.stdout
    assert sink.received == []  # the doctor sends nothing


def test_doctor_names_a_missing_secret_and_a_wrong_token(
    tmp_path: Path, zammad: RunningEmulator, gitlab: RunningEmulator, sink: SmtpSink,
    caldav_url: str,
) -> None:  # fmt: skip
    path = config_file(tmp_path, zammad.url, gitlab.url, sink.port, caldav_url)
    env = dict(ENV, ZAMMAD_TOKEN="not-the-token-9f3a")
    del env["CALDAV_PASSWORD"]
    result = run(path, "doctor", env=env)
    assert result.exit_code == 1
    assert "✗ CalDAV password: set the environment variable CALDAV_PASSWORD\n" in result.stdout
    calendar = [line for line in result.stdout.splitlines() if line.startswith("✗ calendar")]
    assert calendar == ["✗ calendar: not checked: CalDAV password: set the environment variable "
                        "CALDAV_PASSWORD"], calendar  # fmt: skip
    assert "Can't find User for Token" in result.stdout
    assert "not-the-token-9f3a" not in result.stdout


def test_doctor_says_when_zammad_search_misses_an_organization_that_exists(
    tmp_path: Path, demo_scenario: dict[str, Any], gitlab: RunningEmulator, sink: SmtpSink,
    caldav_url: str,
) -> None:  # fmt: skip
    scenario = copy.deepcopy(demo_scenario)
    scenario["zammad"].update(search="es", index_lag_seconds=3600)  # a stale index
    with RunningEmulator(ZammadEmulator(scenario)) as lagging:
        path = config_file(tmp_path, lagging.url, gitlab.url, sink.port, caldav_url)
        result = run(path, "doctor")
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if "organization of DIBA" in x)
    assert line.startswith("✗ Zammad organization of DIBA: 'Diputació de Barcelona' exists (id 1)")
    assert "but Zammad's search does not find it" in line
    assert "rebuild the index (`zammad run rake zammad:searchindex:rebuild`)" in line
    assert "✓ Zammad ticket look-up by number: ticket" in result.stdout


def test_doctor_says_it_is_still_trying_a_system_that_refuses_and_goes_on_in_order(
    tmp_path: Path, gitlab: RunningEmulator, sink: SmtpSink, caldav_url: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: every attempt is refused
    path = config_file(tmp_path, closed, gitlab.url, sink.port, caldav_url)
    text = path.read_text(encoding="utf-8").replace(
        "  poll_seconds: 60\n", "  poll_seconds: 60\n  max_attempts: 3\n", 1
    )
    path.write_text(text, encoding="utf-8")  # fmt: skip
    lines = run(path, "doctor").stdout.splitlines()
    waits = [n for n, line in enumerate(lines) if line.startswith("  … Zammad: no answer yet")]
    assert [lines[n].split("(")[1][:3] for n in waits] == ["1/3", "2/3"], lines
    [failed] = [n for n, line in enumerate(lines) if line.startswith("✗ Zammad:")]
    [gitlab_line] = [n for n, line in enumerate(lines) if line.startswith("✓ GitLab:")]
    assert waits[-1] < failed < gitlab_line  # the retries, then the verdict, then the next


def test_doctor_checks_the_server_section(
    tmp_path: Path, zammad: RunningEmulator, gitlab: RunningEmulator, sink: SmtpSink,
    caldav_url: str,
) -> None:  # fmt: skip
    path = config_file(tmp_path, zammad.url, gitlab.url, sink.port, caldav_url)
    text = path.read_text(encoding="utf-8").replace(
        "  port: 8780\n", "  port: 8780\n  public_url: http://deploybot.example\n"
        "  booking_secret_env: BOOKING_SECRET\n", 1)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    result = run(path, "doctor", env=dict(ENV, BOOKING_SECRET="short"))
    assert result.exit_code == 1
    assert "✗ server.public_url: http://deploybot.example is plain HTTP" in result.stdout
    assert "✗ pages token: server.token_env names none" in result.stdout
    assert "✗ booking link secret strength: 5 bytes, fewer than 32" in result.stdout
    assert "short" not in result.stdout.replace("shorter", "")
