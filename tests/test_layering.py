"""The layout is the architecture: imports point one way (cli → app → domain, app →
integrations), the domain loads no I/O library, and every module and function stays small."""

from __future__ import annotations

import ast
import re
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


# -- the rooms of the shell ------------------------------------------------------------------

#: The rooms of ``bot/app``, lowest first: a room imports only from itself and the rooms below.
ROOMS = ("store", "outside", "outbox", "orders", "intake", "web", "run", "ops")
#: Where no code may reach through the service (``service.orders.give``): handed what they use.
NO_REACH_THROUGH = ("bot/app/web", "bot/app/ops", "bot/cli")


def rooms_imported(tree: ast.AST) -> list[tuple[int, str, str]]:
    """Every import of a room in ``tree`` — at the top, under ``TYPE_CHECKING`` or inside a
    function — as (line, module written, room)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "bot.app":
            modules = [f"bot.app.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[:2] == ["bot", "app"] and len(parts) > 2 and parts[2] != "face":
                found.append((node.lineno, module, parts[2]))
    return found


def wrong_way_imports(room: str, source: str) -> list[str]:
    """The imports of a module of ``room`` that point up the stack or to no known room."""
    rank = ROOMS.index(room)
    return [
        f"{line}: {module}"
        for line, module, other in rooms_imported(ast.parse(source))
        if other not in ROOMS or ROOMS.index(other) > rank
    ]


def reaches_through_service(source: str) -> list[str]:
    """Every ``service.<x>.<y>`` in ``source``: an attribute of an attribute of a name or
    attribute called ``service``."""
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)):
            continue
        holder = node.value.value
        named = (isinstance(holder, ast.Name) and holder.id == "service") or (
            isinstance(holder, ast.Attribute) and holder.attr == "service"
        )
        if named:
            found.append((node.lineno, node.col_offset, ast.unparse(node)))
    return [f"{line}: {chain}" for line, _, chain in sorted(found)]


def emulator_imports(source: str) -> list[str]:
    """The imports of ``source`` from the emulators."""
    tree = ast.parse(source)
    modules = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ] + [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    return sorted(m for m in modules if m.split(".")[0] == "emulators")


def stray_modules(app: Path) -> list[str]:
    """What in ``app`` is not a room's module: a module beside the rooms, or a folder of code
    that is no room of :data:`ROOMS`."""
    loose = [p.name for p in app.glob("*.py") if p.name != "__init__.py"]
    folders = [p.name for p in app.iterdir() if p.is_dir() and any(p.glob("*.py"))]
    return sorted(loose + [f"{name}/" for name in folders if name not in ROOMS])


def app_modules() -> list[tuple[str, Path]]:
    """Every module of a room, with its room."""
    app = ROOT / "bot" / "app"
    return [(room, path) for room in ROOMS for path in sorted((app / room).rglob("*.py"))]


def test_every_module_of_the_shell_is_in_a_room() -> None:
    assert stray_modules(ROOT / "bot" / "app") == []
    assert sorted(p.name for p in (ROOT / "bot" / "app").iterdir() if p.is_dir() and
                  p.name != "__pycache__") == sorted(ROOMS)  # fmt: skip


def test_a_module_beside_the_rooms_or_a_room_out_of_the_order_is_found(tmp_path: Path) -> None:
    for name in ("__init__.py", "store/__init__.py", "store/database.py", "misc/helpers.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text('"""x"""\n')
    assert stray_modules(tmp_path) == ["misc/"]
    (tmp_path / "service.py").write_text('"""x"""\n')
    assert stray_modules(tmp_path) == ["misc/", "service.py"]


def test_rooms_import_only_the_rooms_below_them() -> None:
    found = {
        str(path.relative_to(ROOT)): bad
        for room, path in app_modules()
        if (bad := wrong_way_imports(room, path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_an_import_up_the_stack_is_found_wherever_it_is_written() -> None:
    typing_only = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from bot.app.run.service import Service\n"
    )
    in_a_function = "def f() -> None:\n    from bot.app.outside import ports\n"
    plain = "import bot.app.web.views\nfrom bot.app import run\n"
    assert wrong_way_imports("web", typing_only) == ["3: bot.app.run.service"]
    assert wrong_way_imports("store", in_a_function) == ["2: bot.app.outside"]
    assert wrong_way_imports("orders", plain) == ["1: bot.app.web.views", "2: bot.app.run"]
    assert wrong_way_imports("store", "from bot.app.nowhere import x\n") == ["1: bot.app.nowhere"]
    below = (
        "from bot.app.store import Store\n"
        "from bot.app.web.views import ViewsApp\n"
        "from bot.app import face\n"
    )
    assert wrong_way_imports("run", below) == []


def test_web_ops_and_the_command_line_never_reach_through_the_service() -> None:
    found = {
        str(path.relative_to(ROOT)): bad
        for folder in NO_REACH_THROUGH
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (bad := reaches_through_service(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    web = [path for room, path in app_modules() if room == "web"]
    assert [
        m for p in web for _, m, room in rooms_imported(ast.parse(p.read_text())) if room == "run"
    ] == []


def test_a_reach_through_the_service_is_found() -> None:
    source = (
        "service.orders.give(order)\n"
        "self.service.store.deployment(x)\n"
        "self.desk.service.config.provider\n"
        "service.run_cycle()\n"
        "links = service.links\n"
    )
    assert reaches_through_service(source) == [
        "1: service.orders.give",
        "2: self.service.store.deployment",
        "3: self.desk.service.config.provider",
    ]


def test_the_application_imports_nothing_from_the_emulators() -> None:
    found = {
        str(path.relative_to(ROOT)): bad
        for _, path in app_modules()
        if (bad := emulator_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_an_import_of_an_emulator_is_found() -> None:
    source = "import emulators.gitlab\ndef f() -> None:\n    from emulators.zammad import app\n"
    assert emulator_imports(source) == ["emulators.gitlab", "emulators.zammad"]
    assert emulator_imports("from integrations.zammad import ZammadClient\n") == []


#: What an adapter that talks to an outside system is called (records and errors are not).
ADAPTER_NAMES = re.compile(r"(Client|Probe|Mailer|Calendar|Directory|DeploymentLog|Apis)$")
#: Where adapters are built: the composition root, and the demo and emulator commands (which
#: point them at the emulators they start).
BUILDERS = {"bot/app/run/wiring.py", "bot/cli/demo.py", "bot/cli/tools.py", "bot/cli/inspection.py"}


def adapters_built(source: str) -> list[str]:
    """The adapters of ``integrations`` a module builds itself (calls by their imported name)."""
    tree = ast.parse(source)
    adapters = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("integrations")
        for alias in node.names
        if ADAPTER_NAMES.search(alias.name)
    }
    return sorted(
        f"{node.lineno}: {node.func.id}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in adapters
    )


def test_outside_clients_are_built_in_wiring_only() -> None:
    """The shell sees each outside system through a port: only the composition root builds
    the adapters behind them (a live check's probe too)."""
    found = {
        name: bad
        for folder in ("bot/app", "bot/cli")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (name := str(path.relative_to(ROOT))) not in BUILDERS
        and (bad := adapters_built(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_an_adapter_built_outside_wiring_is_found() -> None:
    source = (
        "from integrations.probes import HttpProbe, ProbeAnswer\n"
        "from integrations.zammad_admin import ZammadAdminClient as Admin\n"
        "probe = HttpProbe('https://x', 1.0)\n"
        "answer = ProbeAnswer(200)\n"
        "def f() -> None:\n"
        "    Admin('https://z', 't')\n"
    )
    assert adapters_built(source) == ["3: HttpProbe", "6: Admin"]


def face_names(room: str) -> tuple[list[str], list[str]]:
    """What a room's face says it exports (``__all__``) and what it imports for the types."""
    tree = ast.parse((ROOT / "bot" / "app" / room / "__init__.py").read_text(encoding="utf-8"))
    exported: list[str] = []
    typed: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            exported = [ast.literal_eval(element) for element in node.value.elts]
        elif isinstance(node, ast.If):
            typed = [a.name for n in node.body if isinstance(n, ast.ImportFrom) for a in n.names]
    return sorted(exported), sorted(typed)


@pytest.mark.parametrize("room", ROOMS)
def test_each_face_gives_what_it_says_without_loading_the_room(room: str) -> None:
    exported, typed = face_names(room)
    assert exported and exported == typed
    probe = (
        f"import sys, bot.app.{room} as face; before = set(sys.modules); "
        "names = [getattr(face, name) for name in face.__all__]; "
        f"print(sorted(m for m in before if m.startswith('bot.app.{room}.')), len(names))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert answer == ["[]", str(len(exported))]
