"""Loading a configuration file: YAML with line numbers, validation, and errors that name
file, line and field (all of them in one run, with "did you mean")."""

from __future__ import annotations

import difflib
import gc
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.config.checks import (
    Loc,
    database_url_problem,
    problems_of_valid_customers,
    semantic_problems,
)
from bot.config.models import SECRET_WORDS, Config

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "config_data",
    "database_url_problem",
    "load_config",
    "parse_config",
]


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a configuration file."""

    line: int | None
    path: str
    message: str


class ConfigError(Exception):
    """A configuration that cannot be used; ``str()`` gives one ``file:line: field: message``
    line per problem."""

    def __init__(self, source: str, problems: list[ConfigProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem, in file order."""
        ordered = sorted(self.problems, key=lambda p: (p.line or 0, p.path))
        out = []
        for problem in ordered:
            where = f"{self.source}:{problem.line}" if problem.line else self.source
            field = f" {problem.path}:" if problem.path else ""
            out.append(f"{where}:{field} {problem.message}")
        return out


class _Loader(yaml.CSafeLoader):
    """YAML 1.2-like scalars: ``9:30`` stays a string and ``NO`` (Norway) is not ``False``.

    libyaml's parser: the pure-Python one took 2.7 s of a 500-customer file's 3.3 s load.
    """


class _WordyLoader(yaml.SafeLoader):
    """The same scalars through the pure-Python parser, whose syntax errors read better
    ("expected ',' or ']', but got ':'"): used only to word an error libyaml found."""


def _yaml_12_scalars(loader: type[yaml.resolver.BaseResolver]) -> None:
    loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag
            not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?$"),
        list("-+0123456789."),
    )


_yaml_12_scalars(_Loader)
_yaml_12_scalars(_WordyLoader)


def _record_lines(
    node: yaml.Node, path: Loc, lines: dict[Loc, int], problems: list[ConfigProblem]
) -> None:
    """Remember the line of every key and item; report keys written twice in one mapping."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    ConfigProblem(
                        line,
                        _format_loc((*path, key)),
                        f"written twice (first at line {seen[key]})",
                    )
                )
            seen.setdefault(key, line)
            lines[(*path, key)] = line
            _record_lines(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines, problems)


def _format_loc(loc: typing.Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _has_duplicate_keys(node: yaml.Node) -> bool:
    """Whether a mapping anywhere under ``node`` writes a key twice (a quick walk: where, and
    which, is worked out only then)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            keys = [str(key.value) for key, _ in current.value]
            if len(set(keys)) != len(keys):
                return True
            stack.extend(value for _, value in current.value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return False


class _Lines:
    """The line of every key and item of a document, worked out when a problem needs one
    (a valid 500-customer file needs none)."""

    def __init__(self, node: yaml.Node) -> None:
        self.node = node
        self._lines: dict[Loc, int] | None = None
        self._duplicates: list[ConfigProblem] = []

    def _walk(self) -> dict[Loc, int]:
        if self._lines is None:
            self._lines = {}
            _record_lines(self.node, (), self._lines, self._duplicates)
        return self._lines

    def duplicates(self) -> list[ConfigProblem]:
        """Every key written twice in one mapping, where it is written again."""
        self._walk()
        return list(self._duplicates)

    def of(self, loc: Loc) -> int | None:
        """The line of ``loc``, or of its nearest enclosing key or item."""
        return _line_for(loc, self._walk())


def _line_for(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _unwrap(annotation: Any, want_item: bool) -> Any:
    """Step from a field's annotation into the model it holds (through Optional, list, dict)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is not type(None):
                return _unwrap(arg, want_item)
    if origin is Annotated:
        return _unwrap(args[0], want_item)
    if want_item and origin in (list, dict):
        return args[-1]
    return annotation


def _model_at(loc: Loc) -> type[BaseModel] | None:
    current: Any = Config
    pending_container = False
    for part in loc:
        if pending_container:
            current = _unwrap(current, want_item=True)
            pending_container = False
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = next(
            (f for n, f in current.model_fields.items() if part in (n, f.alias)),
            None,
        )
        if field is None:
            return None
        current = _unwrap(field.annotation, want_item=False)
        pending_container = typing.get_origin(current) in (list, dict)
    if isinstance(current, type) and issubclass(current, BaseModel) and not pending_container:
        return current
    return None


_MISSING_HINTS = {
    "provider": "the provider section (name, timezone, holidays, …)",
    "customers": "the list of customers",
    "name": "a name",
    "holidays": "the region whose public holidays count, e.g. {country: ES, subdiv: CT}",
    "gitlab_project": "the GitLab project path of the component, e.g. soffid/addons/diba",
    "email": "an email address",
    "date": "a date, YYYY-MM-DD",
    "from": "the first day, YYYY-MM-DD",
    "to": "the last day, YYYY-MM-DD",
    "url": "a URL",
}


def _message(error: Any) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    if kind == "missing":
        hint = _MISSING_HINTS.get(str(loc[-1]) if loc else "")
        return f"required field is missing: {hint}" if hint else "required field is missing"
    if kind == "too_short":
        minimum = error.get("ctx", {}).get("min_length", 1)
        return f"needs at least {minimum} item(s)"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if key.lower() in SECRET_WORDS:
            return (
                f"'{key}' cannot hold a secret in the configuration: "
                f"use {key}_env (an environment variable name) or {key}_file (a path)"
            )
        model = _model_at(loc[:-1])
        known = [field.alias or name for name, field in model.model_fields.items()] if model else []
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        listed = f" (known: {', '.join(known)})" if known else ""
        return f"unknown field '{key}'{hint}{listed}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{error['input']!r} is not one of {expected}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg']} (got {error['input']!r})"


MAX_EXPANDED_NODES = 2_000_000


def _expanded_size(node: yaml.Node, sizes: dict[int, int], aliases: list[int]) -> int:
    """How many nodes ``node`` stands for once every alias is expanded (memoised per node);
    ``aliases`` counts the nodes met again (each is an alias: the rest have one parent)."""
    if id(node) in sizes:
        aliases[0] += 1
        return sizes[id(node)]
    sizes[id(node)] = 1  # a recursive alias counts once
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(
            _expanded_size(k, sizes, aliases) + _expanded_size(v, sizes, aliases)
            for k, v in node.value
        )
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, sizes, aliases) for item in node.value)
    sizes[id(node)] = size
    return size


def _compose(text: str) -> tuple[yaml.Node | None, Any]:
    """The YAML node tree and its data, refusing alias bombs before anything expands them."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError:
            _WordyLoader(text).get_single_node()  # raises the same error in better words
            raise
        if node is None:
            return None, None
        aliases = [0]
        # Without "*" the text has no alias, and nothing expands: no walk to count.
        size = _expanded_size(node, {}, aliases) if "*" in text else 0
        if size > MAX_EXPANDED_NODES:
            raise yaml.YAMLError(
                f"its {aliases[0]} aliases expand to {size:,} values (at most "
                f"{MAX_EXPANDED_NODES:,}): an alias bomb, not a configuration"
            )
        if not any(mark in text for mark in _NOT_PLAIN):
            try:
                return node, _plain_data(loader, node)
            except _NotPlainError:
                pass
        # PyYAML's construction merges ``<<`` keys into the nodes themselves: it gets a tree of
        # its own, and the lines are read from the one as written (an override is no repeat).
        return node, _Loader(text).get_single_data()
    finally:
        loader.dispose()


#: What only PyYAML's own construction handles: aliases, anchors, tags, merge keys.
_NOT_PLAIN = ("*", "&", "!", "<<")
_STR_TAG = "tag:yaml.org,2002:str"


class _NotPlainError(Exception):
    """A node the direct construction leaves to PyYAML's."""


def _plain_data(loader: _Loader, node: yaml.Node) -> Any:
    """The data of a document of plain mappings, lists and scalars, built in one walk
    (PyYAML's general construction took a quarter of a 500-customer load)."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR_TAG else loader.construct_object(node)
    if isinstance(node, yaml.SequenceNode):
        return [_plain_data(loader, item) for item in node.value]
    if not isinstance(node, yaml.MappingNode):
        raise _NotPlainError
    data = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _NotPlainError  # a list or mapping as a key: PyYAML says it is unhashable
        data[_plain_data(loader, key_node)] = _plain_data(loader, value_node)
    return data


def parse_config(
    text: str, source: str = "<config>", path: Path | None = None, folder: Path | None = None
) -> Config:
    """Parse and validate configuration text; raise :class:`ConfigError` naming every problem.
    Relative paths are read from ``folder``, by default the folder of ``path``."""
    # The node tree, the data and the models are tens of thousands of young objects without
    # cycles: the cycle collector, run over and over while they are made, cost a third of a
    # 500-customer load.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse_config(text, source, path, folder)
    finally:
        if collecting:
            gc.enable()


def _parse_config(text: str, source: str, path: Path | None, folder: Path | None) -> Config:
    try:
        node, data = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "not valid YAML"
        raise ConfigError(source, [ConfigProblem(line, "", f"not valid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, [ConfigProblem(None, "", f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise ConfigError(
            source,
            [
                ConfigProblem(
                    1, "", "the configuration must be a mapping with provider and customers"
                )
            ],
        )
    problems: list[ConfigProblem] = []
    assert node is not None
    lines = _Lines(node)
    if _has_duplicate_keys(node):
        problems.extend(lines.duplicates())
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(ConfigProblem(lines.of(loc), _format_loc(loc), _message(error)))
        for loc, message in problems_of_valid_customers(data):
            problems.append(ConfigProblem(lines.of(loc), _format_loc(loc), message))
        raise ConfigError(source, problems) from None
    for loc, message in semantic_problems(config):
        problems.append(ConfigProblem(lines.of(loc), _format_loc(loc), message))
    if problems:
        raise ConfigError(source, problems)
    folder = folder or (path.parent if path is not None else None)
    if folder is not None:
        config = _with_secret_files_resolved(config, folder)
    config._source = path
    config._folder = folder
    return config


def _with_secret_files_resolved(config: Config, folder: Path) -> Config:
    """Relative ``*_file`` secrets are read from the configuration's folder, not from wherever
    deploybot happens to be started."""

    def resolved(path: Path | None) -> Path | None:
        return folder / path if path is not None and not path.is_absolute() else path

    caldav = config.calendar.caldav
    calendar = config.calendar
    if caldav is not None:
        caldav = caldav.model_copy(update={"password_file": resolved(caldav.password_file)})
        calendar = calendar.model_copy(update={"caldav": caldav})
    return config.model_copy(
        update={
            "zammad": config.zammad.model_copy(
                update={"token_file": resolved(config.zammad.token_file)}
            ),
            "gitlab": config.gitlab.model_copy(
                update={"token_file": resolved(config.gitlab.token_file)}
            ),
            "smtp": config.smtp.model_copy(
                update={"password_file": resolved(config.smtp.password_file)}
            ),
            "calendar": calendar,
        }
    )


def load_config(path: Path, folder: Path | None = None) -> Config:
    """Read and validate a configuration file; its relative paths are read from ``folder``, by
    default the file's own."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            str(path), [ConfigProblem(None, "", f"cannot read it: {reason}")]
        ) from None
    return parse_config(text, source=str(path), path=path.resolve(), folder=folder)


def config_data(text: str) -> dict[str, Any]:
    """The plain data of valid configuration text, read as :func:`parse_config` reads it (YAML
    1.2 scalars), for a program that writes a configuration derived from another."""
    _, data = _compose(text)
    if not isinstance(data, dict):
        raise ConfigError("<config>", [ConfigProblem(1, "", "not a mapping")])
    return data
