"""The documentation's generated parts, drawn from the code so they cannot drift: MkDocs calls
``on_page_markdown`` for every page and each ``<!-- generated: NAME -->`` line is replaced by
what ``GENERATORS[NAME]`` writes — the configuration reference from the pydantic models, the
command line from click, the lifecycle from its transition table, the email kinds and the tags
from their registries. Nothing generated is ever committed."""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Iterator
from datetime import date, time, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel
from pydantic.fields import FieldInfo

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.MULTILINE)


# -- configuration ------------------------------------------------------------------------------


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def config_sections() -> Iterator[tuple[list[str], type[BaseModel]]]:
    """Every section of the configuration with every path people write to reach it
    (``customers[].window``), each model once, in the order a reader meets them."""
    from bot.config.models import Config

    paths: dict[type[BaseModel], list[str]] = {}
    queue: list[tuple[str, type[BaseModel]]] = [("", Config)]
    while queue:
        path, model = queue.pop(0)
        seen = model in paths
        paths.setdefault(model, []).append(path)
        if seen:
            continue
        for name, field in model.model_fields.items():
            key = field.alias or name
            child = f"{path}.{key}" if path else key
            origin = typing.get_origin(field.annotation)
            if origin is list:
                child += "[]"
            elif origin is dict:
                child += ".NAME"
            queue.extend((child, m) for m in _models_in(field.annotation))
    yield from ((found, model) for model, found in paths.items())


def config_keys() -> list[str]:
    """Every configuration key, as a path (``provider.holidays.country``)."""
    keys = []
    for paths, model in config_sections():
        for path in paths:
            for name, field in model.model_fields.items():
                keys.append(f"{path}.{field.alias or name}" if path else field.alias or name)
    return keys


def _anchor(path: str) -> str:
    return "cfg-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "top")


def _type_name(annotation: Any, anchors: dict[type[BaseModel], str]) -> str:
    if annotation is type(None):
        return "none"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{anchors[annotation]})" if annotation in anchors else "?"
    simple = {str: "text", int: "integer", float: "number", bool: "true/false", Path: "path",
              timedelta: "duration (`15m`, `1h30`)", time: "time of day (`HH:MM`)",
              date: "date (`YYYY-MM-DD`)"}  # fmt: skip
    if annotation in simple:
        return simple[annotation]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type_name(args[0], anchors)}"
    if origin is dict:
        return f"map of {_type_name(args[0], anchors)} to {_type_name(args[1], anchors)}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a, anchors) for a in args)
    return str(annotation)


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60}h" if minutes % 60 == 0 and minutes >= 60 else f"{minutes}m"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, BaseModel):
        shown = value.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in shown.items()) + "}"
    if isinstance(value, str):
        return value or '""'
    return str(value)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    factory = field.default_factory
    value = factory() if factory is not None else field.default  # type: ignore[call-arg]
    if isinstance(value, BaseModel):
        return "its section's defaults"
    shown = _value(value).replace("|", "\\|")
    return f"`{shown}`"


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def configuration_reference() -> str:
    """One table per section: each key with its type, default and description."""
    sections = list(config_sections())
    anchors = {model: _anchor(paths[0]) for paths, model in sections}
    out = []
    for paths, model in sections:
        title = f"`{paths[0]}`" if paths[0] else "Top level"
        out.append(f"### {title} {{ #{anchors[model]} }}\n")
        out.append(f"{inspect.cleandoc(model.__doc__ or '')}\n")
        if len(paths) > 1:
            out.append("Also at " + ", ".join(f"`{p}`" for p in paths[1:]) + ".\n")
        out.append("| key | type | default | description |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            kind = _type_name(field.annotation, anchors)
            out.append(
                f"| `{field.alias or name}` | {kind} | {_default(field)} "
                f"| {_cell(field.description or '')} |"
            )
        out.append("")
    return "\n".join(out)


# -- command line -------------------------------------------------------------------------------


def cli_commands() -> Iterator[tuple[str, click.Command]]:
    """Every command, by its full name (``setup zammad``), sub-commands after their group."""
    from bot.cli import main

    def walk(prefix: str, group: click.Group) -> Iterator[tuple[str, click.Command]]:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None:
                continue
            full = f"{prefix} {name}".strip()
            yield full, command
            if isinstance(command, click.Group):
                yield from walk(full, command)

    yield from walk("", main)


def _option_default(param: click.Option, ctx: click.Context) -> str:
    default = param.get_default(ctx, call=False)
    unset = isinstance(default, Enum) and default.name == "UNSET"  # click's "no default"
    if default is None or unset or param.is_flag or callable(default):
        return ""
    if isinstance(default, tuple | list):
        return ", ".join(f"`{d}`" for d in default)
    return f"`{default}`"


def _option_type(param: click.Parameter) -> str:
    if getattr(param, "is_flag", False):
        return "flag"
    if isinstance(param.type, click.IntRange):
        return f"integer {param.type.min}–{param.type.max}"
    if isinstance(param.type, click.Choice):
        return " \\| ".join(f"`{c}`" for c in param.type.choices)
    return str(param.type.name).lower()


def cli_reference() -> str:
    """Each command's usage, what it does and every option with its type and default."""
    from bot.cli import main

    out = []
    for full, command in cli_commands():
        ctx = click.Context(command, info_name=f"deploybot {full}")
        usage = " ".join(command.collect_usage_pieces(ctx))
        out.append(f"### `deploybot {full}`\n")
        out.append(f"```text\ndeploybot {full} {usage}\n```\n")
        out.append(f"{inspect.cleandoc(command.help or '')}\n")
        options = [p for p in command.params if isinstance(p, click.Option)]
        if options:
            out.append("| option | takes | default | what it does |\n|---|---|---|---|")
            for option in options:
                names = ", ".join(f"`{o}`" for o in (*option.opts, *option.secondary_opts))
                out.append(
                    f"| {names} | {_option_type(option)} | {_option_default(option, ctx)} "
                    f"| {_cell(option.help or '')} |"
                )
            out.append("")
    out.insert(0, f"{(main.help or '').strip()}\n")
    return "\n".join(out)


def cli_options() -> list[tuple[str, str]]:
    """Every option of every command: (command, option)."""
    return [
        (full, opt)
        for full, command in cli_commands()
        for param in command.params
        if isinstance(param, click.Option)
        for opt in (*param.opts, *param.secondary_opts)
    ]


# -- lifecycle, emails, tags --------------------------------------------------------------------


def lifecycle_diagram() -> str:
    """The lifecycle's transition table, drawn (Mermaid) and listed."""
    from bot.domain.events import EVENT_NAMES
    from bot.domain.lifecycle.transitions import TRANSITIONS, mermaid_diagram

    rows = "\n".join(
        f"| `{t.source.value}` | {t.trigger} (`{EVENT_NAMES[t.event]}`) | `{t.target.value}` |"
        for t in TRANSITIONS
    )
    return (
        f"``` mermaid\n{mermaid_diagram()}```\n\n"
        "| from | order | to |\n|---|---|---|\n" + rows + "\n"
    )


def email_kinds() -> str:
    """Each kind of email with its templates and its default recipients by role."""
    from bot.domain.notifications import DEFAULT_RECIPIENTS

    out = ["| kind | templates | default To | default Cc |", "|---|---|---|---|"]
    for kind, (to, cc) in DEFAULT_RECIPIENTS.items():
        roles = [", ".join(f"`{r}`" for r in group) for group in (to, cc)]
        templates = f"`email/<lang>/{kind}.txt`, `.html`"
        out.append(f"| `{kind}` | {templates} | {roles[0]} | {roles[1]} |")
    return "\n".join(out) + "\n"


def workflow_tags() -> str:
    """Every workflow tag: its configuration key, its default name and what it means."""
    from bot.config.sections import ZammadTags

    tags = ZammadTags()
    out = ["| key (`zammad.tags.…`) | default tag | meaning |", "|---|---|---|"]
    for name, field in ZammadTags.model_fields.items():
        shown = f"`{getattr(tags, name)}`"
        if name == "slot_prefix":
            shown = ", ".join(f"`{s}`" for s in (tags.slots[0], tags.slots[-1]))
            shown = shown.replace(", ", " … ")
        out.append(f"| `{name}` | {shown} | {_cell(field.description or '')} |")
    return "\n".join(out) + "\n"


def note_commands() -> str:
    """Every ``/deploy`` command as ``/deploy help`` lists it."""
    from bot.domain.commands import help_lines

    return "```text\n" + "\n".join(help_lines("en")) + "\n```\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "commands": note_commands,
    "configuration": configuration_reference,
    "cli": cli_reference,
    "lifecycle": lifecycle_diagram,
    "email-kinds": email_kinds,
    "tags": workflow_tags,
}


def expand(markdown: str) -> str:
    """``markdown`` with each generated marker replaced by what its generator writes."""
    return MARKER.sub(lambda m: GENERATORS[m.group(1)]().rstrip("\n"), markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs' hook: every page's generated parts are written as the site is built."""
    return expand(markdown)
