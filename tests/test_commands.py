"""Reading /deploy commands as people type them, and explaining the ones that are wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.commands import (
    COMMAND_NAMES,
    Command,
    CommandError,
    Delay,
    Schedule,
    find_commands,
    parse_command,
    parse_components,
    usage_line,
)
from tests.factories import MADRID, at


def parse(line: str) -> Command:
    [raw] = find_commands(f"<p>{line}</p>")
    return parse_command(raw, MADRID)


def schedule(line: str) -> Schedule:
    command = parse(line)
    assert isinstance(command, Schedule)
    return command


@pytest.mark.parametrize(
    "written",
    [
        "2026-12-01 09:30",
        "01/12/2026 9:30",
        "1/12/2026 09:30",
        "2026-12-01T09:30",
        "2026-12-1 9h30",
    ],
)
def test_schedule_reads_the_dates_people_type(written: str) -> None:
    command = schedule(f"/deploy schedule {written}")
    assert command.start == at("2026-12-01 09:30")
    assert command.duration is None and command.force is None


def test_schedule_with_duration_and_forced_reason() -> None:
    command = schedule("/deploy schedule 2026-12-04 09:30 1h30 force: urgent security fix")
    assert command.duration == timedelta(hours=1, minutes=30)
    assert command.force == "urgent security fix"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("/deploy schedule mañana", "a date and a time are needed"),
        ("/deploy schedule 2026-13-01 09:30", "is not a date and time that exists"),
        ("/deploy schedule 99999-12-01 09:30", "'99999-12-01' is not a date"),
        ("/deploy schedule 2999-12-01 09:30", "outside the years 2000–2100"),
        ("/deploy schedule 2026-12-01 09:30 99999999h", "'99999999h' is not a duration"),
        ("/deploy schedule 2026-12-01 09:30 200h", "'200h' is longer than 168h"),
        ("/deploy delay 99999999999999999h", "'99999999999999999h' is not a duration"),
        ("/deploy delay 999999h", "is longer than"),
        ("/deploy schedule 2026/12/01 09:30", "'2026/12/01' is not a date"),
        ("/deploy schedule 2026-12-01 9:3", "'9:3' is not a time"),
        ("/deploy schedule 2026-12-01 09:30 soon", "'soon' is not a duration"),
        ("/deploy schedule 2026-12-01 09:30 force:", "'force:' needs a reason"),
        ("/deploy launch now", "'launch' is not a deploybot command"),
        ("/deploy env", "/deploy env needs an environment"),
        ("/deploy rollback", "/deploy rollback needs a reason"),
        ("/deploy components addon-diba", "'addon-diba' is not 'name version'"),
    ],
)
def test_a_malformed_command_says_what_is_wrong_and_how_to_write_it(
    line: str, problem: str
) -> None:
    with pytest.raises(CommandError) as raised:
        parse(line)
    assert problem in str(raised.value)
    assert raised.value.usage in COMMAND_NAMES
    assert usage_line(raised.value.usage, "es").startswith("/deploy")


def test_delay_with_and_without_extension() -> None:
    assert parse("/deploy delay") == Delay("/deploy delay", None)
    assert parse("/deploy delay 30m") == Delay("/deploy delay 30m", timedelta(minutes=30))


def test_components_are_pairs_each_name_once() -> None:
    assert parse_components("addon-diba 3.2.11, iam-sync v3.2.1") == (
        ("addon-diba", "3.2.11"),
        ("iam-sync", "3.2.1"),
    )
    with pytest.raises(CommandError, match="given twice"):
        parse_components("addon-diba 3.2.11, addon-diba 3.2.12")


def test_commands_are_found_in_html_notes_line_by_line() -> None:
    body = "<div>Hola,</div><div>/deploy restart las consolas &amp; syncservers</div><br>/deploy"
    found = find_commands(body)
    assert [(c.name, c.args) for c in found] == [
        ("restart", "las consolas & syncservers"),
        ("help", ""),
    ]


def test_text_mentioning_deploy_is_not_a_command() -> None:
    assert find_commands("<p>We will /deploy tomorrow</p><p>see /deployments</p>") == []
