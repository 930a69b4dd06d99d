"""The layout is the architecture: imports point one way (cli → app → domain, app →
integrations), the domain loads no I/O library, and every module and function stays small."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Libraries that do I/O: none of them may be imported by the domain.
IO_LIBRARIES = {
    "requests",
    "urllib3",
    "gitlab",
    "smtplib",
    "aiosmtpd",
    "openpyxl",
    "caldav",
    "icalendar",
    "sqlalchemy",
    "filelock",
    "werkzeug",
    "apscheduler",
    "prometheus_client",
    "socket",
    "http",
    "subprocess",
}
#: What importing the domain must not load (the standard library's email package loads socket,
#: so only the third-party I/O libraries are looked for among the loaded modules).
NEVER_LOADED = (IO_LIBRARIES - {"socket", "http", "subprocess", "urllib3"}) | {
    "integrations",
    "emulators",
}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def offenders(folder: str, forbidden: object) -> dict[str, list[str]]:
    """Per module under ``folder``, the imports ``forbidden(module)`` refuses."""
    found = {}
    for path in (ROOT / folder).rglob("*.py"):
        bad = sorted(m for m in imported_modules(path) if forbidden(m))  # type: ignore[operator]
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_integrations_never_import_bot() -> None:
    assert offenders("integrations", lambda m: m.split(".")[0] in {"bot", "emulators"}) == {}


#: What of the adapters an emulator may share: the formats both sides of the wire agree on.
SHARED_FORMATS = {
    "integrations.timestamps",
    "integrations.log_columns",
    "integrations.log_workbook",
}


def test_emulators_are_products_of_their_own() -> None:
    """The emulators stand for outside systems: they know nothing of deploybot and share only
    the wire formats with the adapters that talk to them."""

    def forbidden(module: str) -> bool:
        top = module.split(".")[0]
        return top == "bot" or (top == "integrations" and module not in SHARED_FORMATS)

    assert offenders("emulators", forbidden) == {}


def test_the_domain_imports_no_shell_no_adapter_and_no_io_library() -> None:
    def forbidden(module: str) -> bool:
        top = module.split(".")[0]
        shell = module.startswith(("bot.app", "bot.cli"))
        return shell or top in {"integrations", "emulators"} or top in IO_LIBRARIES

    assert offenders("bot/domain", forbidden) == {}


def test_the_configuration_imports_neither_the_domain_nor_the_shell() -> None:
    """The domain reads the configuration: an import back would run the arrow both ways."""

    def forbidden(module: str) -> bool:
        return module.startswith(("bot.domain", "bot.app", "bot.cli"))

    assert offenders("bot/config", forbidden) == {}


def test_the_shell_never_imports_the_command_line() -> None:
    assert offenders("bot/app", lambda m: m.startswith("bot.cli")) == {}


def test_importing_the_lifecycle_loads_no_io_library() -> None:
    probe = (
        "import sys, bot.domain.lifecycle, bot.domain.routing; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert set(loaded) & NEVER_LOADED == set()
    assert not any(name.startswith("bot.app") for name in loaded)


def python_files() -> list[Path]:
    return sorted(
        p for folder in ("bot", "integrations", "emulators") for p in (ROOT / folder).rglob("*.py")
    )


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name} has {text.count(chr(10))} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []
