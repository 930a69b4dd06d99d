"""The wheel installs with only its declared dependencies into a fresh virtual environment and
runs ``deploybot demo`` from any folder; every package of the source tree is in it."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.xdist_group("slow-trials")


def source_packages() -> set[str]:
    return {
        ".".join(path.parent.relative_to(ROOT).parts)
        for folder in ("bot", "integrations")
        for path in (ROOT / folder).rglob("__init__.py")
    }


def build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = out.glob("deploybot-*.whl")
    return wheel


def test_the_wheel_holds_every_package_and_runs_the_demo_from_any_folder(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    packaged = {name.rsplit("/", 1)[0].replace("/", ".") for name in names
                if name.endswith("__init__.py")}  # fmt: skip
    assert source_packages() - packaged == set()
    assert any(name.startswith("deploybot_data/templates/web/") for name in names)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   capture_output=True, timeout=480)  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    demo = subprocess.run([str(env_dir / "bin" / "deploybot"), "demo"], cwd=elsewhere,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "DIBA-2026-0001 is completed" in demo.stdout
    version = subprocess.run([str(env_dir / "bin" / "deploybot"), "--version"],
                             capture_output=True, text=True, check=True)  # fmt: skip
    assert version.stdout.startswith("deploybot, version ")
