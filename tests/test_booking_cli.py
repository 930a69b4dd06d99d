"""A request made by email only, booked through its link on the pages of ``deploybot serve``
(a separate process on the daemon's store), then accepted from the command line: the proposals
email carries the link, the page acts as the daemon would, ``deploybot accept`` books."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from bot.cli import main
from tests.booking_side import choose, offered, token_in
from tests.servers import free_port

ENV = {"ZAMMAD_TOKEN": "demo-token", "GITLAB_TOKEN": "demo-token",
       "DEPLOYBOT_BOOKING_SECRET": "serve-secret", "DEPLOYBOT_PAGES_TOKEN": "pages"}  # fmt: skip


@pytest.fixture
def booking_config(config_file: Path) -> Path:
    """The example configuration on the emulators, with booking links."""
    text = config_file.read_text(encoding="utf-8").replace(
        "  port: 8780\n", "  port: 8780\n  public_url: https://deploybot.example\n"
        "  booking_secret_env: DEPLOYBOT_BOOKING_SECRET\n", 1)  # fmt: skip
    config_file.write_text(text, encoding="utf-8")
    return config_file


@pytest.fixture
def served(booking_config: Path) -> Iterator[str]:
    """``deploybot serve`` on a free port, in its own process."""
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", "0",
               "--config", str(booking_config)]  # fmt: skip
    process = subprocess.Popen(command, env=os.environ | ENV, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()
    try:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/calendar", first)
        assert found, first
        yield f"http://127.0.0.1:{found.group(1)}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def mails(folder: Path, kind: str) -> list[email.message.EmailMessage]:
    paths = sorted(folder.glob(f"*.{kind}.*.eml"))
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]


def cli(*args: str, config: Path) -> str:
    result = CliRunner(env=ENV).invoke(main, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_email_request_is_booked_through_its_link_on_serve_and_accepted(
    booking_config: Path, served: str
) -> None:
    out = cli("request", "--customer", "DIBA", "--components", "addon-diba 3.2.11",
              "--email", "npuig@diba.example", "--customer-validated", "--rollback-plan", "auto",
              config=booking_config)  # fmt: skip
    assert "The proposals went to the customer by email, with a booking link." in out
    folder = booking_config.parent / "mail-out"
    [proposals] = mails(folder, "proposals")
    assert proposals["To"] == "Núria Puig <npuig@diba.example>"
    token = token_in([proposals.get_body(("plain",)).get_content()])  # type: ignore[union-attr]
    page = choose(served, token, "first")  # not a slot: the page says so, nothing is booked
    assert page.status_code == 400 and "No hem entès la franja" in page.text
    assert "responeu el nostre correu" in page.text  # no ticket to answer
    assert "responeu al tiquet" not in page.text
    chosen = choose(served, token, offered(page.text)[0])
    assert chosen.status_code == 200 and "Hem rebut la vostra elecció" in chosen.text
    deadline = time.monotonic() + 15
    while not mails(folder, "chosen") and time.monotonic() < deadline:
        time.sleep(0.1)  # serve carries the effects out right after answering
    [receipt] = mails(folder, "chosen")
    assert "soporte@soffid.example" in receipt["Cc"]  # no ticket: the team learns it by email
    shown = cli("show", "DIBA-2026-0001", config=booking_config)
    assert "por npuig@diba.example desde el enlace, pendiente de deploy-accept" in shown
    accepted = cli("accept", "DIBA-2026-0001", "--by", "marta", config=booking_config)
    assert "scheduled" in accepted
    assert mails(folder, "schedule") and mails(folder, "invitation")
    refused = CliRunner(env=ENV).invoke(main, ["accept", "DIBA-2026-0001", "--config",
                                               str(booking_config)])  # fmt: skip
    assert refused.exit_code == 2
    assert "the customer has chosen no slot through the booking link" in refused.output


def test_serve_listens_on_the_configured_port_and_its_links_answer_there(
    booking_config: Path,
) -> None:
    port = free_port()
    text = booking_config.read_text(encoding="utf-8").replace("  port: 8780\n", f"  port: {port}\n")
    booking_config.write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "bot.cli", "serve", "--config", str(booking_config)]
    process = subprocess.Popen(command, env=os.environ | ENV, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    assert process.stdout is not None
    try:
        assert process.stdout.readline().startswith(f"http://127.0.0.1:{port}/calendar")
        cli("request", "--customer", "DIBA", "--components", "addon-diba 3.2.11",
            "--email", "npuig@diba.example", "--customer-validated", "--rollback-plan", "auto",
            config=booking_config)  # fmt: skip
        [proposals] = mails(booking_config.parent / "mail-out", "proposals")
        body = proposals.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        token = token_in([body])
        assert f"https://deploybot.example/book/{token}" in body
        page = requests.get(f"http://127.0.0.1:{port}/book/{token}", timeout=10)
        assert page.status_code == 200 and offered(page.text)
    finally:
        process.terminate()
        process.wait(timeout=10)
