"""The command line as a person uses it: plan, check-day, calendar, validate-config, overview,
preview, log-template."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
import yaml
from click.testing import CliRunner, Result

from bot.cli import default_config_path, main
from bot.cli.base import COMMANDS
from bot.resources import example_config_path

# Monday 23 March 2026, 10:00 in Madrid: the week before Easter.
NOW = "2026-03-23T10:00:00+01:00"


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(datetime.fromisoformat(NOW), tick=False):
        yield


def run(*args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--config", str(example_config_path())])


def test_plan_json_has_exactly_the_documented_shape() -> None:
    result = run("plan", "diba", "--json", "--count", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"customer", "slots", "skipped"}
    assert data["customer"] == "DIBA"
    assert data["slots"] == [
        {"start": "2026-03-25T09:00:00+01:00", "end": "2026-03-25T09:15:00+01:00"},
        {"start": "2026-03-26T09:00:00+01:00", "end": "2026-03-26T09:15:00+01:00"},
        {"start": "2026-03-30T09:00:00+02:00", "end": "2026-03-30T09:15:00+02:00"},
    ]
    skipped = {day["date"]: day for day in data["skipped"]}
    assert list(skipped) == ["2026-03-23", "2026-03-24", "2026-03-27", "2026-03-28", "2026-03-29"]
    assert [r["code"] for r in skipped["2026-03-24"]["reasons"]] == ["past"]
    assert all(set(r) == {"code", "text"} for day in data["skipped"] for r in day["reasons"])


def test_plan_from_a_date_and_duration() -> None:
    result = run(
        "plan", "DIBA", "--from", "2026-04-01", "--duration", "1h", "--count", "1", "--json"
    )
    data = json.loads(result.stdout)
    assert data["slots"] == [
        {"start": "2026-04-07T09:00:00+02:00", "end": "2026-04-07T10:00:00+02:00"}
    ]
    assert [d["date"] for d in data["skipped"]][:2] == ["2026-04-01", "2026-04-02"]


def test_plan_prints_a_table_and_the_skipped_days() -> None:
    result = run("plan", "CAM", "--count", "2")
    assert result.exit_code == 0, result.output
    assert "CAM: próximas 2 franjas de 30m" in result.stdout  # the operator's language
    assert "24/03/2026" in result.stdout and "08:00–08:30" in result.stdout
    assert "Día saltado (1):" in result.stdout  # CLDR's plural: one day


def test_plan_summarises_a_long_run_of_skipped_days() -> None:
    result = run("plan", "DIBA", "--from", "2026-12-20", "--count", "3")
    assert result.exit_code == 0, result.output
    skipped = result.stdout.split("Días saltados (16):")[1]
    assert "28/12/2026–31/12/2026  vacation: vacaciones de Soffid: Navidad" in skipped
    assert "26/12/2026–27/12/2026  weekend: es fin de semana\n" in skipped
    runs = [line for line in skipped.splitlines() if line[2:4].isdigit()]
    assert len(runs) == 10  # 16 days in 10 runs, one line each


def test_plan_all_lists_every_skipped_day_with_every_reason() -> None:
    result = run("plan", "DIBA", "--from", "2026-12-20", "--count", "3", "--all")
    assert result.exit_code == 0, result.output
    assert "30/12/2026  vacation:" in result.stdout
    assert "outside_window:" in result.stdout


def test_plan_counts_the_skipped_days_it_does_not_list() -> None:
    result = run("plan", "DIBA", "--from", "2026-12-20", "--count", "30")
    assert result.exit_code == 0, result.output
    assert "… y " in result.stdout and "días saltados más" in result.stdout


def test_plan_rejects_a_malformed_date() -> None:
    result = run("plan", "DIBA", "--from", "01/04/2026")
    assert result.exit_code == 2
    assert "'01/04/2026' is not a date; write it as YYYY-MM-DD" in result.stderr


def test_check_day_exits_zero_when_allowed() -> None:
    result = run("check-day", "DIBA", "2026-03-31")
    assert result.exit_code == 0
    assert result.stdout.strip() == "DIBA 2026-03-31: permitido"


def test_check_day_exits_one_with_every_reason() -> None:
    result = run("check-day", "DIBA", "2026-04-03")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "DIBA 2026-04-03: no permitido"
    codes = [line.split(":")[0].strip() for line in lines[1:]]
    assert codes == ["holiday", "friday", "eve_of_non_working_day", "outside_window"]


def test_check_day_says_its_verdict_in_the_operators_language(tmp_path: Path) -> None:
    text = example_config_path().read_text(encoding="utf-8")
    config = tmp_path / "deploybot.yaml"
    config.write_text(text.replace("  language: es\n", "  language: ca\n", 1), encoding="utf-8")
    allowed = CliRunner().invoke(main, ["check-day", "DIBA", "2026-03-31", "--config", str(config)])
    refused = CliRunner().invoke(main, ["check-day", "DIBA", "2026-04-03", "--config", str(config)])
    assert allowed.stdout.strip() == "DIBA 2026-03-31: permès"
    assert refused.stdout.splitlines()[0] == "DIBA 2026-04-03: no permès"


def test_check_day_json() -> None:
    result = run("check-day", "CAIB", "2026-04-01", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "date": "2026-04-01",
        "allowed": False,
        "reasons": [
            {
                "code": "eve_of_holiday",
                "text": "es víspera de festivo: Jueves Santo (Soffid, ES-IB y CAIB, ES-IB) "
                "el 02/04/2026",
            }
        ],
    }


def test_unknown_customer_lists_the_known_ones() -> None:
    result = run("plan", "ACME")
    assert result.exit_code == 2
    assert result.stderr.strip() == "unknown customer 'ACME' (known: DIBA, CAM, CAIB, Andalucia)"


def test_calendar_shows_the_month_and_names_holidays() -> None:
    result = run("calendar", "DIBA", "--month", "2026-04")
    assert result.exit_code == 0, result.output
    assert "DIBA 2026-04" in result.stdout
    assert "✓" in result.stdout
    # The legend in the operator's language, each mark a symbol too (a pipe loses colours).
    assert "Leyenda: ✓\u00a0permitido" in result.stdout
    assert "E\u00a0víspera\u00a0de\u00a0festivo" in result.stdout
    assert " 1 E " in result.stdout and " 2 H " in result.stdout  # Maundy Thursday's eve, itself
    assert "02/04/2026  es festivo: Jueves Santo (Soffid, ES-IB)" in result.stdout
    assert "06/04/2026  es festivo: Lunes de Pascua" in result.stdout


def test_calendar_rejects_a_malformed_month() -> None:
    result = run("calendar", "DIBA", "--month", "April")
    assert result.exit_code == 2
    assert "'April' is not a month; write it as YYYY-MM" in result.stderr


def test_validate_config_summarises_each_customer() -> None:
    result = run("validate-config")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK ")
    assert len(lines) == 5
    assert "Andalucia: partner_exclusive (Sur Sistemas), ES-AN" in lines[4]


def test_validate_config_counts_with_the_plural_cldr_gives(tmp_path: Path) -> None:
    config = yaml.safe_load(example_config_path().read_text(encoding="utf-8"))
    config["customers"][0]["components"] = {"addon-diba": {"gitlab_project": "soffid/diba"}}
    config["customers"][0].pop("step3")  # its jobs name the component taken away
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate-config", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert ", 1 component" in result.stdout.splitlines()[1]
    assert "(s)" not in result.stdout and "0 components" in result.stdout


def test_validate_config_warns_of_a_check_named_in_another_language(tmp_path: Path) -> None:
    config = yaml.safe_load(example_config_path().read_text(encoding="utf-8"))
    checks = [
        {"name": "Consola principal", "kind": "console", "url": "https://c.example/health"},
        {"name": {"ca": "el portal", "es": "el portal"}, "url": "https://p.example"},
    ]
    config["customers"][0]["checks"] = checks  # DIBA reads Catalan, the operator Spanish
    path = tmp_path / "checks.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate-config", "--config", str(path)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: DIBA: check 'Consola principal' has no name in ca; its customer reads "
        "'la consola' "
        "(name it per language: {ca: …, es: …})"
    ]


def test_overview_plans_every_handled_customer() -> None:
    result = run("overview")
    assert result.exit_code == 0, result.output
    for name in ("DIBA", "CAM", "CAIB"):
        assert f"{name}: próximas 3 franjas" in result.stdout
    assert "No gestionado: Andalucia lo lleva en exclusiva Sur Sistemas" in result.stdout


def test_default_config_prefers_environment_then_local_file_then_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEPLOYBOT_CONFIG", raising=False)
    assert default_config_path(tmp_path) == example_config_path()
    local = tmp_path / "deploybot.yaml"
    local.write_text("", encoding="utf-8")
    assert default_config_path(tmp_path) == local
    elsewhere = tmp_path / "elsewhere.yaml"
    monkeypatch.setenv("DEPLOYBOT_CONFIG", str(elsewhere))
    assert default_config_path(tmp_path) == elsewhere  # the explicit setting beats the file


def test_a_deploybot_config_naming_a_missing_file_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deploybot.yaml").write_text(example_config_path().read_text("utf-8"), "utf-8")
    missing = tmp_path / "typo.yaml"
    monkeypatch.setenv("DEPLOYBOT_CONFIG", str(missing))
    result = CliRunner().invoke(main, ["validate-config"])
    assert result.exit_code == 2
    assert f"$DEPLOYBOT_CONFIG names {missing}, which does not exist" in result.stderr
    assert "OK" not in result.stdout


def without_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEPLOYBOT_CONFIG", raising=False)


def test_without_a_configuration_the_shipped_example_is_used_and_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_configuration(tmp_path, monkeypatch)
    result = CliRunner().invoke(main, ["validate-config"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"deploybot: no configuration given (--config, $DEPLOYBOT_CONFIG or ./deploybot.yaml): "
        f"using the shipped example {example_config_path()}, its state and files in {tmp_path}"
    ]


def test_the_example_named_by_deploybot_config_is_used_without_a_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_configuration(tmp_path, monkeypatch)
    monkeypatch.setenv("DEPLOYBOT_CONFIG", str(example_config_path()))
    result = CliRunner().invoke(main, ["validate-config"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_the_demo_and_preview_use_the_example_without_a_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_configuration(tmp_path, monkeypatch)
    result = CliRunner().invoke(main, ["preview", "start", "--customer", "DIBA"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_the_examples_state_is_kept_in_the_current_folder_not_beside_the_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_configuration(tmp_path, monkeypatch)
    beside = example_config_path().parent / "deploybot-state.sqlite"
    was_there = beside.exists()
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "deploybot-state.sqlite").is_file()
    assert beside.exists() == was_there


def test_commands_without_config_option_use_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    broken = tmp_path / "broken.yaml"
    broken.write_text("provider: {}\ncustomers: []\n", encoding="utf-8")
    monkeypatch.setenv("DEPLOYBOT_CONFIG", str(broken))
    result = CliRunner().invoke(main, ["plan", "DIBA"])
    assert result.exit_code == 2
    assert f"{broken}:1: provider.name: required field is missing" in result.stderr


def test_preview_prints_the_start_email_in_the_customer_language() -> None:
    result = run("preview", "start", "--customer", "diba")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "To: Núria Puig <npuig@diba.example>, CAU DIBA <cau@diba.example>"
    assert lines[2] == "Subject: [DIBA-2026-0007] Inici del desplegament a producció de DIBA"
    assert "Bon dia," in lines  # sent at the slot: Wednesday 25 March 09:00
    assert "  · addon-diba 3.2.11" in lines


def test_preview_in_another_language_and_environment() -> None:
    result = run("preview", "schedule", "--customer", "CAM", "--lang", "en", "--env", "CLOUD-TEST")
    assert result.exit_code == 0, result.output
    assert "to the CLOUD-TEST environment" in result.stdout
    # 24 hours of notice from Monday 10:00: CAM's 11:00 start on Tuesday.
    assert "Tuesday 24 March 2026, from 11:00 to 11:30" in result.stdout
    assert "Laura Gil <lgil@integra.example>" in result.stdout.splitlines()[0]


def test_preview_html_part_escapes_and_structures() -> None:
    result = run("preview", "start", "--customer", "DIBA", "--html")
    assert result.exit_code == 0, result.output
    assert "<li><strong>ES-7412280</strong> Tractar els ORGANISMES" in result.stdout


def test_preview_of_the_proposals_shows_sample_slots_and_link() -> None:
    result = run("preview", "proposals", "--customer", "DIBA", "--lang", "es")
    assert result.exit_code == 0, result.output
    slots = [line for line in result.stdout.splitlines() if line.startswith(("  1. ", "  3. "))]
    assert len(slots) == 2 and all(" a las " in line for line in slots)
    assert "https://deploybot.example/book/SAMPLE" in result.stdout


def test_preview_of_a_choice_names_the_chosen_slot() -> None:
    result = run("preview", "chosen", "--customer", "DIBA", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert "producción: el ." not in result.stdout
    assert re.search(r"a producción: el \w+ \d+ de \w+ a las \d\d:\d\d\. ", result.stdout)


def test_preview_of_an_unknown_template_lists_the_known_ones() -> None:
    result = run("preview", "hello", "--customer", "DIBA")
    assert result.exit_code == 2
    assert "'schedule', 'start', 'delay', 'end', 'rollback', 'cancel'" in result.output


def test_log_template_writes_a_workbook_and_refuses_to_overwrite(tmp_path: Path) -> None:
    import openpyxl

    target = tmp_path / "TEMPLATE - Deployment log.xlsx"
    first = run("log-template", str(target))
    assert first.exit_code == 0, first.output
    assert openpyxl.load_workbook(target).active["A1"].value == "ID despliegue"
    again = run("log-template", str(target), "--lang", "en")
    assert again.exit_code == 1
    assert "pass --force" in again.output
    forced = run("log-template", str(target), "--lang", "en", "--force")
    assert forced.exit_code == 0
    assert openpyxl.load_workbook(target).active["A1"].value == "Deployment ID"


@pytest.mark.parametrize("language", ["es", "ca", "en"])
def test_the_emails_page_shows_what_preview_prints(language: str) -> None:
    page = Path(__file__).parent.parent / "docs" / "reference" / "emails.md"
    text = page.read_text(encoding="utf-8")
    block = text.split(f"<!-- preview-start {language} -->\n```text\n")[1]
    shown = block.split(f"```\n<!-- /preview-start {language}")[0]
    with time_machine.travel(datetime.fromisoformat("2026-11-26T10:00:00+01:00"), tick=False):
        result = run("preview", "start", "--customer", "DIBA", "--lang", language)
    assert result.exit_code == 0, result.output
    assert shown == result.stdout


def test_the_help_list_names_every_command_as_its_own_docstring_says() -> None:
    for module in {module for module, _ in COMMANDS.values()}:
        importlib.import_module(f"bot.cli.{module}")
    assert set(main.commands) == set(COMMANDS)
    for name, command in main.commands.items():
        assert COMMANDS[name][1] == command.get_short_help_str(1000), name
        defined_in = command.callback.__module__ if command.callback else ""
        assert defined_in == f"bot.cli.{COMMANDS[name][0]}", name


def test_help_loads_no_command_module_and_no_configuration_model() -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from bot.cli import main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "assert result.exit_code == 0 and 'validate-config' in result.output\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    heavy = {"bot.config.models", "bot.config.loading", "pydantic", "jinja2", "sqlalchemy"}
    assert heavy & set(loaded) == set()
    assert not [m for m in loaded if m.startswith("bot.cli.") and m != "bot.cli.base"]
