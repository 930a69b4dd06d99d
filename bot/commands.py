"""Reading ``/deploy …`` commands out of Zammad notes, and the component lists people type.

Pure: text in, plain data out. A malformed command raises :class:`CommandError`, whose message
says what is wrong and whose ``usage`` shows how to write it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li|/blockquote|/h\d)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_COMMAND = re.compile(r"^\s*/deploy(?:\s+(?P<name>[\w-]+))?(?:\s+(?P<args>.*?))?\s*$", re.I)
_COMPONENT = re.compile(r"^(?P<name>[A-Za-z0-9][\w.-]*)\s*[ :=@]\s*v?(?P<version>\d[\w.+-]*)$")

USAGE = {
    "components": "/deploy components addon-diba 3.2.11, iam-sync 3.2.1",
}


class CommandError(ValueError):
    """A command that cannot be understood; ``usage`` is the correct form."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class RawCommand:
    """One ``/deploy`` line of a note: the command name (lower case) and the rest of the line."""

    name: str
    args: str
    line: str


def note_text(body: str) -> str:
    """The text of an HTML note, line breaks kept where paragraphs and ``<br>`` were."""
    return html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", body))).replace("\xa0", " ")


def find_commands(body: str) -> list[RawCommand]:
    """Every ``/deploy`` line of a note, in order (``/deploy`` alone is ``help``)."""
    found = []
    for line in note_text(body).splitlines():
        match = _COMMAND.match(line)
        if match:
            name = (match["name"] or "help").lower()
            found.append(RawCommand(name, (match["args"] or "").strip(), line.strip()))
    return found


def parse_components(text: str) -> tuple[tuple[str, str], ...]:
    """``addon-diba 3.2.11, iam-sync 3.2.1`` as ((name, version), …), each name once."""
    usage = USAGE["components"]
    items = [item.strip() for item in re.split(r"[,;\n]", text) if item.strip()]
    if not items:
        raise CommandError("no component given", usage)
    parsed: dict[str, str] = {}
    for item in items:
        match = _COMPONENT.match(item)
        if match is None:
            raise CommandError(f"'{item}' is not 'name version'", usage)
        name = match["name"]
        if name in parsed and parsed[name] != match["version"]:
            raise CommandError(
                f"{name} is given twice ({parsed[name]} and {match['version']})", usage
            )
        parsed[name] = match["version"]
    return tuple(parsed.items())
