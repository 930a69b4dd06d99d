"""Reading ``/deploy …`` commands out of Zammad notes, and the component lists people type.

Pure: text in, plain data out. A malformed command raises :class:`CommandError`, whose message
says what is wrong and whose ``usage`` shows how to write it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot.domain.durations import DurationError, parse_duration

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


USAGE.update(
    {
        "env": "/deploy env PRE",
        "schedule": "/deploy schedule 2026-12-01 09:30 [15m] [force: reason]",
        "restart": "/deploy restart las consolas y los syncservers",
        "delay": "/deploy delay [30m]",
        "rollback": "/deploy rollback <reason>",
        "rollback-plan": "/deploy rollback-plan <steps> | /deploy rollback-plan auto",
        "cancel": "/deploy cancel [reason]",
        "help": "/deploy help",
    }
)

_DATE_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_DATE_EU = re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$")
_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.h](?P<min>\d{2}))?$")


@dataclass(frozen=True)
class Command:
    """A parsed ``/deploy`` command. Only the fields its ``name`` uses are set."""

    name: str
    line: str
    text: str = ""
    components: tuple[tuple[str, str], ...] = ()
    start: datetime | None = None
    duration: timedelta | None = None
    force: str | None = None


def parse_datetime(date_text: str, time_text: str, tz: tzinfo) -> datetime:
    """``2026-12-01 09:30`` or ``01/12/2026 9:30`` in the provider's time zone."""
    usage = USAGE["schedule"]
    match = _DATE_ISO.match(date_text) or _DATE_EU.match(date_text)
    if match is None:
        raise CommandError(f"'{date_text}' is not a date (write 2026-12-01 or 01/12/2026)", usage)
    clock = _TIME.match(time_text)
    if clock is None:
        raise CommandError(f"'{time_text}' is not a time (write 09:30)", usage)
    try:
        return datetime(
            int(match["y"]),
            int(match["m"]),
            int(match["d"]),
            int(clock["h"]),
            int(clock["min"] or 0),
            tzinfo=tz,
        )
    except ValueError as error:
        raise CommandError(
            f"'{date_text} {time_text}' is not a valid date and time: {error}", usage
        ) from None


def _duration(text: str, usage: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as error:
        raise CommandError(str(error), usage) from None


def _schedule(raw: RawCommand, tz: tzinfo) -> Command:
    usage = USAGE["schedule"]
    args, _, force = raw.args.partition("force:")
    words = args.replace("T", " ").split()
    if len(words) < 2:
        raise CommandError("a date and a time are needed", usage)
    if len(words) > 3:
        raise CommandError(f"unexpected '{' '.join(words[3:])}' after the duration", usage)
    start = parse_datetime(words[0], words[1], tz)
    duration = _duration(words[2], usage) if len(words) == 3 else None
    reason = force.strip() if raw.args.find("force:") >= 0 else None
    if reason == "":
        raise CommandError("'force:' needs a reason after it", usage)
    return Command("schedule", raw.line, start=start, duration=duration, force=reason)


def parse_command(raw: RawCommand, tz: tzinfo) -> Command:
    """The command a ``/deploy`` line asks for, or a CommandError saying how to write it."""
    name, args = raw.name, raw.args
    if name not in USAGE:
        known = ", ".join(sorted(USAGE))
        raise CommandError(
            f"'{name}' is not a deploybot command (commands: {known})", USAGE["help"]
        )
    usage = USAGE[name]
    if name == "components":
        return Command(name, raw.line, components=parse_components(args))
    if name == "schedule":
        return _schedule(raw, tz)
    if name == "delay":
        return Command(name, raw.line, duration=_duration(args, usage) if args else None)
    if name in ("env", "restart", "rollback", "rollback-plan") and not args:
        raise CommandError(f"/deploy {name} needs {usage.split(' ', 2)[2]}", usage)
    if name == "env" and len(args.split()) != 1:
        raise CommandError("the environment is one word", usage)
    return Command(name, raw.line, text=args)


def help_text() -> list[str]:
    """One line per command, as they are written."""
    return [USAGE[name] for name in sorted(USAGE)]
