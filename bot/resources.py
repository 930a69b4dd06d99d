"""Where the files that ship with deploybot are: the example configuration and the templates.

From a source checkout they are the repository's ``config/`` and ``templates/`` folders; from an
installed wheel they are package data of ``deploybot_data`` (the same folders, copied in).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def shipped_path(relative: str) -> Path:
    """The path of a shipped file or folder, e.g. ``config/example.yaml``."""
    in_checkout = _SOURCE_ROOT / relative
    if in_checkout.exists() and (_SOURCE_ROOT / "pyproject.toml").exists():
        return in_checkout
    return Path(str(importlib.resources.files("deploybot_data").joinpath(relative)))


def example_config_path() -> Path:
    """The example configuration, used when no other configuration is given."""
    return shipped_path("config/example.yaml")


def templates_path() -> Path:
    """The folder of the shipped Jinja2 templates."""
    return shipped_path("templates")
