"""The recipes of docs/explanation/architecture.md, "How to add…", done for real: each toy
addition is a patch under tests/toys/, applied to a copy of the code, checked by
``mypy --strict`` and by the behaviour test it ships. The doc states how many files each one
touches and lists them; both are held to the patch, and the count to its target.

The patches carry two lines of context (``git diff -U2``). When a change elsewhere moves that
context, re-make the patch: ``git apply -3 tests/toys/<name>.diff`` (after the one it builds
on), resolve, and write ``git diff -U2 > tests/toys/<name>.diff`` (``git add -N`` its new
files first; for ``paused_state``, diff against the tree with ``pause_command`` applied)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("toys")

ROOT = Path(__file__).resolve().parents[1]
TOYS = ROOT / "tests" / "toys"
ARCHITECTURE = ROOT / "docs" / "explanation" / "architecture.md"
#: What a copy needs to be type-checked and tested on its own.
COPIED = ("bot", "integrations", "emulators", "tests", "templates", "config", "pyproject.toml")


@dataclass(frozen=True)
class Toy:
    """One patch: the recipe it follows, at most how many files it may touch, the patch it is
    applied on top of, and the test files that prove it works."""

    recipe: str
    most_files: int
    tests: tuple[str, ...]
    on_top_of: str | None = None


TOY_PATCHES = {
    "pause_command": Toy("A command", 5, ("tests/test_toy_pause.py",)),
    "paused_state": Toy(
        "A state",
        8,
        ("tests/test_toy_pause.py", "tests/test_lifecycle_table.py"),
        on_top_of="pause_command",
    ),
    "toy_channel": Toy("An outside channel", 8, ("tests/test_dispatch.py",)),
}


def touched_files(patch: Path) -> list[str]:
    """The files a unified diff edits, creates or deletes."""
    names = []
    for line in patch.read_text().splitlines():
        if line.startswith("diff --git a/"):
            names.append(line.split(" b/", 1)[1])
    return names


def recipes(text: str) -> dict[str, tuple[int, list[str]]]:
    """Each recipe of the "How to add…" section that names its patch: the number of files it
    states and the files its numbered steps list, by patch name."""
    section = text.split("## How to add…", 1)[1]
    found = {}
    for block in re.split(r"\n(?=\*\*)", section):
        head = re.match(r"\*\*[^*]+ — (\d+) files\*\* \(`tests/toys/(\w+)\.diff`", block)
        if head:
            steps = re.findall(r"^\d+\. `([^`]+)`", block, re.MULTILINE)
            found[head[2]] = (int(head[1]), steps)
    return found


class Workbench:
    """A copy of the code the toy patches are applied to, each at most once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.applied: list[str] = []
        skip = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".pytest_cache")
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, root / name, ignore=skip)
            else:
                shutil.copy2(source, root / name)
        # A warm cache is only a head start: mypy checks each file's hash against it.
        if (ROOT / ".mypy_cache").is_dir():
            shutil.copytree(ROOT / ".mypy_cache", root / ".mypy_cache")

    def apply(self, name: str) -> None:
        """Apply a toy patch (and the one it builds on) with ``git apply``."""
        below = TOY_PATCHES[name].on_top_of
        if below is not None and below not in self.applied:
            self.apply(below)
        if name not in self.applied:
            self.run("git", "apply", "--whitespace=nowarn", str(TOYS / f"{name}.diff"))
            self.applied.append(name)

    def run(self, *command: str) -> str:
        """Run a command in the copy, its code first on the path; its output if it succeeded."""
        env = {**os.environ, "PYTHONPATH": str(self.root), "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(
            command, cwd=self.root, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Workbench:
    return Workbench(tmp_path_factory.mktemp("toys"))


def test_the_doc_lists_every_toy_patch_and_nothing_else() -> None:
    assert set(recipes(ARCHITECTURE.read_text())) == set(TOY_PATCHES)
    assert {patch.stem for patch in TOYS.glob("*.diff")} == set(TOY_PATCHES)


@pytest.mark.parametrize("name", list(TOY_PATCHES))
def test_the_doc_counts_and_lists_exactly_the_files_of_each_toy(name: str) -> None:
    touched = touched_files(TOYS / f"{name}.diff")
    stated, listed = recipes(ARCHITECTURE.read_text())[name]
    assert stated == len(touched) <= TOY_PATCHES[name].most_files
    assert sorted(listed) == sorted(touched)


@pytest.mark.parametrize("name", list(TOY_PATCHES))
def test_a_toy_applied_through_its_recipe_type_checks_and_works(
    name: str, workbench: Workbench
) -> None:
    toy = TOY_PATCHES[name]
    workbench.apply(name)
    checked = workbench.run(sys.executable, "-m", "mypy", "--strict", "bot", *toy.tests)
    assert "Success" in checked
    tested = workbench.run(
        sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider", *toy.tests
    )
    assert re.search(r"\b\d+ passed", tested) and "failed" not in tested


def test_the_language_recipe_names_every_file_with_a_table_per_language() -> None:
    recipe = ARCHITECTURE.read_text().split("**A language", 1)[1]
    per_language = [
        path
        for folder in ("bot", "integrations")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if '"ca"' in path.read_text()
    ]
    assert len(per_language) >= 10
    for path in per_language:
        named = path.stem if path.parent.name == "texts" else path.relative_to(ROOT).as_posix()
        assert f"`{named}`" in recipe, f"{named} has words per language the recipe does not name"
    templates = [p for p in (ROOT / "templates").glob("*/en/*") if p.is_file()]
    golden = [p for p in (ROOT / "tests" / "golden").glob("*/en/*") if p.is_file()]
    assert f"{len(templates)} files" in recipe and f"their {len(golden)} golden files" in recipe
