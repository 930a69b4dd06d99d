"""Setting deploybot up with Google: the configuration says what is missing, ``doctor`` checks
the folder, the template and the calendar, ``deploybot emulate google`` hands out a key file
that the official client library signs in with, and the demo takes its backend from the
environment."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app.ops.doctor import Finding, diagnose
from bot.app.outbox.executors import is_permanent
from bot.cli import main
from bot.cli.demo import google_config
from bot.config.loading import ConfigError, load_config
from bot.config.models import Config
from bot.resources import example_config_path
from integrations.google_api import GoogleApiError, GoogleApis, GoogleSettings
from integrations.log_drive import DriveFolder
from tests.google_side import ACCOUNT, CALENDAR, FOLDER, GoogleSide
from tests.test_config_errors import BASE, write
from tests.test_emulate_cli import serve

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_a_google_backend_without_folder_or_key_names_both(tmp_path: Path) -> None:
    text = BASE + "deployment_log: {backend: google_sheets}\n"

    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))

    assert {p.path: p.message for p in caught.value.problems} == {
        "deployment_log.folder_id": "backend: google_sheets needs the Drive folder's id (the end "
        "of its address, https://drive.google.com/drive/folders/<folder_id>)",
        "deployment_log.backend": "Google needs a google: section naming the service account's "
        "key file (google: {credentials_file: …}, or GOOGLE_APPLICATION_CREDENTIALS)",
    }


def test_an_unknown_backend_lists_the_three(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "validate-config",
            "--config",
            str(write(tmp_path, BASE + "deployment_log: {backend: s3}\n")),
        ],
    )

    assert result.exit_code == 2
    assert "'s3' is not one of 'folder', 'google_drive' or 'google_sheets'" in result.stderr


def with_google(google: GoogleSide, backend: str = "google_sheets") -> Config:
    return google_config(load_config(example_config_path()), backend, google.key_file, google.url)


def google_findings(config: Config) -> list[Finding]:
    wanted = ("Drive folder", "log template", "Google Calendar", "deployment log of DIBA")
    return [f for f in diagnose(config, now=NOW) if f.what.startswith(wanted)]


def test_doctor_finds_the_folder_the_template_and_the_calendar(google: GoogleSide) -> None:
    lines = [finding.line() for finding in google_findings(with_google(google))]

    assert lines == [
        f"✓ Drive folder, as {ACCOUNT}: folder 'DEPLOYMENTS' (in a shared drive): deploybot may "
        "add and change files",
        "✓ log template: 'TEMPLATE - Deployment log' found",
        f"✓ Google Calendar {CALENDAR}: calendar 'Despliegues': writer",
        "✓ deployment log of DIBA: no DIBA - Deployment log yet: it will be copied from "
        "'TEMPLATE - Deployment log'",
    ]


def test_doctor_says_what_to_share_when_the_folder_and_calendar_are_read_only(
    google: GoogleSide,
) -> None:
    google.app.drive.access["0ASoffidSharedDriveUk9PVA"][ACCOUNT] = "reader"
    google.app.calendar.calendars[CALENDAR].acl[ACCOUNT] = "reader"

    failed = [f for f in diagnose(with_google(google, "google_drive"), now=NOW) if not f.ok]
    failed = [f for f in failed if f.what in ("Google", "calendar")]

    assert [f.what for f in failed] == ["Google", "calendar"]
    assert "share it with the service account as Editor" in failed[0].detail
    assert "'Make changes to events'" in failed[1].detail


def test_doctor_names_a_missing_key_file(google: GoogleSide, tmp_path: Path) -> None:
    config = google_config(
        load_config(example_config_path()), "google_drive", tmp_path / "nope.json", google.url
    )

    [failed] = [f for f in diagnose(config, now=NOW) if f.what == "Google"]

    assert (
        failed.detail
        == f"{tmp_path / 'nope.json'}: cannot read the key file: No such file or directory"
    )
    assert "google.credentials_file" in failed.fix


def test_emulate_google_hands_out_a_key_the_client_library_signs_in_with(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    process, first, port = serve("google", "--key-file", str(key))
    try:
        assert first.strip() == (
            f"google emulator on http://127.0.0.1:{port}  (Drive v3, Sheets v4, Calendar v3, OAuth)"
        )
        apis = GoogleApis(GoogleSettings(key, api_url=f"http://127.0.0.1:{port}"))
        assert DriveFolder(apis, FOLDER).find("TEMPLATE - Deployment log.xlsx") is not None
        assert oct(key.stat().st_mode & 0o777) == "0o600"
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_the_demo_refuses_an_unknown_backend() -> None:
    result = CliRunner(env={"DEPLOYBOT_DEMO_BACKEND": "dropbox"}).invoke(main, ["demo"])

    assert result.exit_code == 2
    assert "DEPLOYBOT_DEMO_BACKEND='dropbox': write one of folder, google_drive, google_sheets" in (
        result.stderr
    )


def test_the_shell_loads_the_google_client_library_only_when_configured() -> None:
    code = (
        "import sys, bot.app.run.wiring, bot.app.run.service;"
        " print('googleapiclient' in sys.modules)"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert loaded.stdout.strip() == "False"


def test_google_refusing_the_request_itself_is_permanent_sharing_is_not() -> None:
    assert is_permanent(GoogleApiError("Google Sheets: Invalid requests[0]", 400))
    assert not is_permanent(GoogleApiError("Google Drive: File not found: 1x.", 404))
    assert not is_permanent(GoogleApiError("Google Drive: insufficient permissions", 403))


def test_doctor_signs_in_to_google_once_for_every_check(google: GoogleSide) -> None:
    list(diagnose(with_google(google), now=NOW))  # every check run

    sign_ins = [entry for entry in google.app.log if entry.endpoint == "token"]
    assert len(sign_ins) == 1
