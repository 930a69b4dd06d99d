"""The lifecycle from the command line: run --once, status, email-only requests, the demo."""

from __future__ import annotations

import json
import os
import pwd
import re
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from bot.cli import main
from bot.cli.demo import DEMO_START
from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(DEMO_START, tick=False):
        yield


def cli(config: Path, *args: str, tokens: bool = True) -> Result:
    env = {"ZAMMAD_TOKEN": "demo-token", "GITLAB_TOKEN": "demo-token"} if tokens else {}
    return CliRunner(env=env).invoke(main, [*args, "--config", str(config)])


def test_run_once_drives_a_tagged_ticket_to_a_prerequisite_report(
    config_file: Path, zammad: RunningEmulator
) -> None:
    app: ZammadEmulator = zammad.app  # type: ignore[assignment]
    app.set_tags(1, ["customer-validated", "deploy"])
    result = cli(config_file, "run", "--once")
    assert result.exit_code == 0, result.output
    notes = [a["body"] for a in app.ticket_articles(1) if "deploybot ref" in a["body"]]
    assert "Prerrequisitos del despliegue DIBA PRO" in notes[0]
    assert "deploy" not in app.tags[1] and "deploy-ready" in app.tags[1]
    status = cli(config_file, "status", "--json")
    data = json.loads(status.stdout)
    assert [(d["id"], d["state"]) for d in data["deployments"]] == [("DIBA-2026-0001", "ready")]
    assert data["outbox"] == []


def test_run_without_tokens_names_the_missing_variable(config_file: Path) -> None:
    result = cli(config_file, "run", "--once", tokens=False)
    assert result.exit_code == 2
    assert "set the environment variable ZAMMAD_TOKEN" in result.output


def test_an_email_only_request_follows_the_lifecycle_in_its_thread(config_file: Path) -> None:
    requested = cli(
        config_file, "request", "--customer", "diba", "--components", "addon-diba 3.2.11",
        "--email", "Jordi Mas <jordi@diba.example>", "--thread", "<req-42@mail.diba.example>",
        "--description", "Petició per correu: organismes", "--customer-validated",
        "--rollback-plan", "auto",
    )  # fmt: skip
    assert requested.exit_code == 0, requested.output
    assert "DIBA PRO: se cumplen los 13 prerrequisitos" in requested.stdout
    assert "proposal 1: 2026-11-30 09:00" in requested.stdout
    # The same draft for the customer as the proposals note in Zammad, in Catalan for DIBA.
    assert "Text for the customer:" in requested.stdout
    assert "1. dilluns 30 de novembre del 2026 a les 09:00" in requested.stdout
    assert "DIBA-2026-0001: ready" in requested.stdout
    scheduled = cli(config_file, "schedule", "DIBA-2026-0001", "2026-11-30", "09:00")
    assert "DIBA-2026-0001: scheduled" in scheduled.stdout, scheduled.output
    early = cli(config_file, "start", "DIBA-2026-0001")  # Thursday, for a Monday booking
    assert early.exit_code == 1
    assert "DIBA-2026-0001: scheduled" in early.stdout, early.output
    assert "es fuera de la franja reservada (30/11/2026 09:00–09:15)" in early.stdout
    with time_machine.travel(datetime.fromisoformat("2026-11-30T08:55:00+01:00"), tick=False):
        started = cli(config_file, "start", "DIBA-2026-0001", "--by", "Núria Puig")
        assert "DIBA-2026-0001: in_progress" in started.stdout, started.output
        assert "Lista de comprobación de DIBA-2026-0001 (DIBA PRO)" in started.stdout
        assert "\n  ☐ Activar el modo mantenimiento.\n" in started.stdout
        done = cli(config_file, "done", "diba-2026-0001")
    assert "DIBA-2026-0001: completed" in done.stdout, done.output
    end = next((config_file.parent / "mail-out").glob("DIBA-2026-0001.end.0_*.eml"))
    message = message_from_bytes(end.read_bytes(), policy=policy.default)
    assert "jordi@diba.example" in str(message["To"])
    assert message["References"] == (
        "<req-42@mail.diba.example> <DIBA-2026-0001.start.0@soffid.example>"
    )
    history = cli(config_file, "show", "DIBA-2026-0001").stdout.splitlines()
    assert history[0] == "DIBA-2026-0001  DIBA PRO  completed"
    events = [line.split()[2] for line in history if re.match(r"^  \d\d/\d\d/\d{4} ", line)]
    # The first start (on Thursday) was refused at the terminal: it changed nothing.
    assert events == ["deploy", "deploy-schedule", "deploy-start", "deploy-done"]
    assert any("deploy-start" in line and line.endswith("cli/Núria Puig") for line in history)
    end_line = "  [done] correo '[DIBA-2026-0001] Desplegament a producció de DIBA completat' a "
    assert any(
        line.startswith(end_line) and "Jordi Mas <jordi@diba.example>" in line for line in history
    )


def test_a_refused_cli_schedule_says_nothing_changed(config_file: Path) -> None:
    cli(
        config_file, "request", "--customer", "DIBA", "--components", "addon-diba 3.2.11",
        "--email", "jordi@diba.example", "--customer-validated", "--rollback-plan", "auto",
    )  # fmt: skip
    friday = cli(config_file, "schedule", "DIBA-2026-0001", "04/12/2026", "9:30")
    assert friday.exit_code == 1
    assert "DIBA-2026-0001: ready" in friday.stdout
    assert "nothing changed:" in friday.stdout
    assert "- es viernes" in friday.stdout
    unknown = cli(config_file, "start", "DIBA-2026-0099")
    assert unknown.exit_code == 1 and "no hay ningún despliegue DIBA-2026-0099" in unknown.output
    assert "`deploybot status` lista los abiertos" in unknown.output


def test_the_demo_leaves_every_artifact_and_repeats_identically(tmp_path: Path) -> None:
    runs = []
    for _ in range(2):
        out = tmp_path / "demo-output"
        result = CliRunner().invoke(main, ["demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
        contents = {
            # The emulators listen on free ports, which links in notes mention.
            name: re.sub(rb"127\.0\.0\.1:\d+", b"127.0.0.1:PORT", (out / name).read_bytes())
            for name in files
            if name.endswith((".eml", ".ics", ".json"))
        }
        runs.append((files, contents, result.stdout))
    files, contents, stdout = runs[0]
    assert runs[1] == runs[0]
    kinds = sorted(name.split(".")[1] for name in files if name.endswith(".eml"))
    assert kinds == ["chosen", "delay", "end", "invitation", "schedule", "start"]
    assert "booking-page.html" in files  # the customer chose through the link's page
    assert "the page says: Hem rebut la vostra elecció: el dilluns 30 de novembre" in stdout
    assert "deploy-schedule (tag) ready->scheduled" in stdout  # Marta's deploy-accept
    assert "DEPLOYMENTS/DIBA - Deployment log.xlsx" in files
    assert "zammad-state.json" in files and "state.sqlite" in files
    assert "DIBA-2026-0001 is completed" in stdout
    state = json.loads(contents["zammad-state.json"])
    assert sorted(state["tickets"][0]["tags"]) == ["customer-validated", "deployed"]


def test_status_of_an_empty_store(config_file: Path) -> None:
    result = cli(config_file, "status")
    assert result.exit_code == 0
    assert "Salida: 0 pendiente(s)" in result.stdout


def test_status_of_one_customer_shows_only_its_deployments_timers_and_effects(
    config_file: Path,
) -> None:
    with config_file.open("a", encoding="utf-8") as text:
        text.write("  - name: DIB\n    holidays: {country: ES, subdiv: CT}\n")
    requested = cli(
        config_file, "request", "--customer", "diba", "--components", "addon-diba 3.2.11",
        "--email", "Jordi Mas <jordi@diba.example>", "--customer-validated",
        "--rollback-plan", "auto",
    )  # fmt: skip
    assert requested.exit_code == 0, requested.output
    log = config_file.parent / "DEPLOYMENTS" / "DIBA - Deployment log.xlsx"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"a sync conflict")  # DIBA's log row stays pending in the outbox
    cli(config_file, "schedule", "DIBA-2026-0001", "2026-11-30", "09:00")
    mine = json.loads(cli(config_file, "status", "--customer", "DIB", "--json").stdout)
    assert mine == {"deployments": [], "timers": [], "outbox": []}
    theirs = json.loads(cli(config_file, "status", "--customer", "DIBA", "--json").stdout)
    assert [d["id"] for d in theirs["deployments"]] == ["DIBA-2026-0001"]
    assert [i["deployment"] for i in theirs["outbox"]] == ["DIBA-2026-0001"]


def test_status_shows_whole_ids_and_starts_on_a_narrow_terminal(config_file: Path) -> None:
    cli(
        config_file, "request", "--customer", "DIBA", "--components", "addon-diba 3.2.11",
        "--email", "Jordi Mas i Puigdomènech <jordi.mas.puigdomenech@diba.example>, "
        "Laura Ferrer <laura.ferrer@diba.example>", "--customer-validated",
    )  # fmt: skip
    cli(config_file, "schedule", "DIBA-2026-0001", "2026-11-30", "09:00", "--force", "test")
    env = {"ZAMMAD_TOKEN": "t", "GITLAB_TOKEN": "t", "COLUMNS": "60"}
    result = CliRunner(env=env).invoke(main, ["status", "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    [row] = [line for line in result.stdout.splitlines() if line.startswith("│ DIBA-")]
    assert "30/11/2026 09:00" in row  # the id and the start, each whole on one line
    assert max(len(line) for line in result.stdout.splitlines()) <= 60


def test_status_all_shows_the_newest_and_counts_every_state(config_file: Path) -> None:
    for _ in range(2):
        cli(
            config_file, "request", "--customer", "DIBA", "--components", "addon-diba 3.2.11",
            "--email", "jordi@diba.example", "--customer-validated",
        )  # fmt: skip
    cli(config_file, "cancel", "DIBA-2026-0001", "duplicate")
    result = cli(config_file, "status", "--all", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "Por estado: " in result.stdout and "cancelled 1" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ DIBA-")]
    assert len(rows) == 1
    open_only = cli(config_file, "status")
    assert "DIBA-2026-0001" not in open_only.stdout and "DIBA-2026-0002" in open_only.stdout


def test_a_refused_cli_start_writes_nothing_and_tips_in_cli_words(
    config_file: Path, zammad: RunningEmulator
) -> None:
    app: ZammadEmulator = zammad.app  # type: ignore[assignment]
    app.set_tags(1, ["customer-validated", "deploy"])
    assert cli(config_file, "run", "--once").exit_code == 0
    booked = cli(config_file, "schedule", "DIBA-2026-0001", "2026-11-30", "09:00", "--by", "ana")
    assert "DIBA-2026-0001: scheduled" in booked.stdout, booked.output
    articles, tags = len(app.ticket_articles(1)), sorted(app.tags[1])
    trail = cli(config_file, "show", "DIBA-2026-0001").stdout
    early = cli(config_file, "start", "DIBA-2026-0001")  # Thursday, for a Monday booking
    assert early.exit_code == 1
    assert "DIBA-2026-0001: scheduled — deploy-start refused, nothing changed:" in early.stdout
    assert "deploybot start DIBA-2026-0001 --force '<motivo>'" in early.stdout
    assert "/deploy" not in early.stdout and "effects done" not in early.stdout
    assert len(app.ticket_articles(1)) == articles and sorted(app.tags[1]) == tags
    assert cli(config_file, "show", "DIBA-2026-0001").stdout == trail


def test_a_dry_run_says_what_would_happen_and_changes_nothing(
    config_file: Path, zammad: RunningEmulator
) -> None:
    app: ZammadEmulator = zammad.app  # type: ignore[assignment]
    app.set_tags(1, ["customer-validated", "deploy"])
    assert cli(config_file, "run", "--once").exit_code == 0
    trail = cli(config_file, "show", "DIBA-2026-0001").stdout
    dry = cli(config_file, "schedule", "DIBA-2026-0001", "2026-11-30", "09:00", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "deploy-schedule would go ready -> scheduled; nothing changed (--dry-run)" in dry.stdout
    assert "[DIBA-2026-0001]" in dry.stdout  # the emails it would send
    cancel = cli(config_file, "cancel", "DIBA-2026-0001", "no longer needed", "--dry-run")
    assert "would go ready -> cancelled" in cancel.stdout, cancel.output
    assert cli(config_file, "show", "DIBA-2026-0001").stdout == trail
    assert "deploy-ready" in app.tags[1]


def test_the_actor_is_the_operator_named_for_the_login_else_the_account(
    config_file: Path,
) -> None:
    text = config_file.read_text(encoding="utf-8").replace(
        "provider:\n", "provider:\n  operators:\n    marta: Marta Vidal\n", 1
    )
    config_file.write_text(text, encoding="utf-8")
    tokens = {"ZAMMAD_TOKEN": "demo-token", "GITLAB_TOKEN": "demo-token"}
    request = ["request", "--customer", "DIBA", "--components", "addon-diba 3.2.11",
               "--email", "jordi@diba.example", "--config", str(config_file)]  # fmt: skip
    as_marta = CliRunner(env={**tokens, "USER": "marta"}).invoke(main, request)
    assert as_marta.exit_code == 0, as_marta.output
    no_user: dict[str, str | None] = {**tokens, "USER": None, "USERNAME": None}
    cancel = ["cancel", "DIBA-2026-0001", "--config", str(config_file)]
    assert CliRunner(env=no_user).invoke(main, cancel).exit_code == 0
    history = cli(config_file, "show", "DIBA-2026-0001").stdout.splitlines()
    trail = [line for line in history if re.match(r"^  \d\d/\d\d/\d{4} ", line)]
    account = pwd.getpwuid(os.getuid()).pw_name
    assert trail[0].endswith("cli/Marta Vidal") and trail[-1].endswith(f"cli/{account}"), trail
