"""Reading ``/deploy …`` commands out of Zammad notes into typed commands.

Pure: text in, plain data out. A malformed command raises :class:`CommandError`, whose problem
says what is wrong and whose ``usage`` names the command whose usage line shows how to write it.
Every number a person types is bounded (dates within :data:`YEARS`, durations by
``MAX_DURATION``), so no note can make the parser raise anything else.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot.domain.durations import DurationError, parse_duration
from bot.domain.free_text import language_parts
from bot.domain.plain import plain
from bot.domain.problems import DomainError, Problem
from bot.domain.texts import say

_BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li|/blockquote|/h\d)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_COMMAND = re.compile(r"^\s*/deploy(?:\s+(?P<name>[\w-]+))?(?:\s+(?P<args>.*?))?\s*$", re.I)
_COMPONENT = re.compile(r"^(?P<name>[A-Za-z0-9][\w.-]*)\s*[ :=@]\s*v?(?P<version>\d[\w.+-]*)$")
_DATE_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_DATE_EU = re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$")
_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.h](?P<min>\d{2}))?$")

#: The years a date may name: anything else is a typo.
YEARS = (2000, 2100)


class CommandError(DomainError):
    """A command that cannot be understood; ``usage`` names the command to show the usage of."""

    def __init__(self, problem: Problem, usage: str) -> None:
        super().__init__(problem)
        self.usage = usage


def usage_line(command: str, language: str) -> str:
    """How a command is written, with an example in ``language``."""
    return say(language, f"usage_{command}")


def help_lines(language: str) -> list[str]:
    """One line per command, as they are written."""
    return [usage_line(name, language) for name in PARSERS]


@dataclass(frozen=True)
class RawCommand:
    """One ``/deploy`` line of a note: the command name (lower case) and the rest of the line."""

    name: str
    args: str
    line: str


@dataclass(frozen=True)
class SetComponents:
    """``/deploy components addon-x 3.2.11, lib-y 3.2.1``."""

    line: str
    components: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SetEnvironment:
    """``/deploy env PRE``."""

    line: str
    name: str


@dataclass(frozen=True)
class Schedule:
    """``/deploy schedule 2026-12-01 09:30 [15m] [force: reason]``."""

    line: str
    start: datetime
    duration: timedelta | None = None
    force: str | None = None


@dataclass(frozen=True)
class SetRestarts:
    """``/deploy restart …``: what is restarted (for the emails and the log), as one line in the
    operator's language or one text per language (``ca: … | es: …``)."""

    line: str
    text: str


@dataclass(frozen=True)
class Start:
    """``/deploy start [force: reason]``: start now (the force overrides the slot and the
    prerequisites, and is recorded)."""

    line: str
    force: str | None = None


@dataclass(frozen=True)
class Delay:
    """``/deploy delay [30m]``: late, optionally with a new estimate."""

    line: str
    extension: timedelta | None = None


@dataclass(frozen=True)
class Rollback:
    """``/deploy rollback <reason>``."""

    line: str
    reason: str


@dataclass(frozen=True)
class SetRollbackPlan:
    """``/deploy rollback-plan <steps>`` or ``… auto``."""

    line: str
    text: str


@dataclass(frozen=True)
class Cancel:
    """``/deploy cancel [reason]``."""

    line: str
    reason: str = ""


@dataclass(frozen=True)
class CheckAgain:
    """``/deploy recheck``: check the prerequisites again now."""

    line: str


@dataclass(frozen=True)
class Done:
    """``/deploy done [force: reason]``: close (step 3's checks must pass unless forced)."""

    line: str
    force: str | None = None


@dataclass(frozen=True)
class Verify:
    """``/deploy verify``: run step 3's live checks now and say what they see."""

    line: str


@dataclass(frozen=True)
class Retry:
    """``/deploy retry``: play the step-3 job that held the deployment again."""

    line: str


@dataclass(frozen=True)
class Continue:
    """``/deploy continue force: <reason>``: go on past the step-3 job (or checks) that held
    the deployment, as if it had passed (maintenance off still runs)."""

    line: str
    force: str


@dataclass(frozen=True)
class Help:
    """``/deploy help`` (or ``/deploy`` alone)."""

    line: str


Command = (
    SetComponents
    | SetEnvironment
    | Schedule
    | Start
    | SetRestarts
    | Delay
    | Rollback
    | SetRollbackPlan
    | Cancel
    | CheckAgain
    | Done
    | Verify
    | Retry
    | Continue
    | Help
)


def note_text(body: str) -> str:
    """The text of an HTML note, line breaks kept where paragraphs and ``<br>`` were."""
    return plain(html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", body))).replace("\xa0", " "))


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
    items = [item.strip() for item in re.split(r"[,;\n]", text) if item.strip()]
    if not items:
        raise CommandError(Problem.of("cmd_no_component"), "components")
    parsed: dict[str, str] = {}
    for item in items:
        match = _COMPONENT.match(item)
        if match is None:
            raise CommandError(Problem.of("cmd_not_name_version", item=item), "components")
        name, version = match["name"], match["version"]
        if name in parsed and parsed[name] != version:
            twice = Problem.of("cmd_component_twice", name=name, first=parsed[name], second=version)
            raise CommandError(twice, "components")
        parsed[name] = version
    return tuple(parsed.items())


def parse_datetime(date_text: str, time_text: str, tz: tzinfo) -> datetime:
    """``2026-12-01 09:30`` or ``01/12/2026 9:30`` in the provider's time zone."""
    match = _DATE_ISO.match(date_text) or _DATE_EU.match(date_text)
    if match is None:
        raise CommandError(Problem.of("cmd_not_date", text=date_text), "schedule")
    clock = _TIME.match(time_text)
    if clock is None:
        raise CommandError(Problem.of("cmd_not_time", text=time_text), "schedule")
    year = int(match["y"])
    if not YEARS[0] <= year <= YEARS[1]:
        problem = Problem.of("cmd_date_out_of_range", text=date_text, first=YEARS[0], last=YEARS[1])
        raise CommandError(problem, "schedule")
    try:
        return datetime(
            year,
            int(match["m"]),
            int(match["d"]),
            int(clock["h"]),
            int(clock["min"] or 0),
            tzinfo=tz,
        )
    except ValueError:
        problem = Problem.of("cmd_bad_datetime", text=f"{date_text} {time_text}")
        raise CommandError(problem, "schedule") from None


def _duration(text: str, usage: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as error:
        raise CommandError(error.problem, usage) from None


def _schedule(raw: RawCommand, tz: tzinfo) -> Schedule:
    args, marker, force = raw.args.partition("force:")
    words = args.replace("T", " ").split()
    if len(words) < 2:
        raise CommandError(Problem.of("cmd_needs_date_time"), "schedule")
    if len(words) > 3:
        raise CommandError(Problem.of("cmd_unexpected_after", rest=" ".join(words[3:])), "schedule")
    start = parse_datetime(words[0], words[1], tz)
    duration = _duration(words[2], "schedule") if len(words) == 3 else None
    return Schedule(raw.line, start, duration, _force(marker + force, "schedule"))


def _force(args: str, usage: str) -> str | None:
    """The reason of a ``force: <reason>`` argument (None without one)."""
    before, marker, reason = args.partition("force:")
    if before.strip():
        raise CommandError(Problem.of("cmd_unexpected_after", rest=before.strip()), usage)
    if not marker:
        return None
    if not reason.strip():
        raise CommandError(Problem.of("cmd_force_needs_reason"), usage)
    return reason.strip()


def _recheck(raw: RawCommand, tz: tzinfo) -> CheckAgain:
    if raw.args:
        raise CommandError(Problem.of("cmd_takes_nothing", name=raw.name, rest=raw.args), raw.name)
    return CheckAgain(raw.line)


def _verify(raw: RawCommand, tz: tzinfo) -> Verify:
    if raw.args:
        raise CommandError(Problem.of("cmd_takes_nothing", name=raw.name, rest=raw.args), raw.name)
    return Verify(raw.line)


def _restarts(raw: RawCommand, tz: tzinfo) -> SetRestarts:
    """A plain line (the operator's language), or one text per language: ``ca: … | es: …``."""
    text = _argument(raw)
    try:
        language_parts(text)
    except ValueError as error:
        raise CommandError(Problem.of("cmd_restart_languages", part=str(error)), raw.name) from None
    return SetRestarts(raw.line, text)


def _retry(raw: RawCommand, tz: tzinfo) -> Retry:
    if raw.args:
        raise CommandError(Problem.of("cmd_takes_nothing", name=raw.name, rest=raw.args), raw.name)
    return Retry(raw.line)


def _continue(raw: RawCommand, tz: tzinfo) -> Continue:
    reason = _force(raw.args, "continue")
    if reason is None:
        raise CommandError(Problem.of("cmd_force_needs_reason"), "continue")
    return Continue(raw.line, reason)


def _argument(raw: RawCommand) -> str:
    """The rest of the line, which the command cannot do without (``arg_<name>`` says what)."""
    if not raw.args:
        what = Problem.of(f"arg_{raw.name.replace('-', '_')}")
        raise CommandError(Problem.of("cmd_needs_argument", name=raw.name, what=what), raw.name)
    return raw.args


def _environment(raw: RawCommand, tz: tzinfo) -> SetEnvironment:
    if len(_argument(raw).split()) != 1:
        raise CommandError(Problem.of("cmd_env_one_word"), raw.name)
    return SetEnvironment(raw.line, raw.args)


#: The one registry of commands: each name and how its line is read, in the order
#: ``/deploy help`` lists them. What a command then asks for is ``routing._orders``.
PARSERS: dict[str, Callable[[RawCommand, tzinfo], Command]] = {
    "cancel": lambda raw, tz: Cancel(raw.line, raw.args),
    "components": lambda raw, tz: SetComponents(raw.line, parse_components(raw.args)),
    "delay": lambda raw, tz: Delay(raw.line, _duration(raw.args, "delay") if raw.args else None),
    "done": lambda raw, tz: Done(raw.line, _force(raw.args, "done")),
    "env": _environment,
    "help": lambda raw, tz: Help(raw.line),
    "recheck": _recheck,
    "restart": _restarts,
    "rollback": lambda raw, tz: Rollback(raw.line, _argument(raw)),
    "rollback-plan": lambda raw, tz: SetRollbackPlan(raw.line, _argument(raw)),
    "schedule": _schedule,
    "start": lambda raw, tz: Start(raw.line, _force(raw.args, "start")),
    "verify": _verify,
    "retry": _retry,
    "continue": _continue,
}
#: The command names, in the order ``/deploy help`` lists them.
COMMAND_NAMES = tuple(PARSERS)


def parse_command(raw: RawCommand, tz: tzinfo) -> Command:
    """The command a ``/deploy`` line asks for, or a CommandError saying how to write it."""
    parser = PARSERS.get(raw.name)
    if parser is None:
        problem = Problem.of("cmd_unknown", name=raw.name, known=", ".join(PARSERS))
        raise CommandError(problem, "help")
    return parser(raw, tz)
