"""The documentation cannot drift: its references are generated from the code (docs/hooks.py)
and cover every configuration key, command, option, e-mail kind, tag and note command; every
configuration field says what it means; and no page documents one of them by hand again."""

from __future__ import annotations

import importlib.util
import re
import typing
from pathlib import Path
from types import ModuleType

import click

from bot.config.base import EmailKind
from bot.config.sections import ZammadTags
from bot.domain.commands import COMMAND_NAMES
from bot.domain.notifications import DEFAULT_RECIPIENTS

DOCS = Path(__file__).parent.parent / "docs"


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOKS = _hooks()


def _pages() -> dict[str, str]:
    return {str(p.relative_to(DOCS)): p.read_text("utf-8") for p in sorted(DOCS.rglob("*.md"))}


def test_every_configuration_field_says_what_it_means() -> None:
    undescribed = [
        f"{paths[0] or 'top level'}.{name}"
        for paths, model in HOOKS.config_sections()
        for name, field in model.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert undescribed == []


def test_the_configuration_reference_lists_every_key_in_its_section() -> None:
    reference = HOOKS.configuration_reference()
    sections = re.split(r"^### ", reference, flags=re.M)[1:]
    for (paths, model), section in zip(HOOKS.config_sections(), sections, strict=True):
        for name, field in model.model_fields.items():
            assert f"| `{field.alias or name}` |" in section, (paths[0], name)
    assert "customers[].window.start_times" in HOOKS.config_keys()
    assert "provider.vacations[].from" in HOOKS.config_keys()


def test_the_command_line_reference_lists_every_command_and_option() -> None:
    reference = HOOKS.cli_reference()
    commands = dict(HOOKS.cli_commands())
    assert {"schedule", "setup zammad", "setup gitlab", "emulate"} <= set(commands)
    for full, command in commands.items():
        section = reference.split(f"### `deploybot {full}`\n")[1].split("\n### ")[0]
        for option in HOOKS.cli_options():
            if option[0] == full:
                assert f"`{option[1]}`" in section, option
        assert (command.help or "").split()[0] in section, full


def test_every_command_and_option_says_what_it_does() -> None:
    silent = [
        f"{full} {param.opts[0]}"
        for full, command in HOOKS.cli_commands()
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert silent == []
    assert all((command.help or "").strip() for _, command in HOOKS.cli_commands())


def test_the_emails_page_lists_every_kind_with_its_recipients() -> None:
    kinds = set(typing.get_args(EmailKind))
    assert set(DEFAULT_RECIPIENTS) == kinds
    table = HOOKS.email_kinds()
    for kind, (to, _) in DEFAULT_RECIPIENTS.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{kind}` |"))
        assert all(f"`{role}`" in row for role in to), kind


def test_the_tags_and_commands_pages_list_every_tag_and_command() -> None:
    table, tags = HOOKS.workflow_tags(), ZammadTags()
    for name in ZammadTags.model_fields:
        assert f"| `{name}` |" in table, name
    for tag in [*tags.statuses, *tags.triggers, *tags.assertions, tags.deployed, tags.overdue]:
        assert f"`{tag}`" in table or tag in tags.slots[1:-1], tag
    commands = HOOKS.note_commands()
    for command in COMMAND_NAMES:
        assert f"/deploy {command}" in commands, command


def test_each_generated_part_is_on_exactly_one_page_and_the_build_knows_it() -> None:
    found = [m for text in _pages().values() for m in HOOKS.MARKER.findall(text)]
    assert sorted(found) == sorted(HOOKS.GENERATORS)
    expanded = HOOKS.expand("<!-- generated: tags -->\n")
    assert expanded.startswith("| key (`zammad.tags.…`)") and "<!--" not in expanded


def _first_cells(text: str) -> list[str]:
    """The first cell of every table row written on a page (not in a code block)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return [m.group(1).strip() for m in re.finditer(r"^\|([^|\n]+)\|", text, flags=re.M)]


def test_no_page_documents_a_key_option_kind_or_tag_by_hand() -> None:
    tags = ZammadTags()
    registered = (
        {f"`{key}`" for key in HOOKS.config_keys()}
        | {f"`{option}`" for _, option in HOOKS.cli_options()}
        | {f"`{kind}`" for kind in typing.get_args(EmailKind)}
        | {f"`{tag}`" for tag in tags.model_dump().values()}
        | {f"`{tag}`" for tag in tags.slots}
    )
    by_hand = {
        (page, cell)
        for page, text in _pages().items()
        for cell in _first_cells(text)
        if cell in registered
    }
    assert by_hand == set()
    readme = (DOCS.parent / "README.md").read_text("utf-8")
    assert {cell for cell in _first_cells(readme) if cell in registered} == set()


def test_the_home_page_leads_to_each_first_goal_in_one_click() -> None:
    home = (DOCS / "index.md").read_text("utf-8")
    goals = ["quickstart.md", "tutorial.md", "guides/booking.md", "operations/index.md"]
    for target in goals:
        assert f"]({target})" in home, target
        assert (DOCS / target).exists(), target
    operations = (DOCS / "operations" / "index.md").read_text("utf-8")
    assert "](install.md)" in operations and "](troubleshooting.md)" in operations
