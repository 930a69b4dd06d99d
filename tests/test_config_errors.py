"""Malformed configurations: exit code 2 and a message naming the file, the line and the field."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app.run.wiring import zammad_client
from bot.cli import main
from bot.config.loading import ConfigError, database_url_problem, load_config

BASE = """\
provider:
  name: Soffid
  timezone: Europe/Madrid
  language: es
  holidays: {country: ES, subdiv: IB}
  project_team: [Ana <ana@soffid.example>]
  support_team: [Soporte <soporte@soffid.example>]
customers:
  - name: DIBA
    holidays: {country: ES, subdiv: CT}
    window: {days: [mon, tue], start: "09:00", end: "13:00"}
    components:
      addon-diba: {gitlab_project: soffid/addons/diba}
  - name: CAM
    managed_by: partner_delegated
    partner: {name: Integra, contacts: [Laura <laura@integra.example>]}
    holidays: {country: ES, subdiv: MD}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deploybot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def validate(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    path = write(tmp_path, text)
    result = CliRunner().invoke(main, ["validate-config", "--config", str(path)])
    return result.exit_code, result.stderr, path


def replaced(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def test_base_configuration_is_valid(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    result = CliRunner().invoke(main, ["validate-config", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"OK {path.resolve()}"
    assert "DIBA: provider, ES-CT" in result.stdout
    assert "CAM: partner_delegated (Integra), ES-MD" in result.stdout


CASES = [
    pytest.param(
        replaced("subdiv: MD", "subdiv: XX"),
        17,
        "customers[1].holidays.subdiv: 'XX' is not a subdivision of ES (known: AN, AR, AS,",
        id="unknown-subdivision",
    ),
    pytest.param(
        replaced("    window:", "    windw:"),
        11,
        "customers[0].windw: unknown field 'windw'; did you mean 'window'? (known: name,",
        id="typo-in-key",
    ),
    pytest.param(
        replaced("  - name: CAM", "  - name: diba"),
        14,
        "customers[1].name: customer 'diba' is already defined as customers[0]",
        id="duplicate-customer",
    ),
    pytest.param(
        replaced('end: "13:00"', 'end: "08:00"'),
        11,
        "customers[0].window.end: end 08:00 is not after start 09:00 "
        "(a window cannot cross midnight)",
        id="window-end-before-start",
    ),
    pytest.param(
        replaced("    partner: {name: Integra, contacts: [Laura <laura@integra.example>]}\n", ""),
        14,
        "customers[1].partner: customer 'CAM' is partner_delegated but names no partner: "
        "add partner: {name: …, contacts: [...]}",
        id="delegated-without-partner",
    ),
    pytest.param(
        replaced("  - name: CAM\n", "  - name: CAM\n    language: fr\n"),
        15,
        "customers[1].language: 'fr' is not one of 'es', 'ca' or 'en'",
        id="unknown-language",
    ),
    pytest.param(
        replaced("{gitlab_project: soffid/addons/diba}", "{artifact: release_link}"),
        13,
        "customers[0].components.addon-diba.gitlab_project: required field is missing: "
        "the GitLab project path of the component, e.g. soffid/addons/diba",
        id="component-without-project",
    ),
    pytest.param(
        replaced("Europe/Madrid", "Europe/Madird"),
        3,
        "provider.timezone: 'Europe/Madird' is not an IANA time zone (did you mean Europe/Madrid?)",
        id="misspelt-timezone",
    ),
    pytest.param(
        replaced("  timezone: Europe/Madrid", "  timezone: Europe/Madrid\n  logo_url: logo.png"),
        4,
        "provider.logo_url: 'logo.png' is not an https address (e.g. https://example.com/logo.png)",
        id="logo-not-https",
    ),
    pytest.param(
        BASE + "zammad:\n  url: https://zammad.example\n  token: abc123\n",
        20,
        "zammad.token: 'token' cannot hold a secret in the configuration: "
        "use token_env (an environment variable name) or token_file (a path)",
        id="literal-secret",
    ),
    pytest.param(
        replaced("  language: es\n", "  language: [es\n"),
        5,
        "not valid YAML: expected ',' or ']', but got ':'",
        id="yaml-syntax",
    ),
    pytest.param(
        replaced("Ana <ana@soffid.example>", "ana-at-soffid"),
        6,
        "provider.project_team[0].email: 'ana-at-soffid' is not an email address",
        id="bad-email",
    ),
    pytest.param(
        replaced(
            "  support_team:", "  vacations: [{from: 2026-12-24, to: 2026-12-01}]\n  support_team:"
        ),
        7,
        "provider.vacations[0].to: 2026-12-01 is before from (2026-12-24)",
        id="vacation-ends-before-it-starts",
    ),
    pytest.param(
        replaced("  language: es\n", "  language: es\n  max_parallel: 0\n"),
        5,
        "provider.max_parallel: Input should be greater than or equal to 1 (got 0)",
        id="max-parallel-zero",
    ),
    pytest.param(
        "customers: []\n",
        1,
        "customers: needs at least 1 item(s)",
        id="no-customers",
    ),
    pytest.param(
        "customers: []\n",
        1,
        "provider: required field is missing: the provider section (name, timezone, holidays, …)",
        id="no-provider",
    ),
    pytest.param(
        replaced(
            "    holidays: {country: ES, subdiv: CT}\n",
            "    holidays: {country: ES, subdiv: CT}\n    holidays: {country: ES}\n",
        ),
        11,
        "customers[0].holidays: written twice (first at line 10)",
        id="duplicate-yaml-key",
    ),
    pytest.param(
        replaced("days: [mon, tue]", "days: [mon, thursday]"),
        11,
        "customers[0].window.days[1]: 'thursday' is not one of 'mon', 'tue', 'wed', 'thu', "
        "'fri', 'sat' or 'sun'",
        id="unknown-weekday",
    ),
    pytest.param(
        BASE + "gitlab:\n  release_tag_pattern: '^v(\\d+'\n",
        19,
        "gitlab.release_tag_pattern: not a valid regular expression: "
        "missing ), unterminated subpattern at position 2",
        id="bad-regex",
    ),
    pytest.param(
        BASE + "zamad:\n  url: https://zammad.example\n",
        18,
        "zamad: unknown field 'zamad'; did you mean 'zammad'?",
        id="unknown-section",
    ),
    pytest.param(
        replaced("  - name: CAM\n", "  - name: CAM\n    default_duration: 15x\n"),
        15,
        "customers[1].default_duration: '15x' is not a duration "
        "(write it like 15m, 90, 1h30 or 2h)",
        id="bad-duration",
    ),
    pytest.param(
        replaced(
            "{gitlab_project: soffid/addons/diba}",
            "{gitlab_project: soffid/addons/diba, artifact: package}",
        ),
        13,
        "customers[0].components.addon-diba.package_name: artifact: package needs package_name "
        "(the package registry name)",
        id="package-without-name",
    ),
    pytest.param(
        replaced("subdiv: CT}", "subdiv: CT}\n    environments: []"),
        11,
        "customers[0].environments: list at least one environment",
        id="no-environment",
    ),
    pytest.param(
        replaced("country: ES, subdiv: CT", "country: EZ, subdiv: CT"),
        10,
        "customers[0].holidays.country: 'EZ' is not a country known to the holidays package "
        "(an ISO 3166 code such as ES, PT, FR)",
        id="unknown-country",
    ),
    pytest.param(
        BASE + "email:\n  recipients:\n    start: {to: [customer_manager]}\n",
        20,
        "email.recipients.start.to[0]: 'customer_manager' is not one of 'customer_managers', "
        "'customer_helpdesk', 'partner', 'project_team', 'support_team' or 'requesters'",
        id="unknown-recipient-role",
    ),
    pytest.param(
        BASE + "email:\n  recipients:\n    kickoff: {to: [project_team]}\n",
        20,
        "email.recipients.kickoff.[key]: 'kickoff' is not one of 'schedule', 'start', 'delay', "
        "'end', 'rollback', 'cancel', 'invitation', 'proposals' or 'chosen'",
        id="unknown-email-kind",
    ),
    pytest.param(
        BASE + "server:\n  booking_secret_env: DEPLOYBOT_BOOKING_SECRET\n",
        18,
        "server: booking_secret_env needs public_url: the booking links customers open start "
        "with it",
        id="booking-links-without-an-address",
    ),
    pytest.param(
        BASE.replace(
            "    holidays: {country: ES, subdiv: MD}\n",
            "    holidays: {country: ES, subdiv: MD}\n    booking: {self_service: always}\n",
        ),
        18,
        "customers[1].booking.self_service: 'always' is not one of 'confirm', 'direct' or 'off'",
        id="unknown-self-service-mode",
    ),
    pytest.param(
        BASE + "server: {port: 70000}\n",
        18,
        "server.port: Input should be less than or equal to 65535 (got 70000)",
        id="port-out-of-range",
    ),
    pytest.param(
        BASE + "workflow: {delay_grace: soon}\n",
        18,
        "workflow.delay_grace: 'soon' is not a duration (write it like 15m, 90, 1h30 or 2h)",
        id="bad-delay-grace",
    ),
    pytest.param(
        replaced("  language: es\n", "  language: es\n  min_notice_hours: 1e12\n"),
        5,
        "provider.min_notice_hours: Input should be less than or equal to 8760 (got '1e12')",
        id="absurd-notice",
    ),
    pytest.param(
        BASE + "state: {url: 'not a database url'}\n",
        18,
        "state.url: 'not a database url' is not a database URL (write it like "
        "sqlite:///state.sqlite or postgresql+psycopg://user@host/deploybot)",
        id="garbage-state-url",
    ),
    pytest.param(
        BASE + "state: {url: 'mysql://db/deploybot'}\n",
        18,
        "state.url: deploybot keeps its state in SQLite or PostgreSQL, not mysql",
        id="unsupported-database",
    ),
    pytest.param(
        BASE + "zammad:\n  tags: {start: deploy, done: deploy-done}\n",
        19,
        "zammad.tags: the tag 'deploy' is given to both request and start: each workflow tag "
        "needs its own name",
        id="duplicate-workflow-tag",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), CASES)
def test_malformed_configuration_names_file_line_and_field(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    code, stderr, path = validate(tmp_path, text)
    assert code == 2
    expected = f"{path}:{line}: {message}"
    assert any(out.startswith(expected) for out in stderr.splitlines()), stderr


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = replaced("subdiv: MD", "subdiv: XX").replace("language: es", "language: fr")
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert [p.path for p in caught.value.problems] == [
        "provider.language",
        "customers[1].holidays.subdiv",
    ]
    lines = str(caught.value).splitlines()
    assert lines[0].endswith(":4: provider.language: 'fr' is not one of 'es', 'ca' or 'en'")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = CliRunner().invoke(main, ["validate-config", "--config", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{missing}: cannot read it: No such file or directory"


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    code, stderr, path = validate(tmp_path, "- just\n- a list\n")
    assert code == 2
    assert stderr.strip() == (
        f"{path}:1: the configuration must be a mapping with provider and customers"
    )


def test_times_and_country_codes_are_not_mangled_by_yaml_1_1(tmp_path: Path) -> None:
    # Unquoted 9:30 is a number and NO is False in YAML 1.1; neither may happen here.
    text = replaced('start: "09:00", end: "13:00"', "start: 9:30, end: 13:00").replace(
        "{country: ES, subdiv: MD}", "{country: NO}"
    )
    config = load_config(write(tmp_path, text))
    window = config.customers[0].window
    assert (window.start.hour, window.start.minute, window.end.hour) == (9, 30, 13)
    assert config.customers[1].holidays.country == "NO"


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        previous = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        levels.append(f"{name}: &{name} [{', '.join('*' + previous for _ in range(9))}]")
    started = time.monotonic()
    code, stderr, path = validate(tmp_path, BASE + "\n".join(levels) + "\n")
    assert time.monotonic() - started < 5
    assert code == 2
    assert f"{path}: not valid YAML: its 72 aliases expand to" in stderr
    assert "an alias bomb, not a configuration" in stderr


def test_a_500_customer_configuration_written_with_anchors_is_read(tmp_path: Path) -> None:
    first = (
        "  - {name: C0, holidays: &ct {country: ES, subdiv: CT},\n"
        "     window: &window {days: [mon, tue, wed, thu], start: '09:00', end: '13:00'},\n"
        "     contacts: &contacts {managers: ['Manager <m@c.example>']},\n"
        "     environments: &envs [{name: PRO, productive: true, default: true}],\n"
        "     vacations: &vacations [{from: 2026-12-24, to: 2027-01-06, label: Navidad}]}\n"
    )
    other = (
        "  - {{name: C{n}, holidays: *ct, window: *window, contacts: *contacts, "
        "environments: *envs, vacations: *vacations}}\n"
    )
    base = BASE.split("customers:")[0]
    text = base + "customers:\n" + first + "".join(other.format(n=n) for n in range(1, 500))
    code, stderr, _ = validate(tmp_path, text)
    assert code == 0, stderr


def test_anchors_and_merge_keys_read_as_the_same_file_written_out(tmp_path: Path) -> None:
    written_out = (
        "  - {name: A, holidays: {country: ES, subdiv: CT}, window: {days: [mon, tue], "
        "start: '09:00', end: '13:00'}}\n"
        "  - {name: B, holidays: {country: ES, subdiv: CT}, window: {days: [mon, tue], "
        "start: '10:00', end: '13:00'}}\n"
    )
    merged = (
        "  - {name: A, holidays: &ct {country: ES, subdiv: CT}, window: &w {days: [mon, tue], "
        "start: '09:00', end: '13:00'}}\n"
        "  - {name: B, holidays: *ct, window: {<<: *w, start: '10:00'}}\n"
    )
    base = BASE.split("customers:")[0] + "customers:\n"
    plain = load_config(write(tmp_path, base + written_out))
    (tmp_path / "deploybot.yaml").unlink()
    anchored = load_config(write(tmp_path, base + merged))
    assert anchored.customers == plain.customers
    assert anchored.customers[1].window.start.hour == 10


def test_a_relative_token_file_is_read_from_the_configurations_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "zammad.token").write_text("from-the-config-folder\n")
    secret = "zammad:\n  url: https://z.example\n  token_file: secrets/zammad.token\n"
    path = write(tmp_path, BASE + secret)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    client = zammad_client(load_config(path).zammad, {})
    assert client.session.headers["Authorization"] == "Token token=from-the-config-folder"


def test_relative_paths_are_read_from_the_folder_given_instead_of_the_files(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "work"
    (folder / "secrets").mkdir(parents=True)
    (folder / "secrets" / "zammad.token").write_text("from-the-given-folder\n")
    secret = "zammad:\n  url: https://z.example\n  token_file: secrets/zammad.token\n"
    config = load_config(write(tmp_path, BASE + secret), folder=folder)
    client = zammad_client(config.zammad, {})
    assert client.session.headers["Authorization"] == "Token token=from-the-given-folder"
    assert config.resolve_path(Path("mail-out")) == folder / "mail-out"


def test_a_postgresql_url_needs_its_driver_installed() -> None:
    url = "postgresql+psycopg://deploybot@db.example/deploybot"
    missing = database_url_problem(url, has_module=lambda name: False)
    assert missing is not None and "pip install '.[postgresql]' in its clone" in missing
    assert database_url_problem(url, has_module=lambda name: name == "psycopg") is None
    assert database_url_problem("sqlite:///state.sqlite") is None


def test_field_errors_and_cross_field_errors_are_reported_in_one_run(tmp_path: Path) -> None:
    text = replaced(
        "    partner: {name: Integra, contacts: [Laura <laura@integra.example>]}\n", ""
    ).replace("  timezone: Europe/Madrid", "  timezone: Europe/Madird")
    text += (
        "    environments:\n"
        "      - {name: PRO, default: true}\n"
        "      - {name: PRE, default: true}\n"
    )
    code, err, _ = validate(tmp_path, text)
    assert code == 2
    assert "provider.timezone: 'Europe/Madird' is not an IANA time zone" in err
    assert "customers[1].partner: customer 'CAM' is partner_delegated but names no partner" in err
    assert "customers[1].environments[1].default: only one environment can be the default" in err


def test_a_default_duration_longer_than_the_window_is_an_error(tmp_path: Path) -> None:
    text = replaced(
        '    window: {days: [mon, tue], start: "09:00", end: "13:00"}\n',
        '    window: {days: [mon, tue], start: "09:00", end: "13:00"}\n    default_duration: 5h\n',
    )
    code, err, _ = validate(tmp_path, text)
    assert code == 2
    assert (
        "customers[0].default_duration: 5h is longer than the window 09:00–13:00 (4h): "
        "no slot could ever hold it" in err
    )
