"""Scenarios: the seed data of the emulators, read from YAML or JSON.

The format is documented in docs/development/emulators.md and shown by
``config/demo-scenario.yaml``.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
from pathlib import Path
from typing import Any

import yaml


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the problem."""


def demo_scenario_path() -> Path:
    """The shipped demo scenario (the example customers of ``config/example.yaml``): the
    checkout's ``config/`` folder, or the ``deploybot_data.config`` package data once installed."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").exists():
        return checkout / "config" / "demo-scenario.yaml"
    return Path(str(importlib.resources.files("deploybot_data.config") / "demo-scenario.yaml"))


def load_scenario(path: Path | None = None) -> dict[str, Any]:
    """Read a scenario file (YAML or JSON); the shipped demo scenario when ``path`` is None."""
    source = path or demo_scenario_path()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot read it: {exc.strerror}") from None
    try:
        data = json.loads(text) if source.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{source}: not valid YAML/JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping with zammad: and gitlab: sections")
    return data


def with_old_tickets(
    scenario: dict[str, Any], count: int, *, watched: int, organization: str, first_id: int = 1000
) -> dict[str, Any]:
    """A copy of ``scenario`` with ``count`` more tickets of ``organization``, each with one
    old internal note; the first ``watched`` carry a status tag (``deploy-ready``), so deploybot
    watches them (for measuring what a poll costs)."""
    bigger = copy.deepcopy(scenario)
    bigger["zammad"]["tickets"].extend(
        {"id": first_id + n, "number": str(7500000 + n), "title": f"Old ticket {n}",
         "organization": organization, "tags": ["deploy-ready"] if n < watched else [],
         "articles": [{"body": f"<p>history {n}</p>", "internal": True}]}
        for n in range(count)
    )  # fmt: skip
    return bigger
