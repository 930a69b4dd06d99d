"""A provider with many customers, generated from the example: its configuration (the example's
four customers, then copies of them spread over Spain's 17 autonomous communities, one GitLab
project each) and the emulators' scenario that goes with it (the demo scenario plus a project
with one release per copy)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from bot.resources import example_config_path
from emulators.scenario import load_scenario

#: Spain's 17 autonomous communities (ISO 3166-2:ES), as the holidays library spells them.
REGIONS = (
    "AN", "AR", "AS", "CB", "CL", "CM", "CN", "CT", "EX",
    "GA", "IB", "MC", "MD", "NC", "PV", "RI", "VC",
)  # fmt: skip


def _copy_of(template: dict[str, Any], number: int) -> dict[str, Any]:
    customer = copy.deepcopy(template)
    name = f"{template['name']}{number:03d}"
    customer["name"] = name
    customer["zammad_organization"] = f"{template['zammad_organization']} {number:03d}"
    customer["holidays"]["subdiv"] = REGIONS[number % len(REGIONS)]
    components = template.get("components") or {}
    for component, settings in list(components.items())[:1]:  # partner-exclusive: none
        project = {**settings, "gitlab_project": f"fleet/{name.lower()}"}
        customer["components"] = {component: project}
    return customer


def fleet_config(count: int) -> dict[str, Any]:
    """The example configuration with ``count`` customers (at least its own four)."""
    data: dict[str, Any] = yaml.safe_load(example_config_path().read_text(encoding="utf-8"))
    templates = list(data["customers"])
    extra = [_copy_of(templates[n % len(templates)], n) for n in range(count - len(templates))]
    data["customers"] = templates + extra
    return data


def write_fleet_config(count: int, path: Path, **sections: dict[str, Any]) -> Path:
    """:func:`fleet_config` written to ``path``, its sections updated with ``sections``."""
    data = fleet_config(count)
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def fleet_projects(config: dict[str, Any]) -> list[str]:
    """Every component project of a generated configuration, each once."""
    paths = (
        settings["gitlab_project"]
        for customer in config["customers"]
        for settings in customer.get("components", {}).values()
    )
    return list(dict.fromkeys(paths))


def fleet_scenario(count: int) -> dict[str, Any]:
    """The demo scenario plus, for each generated customer, its organization and a project
    with one release (the demo's CAIB project, renamed)."""
    scenario = load_scenario()
    known = {project["path"] for project in scenario["gitlab"]["projects"]}
    template = next(p for p in scenario["gitlab"]["projects"] if p["path"] == "soffid/addons/caib")
    next_id = max(project["id"] for project in scenario["gitlab"]["projects"]) + 1
    config = fleet_config(count)
    for path in fleet_projects(config):
        if path not in known:
            scenario["gitlab"]["projects"].append({**copy.deepcopy(template), "id": next_id,
                                                   "path": path})  # fmt: skip
            next_id += 1
    organizations = scenario["zammad"]["organizations"]
    names = {organization["name"] for organization in organizations}
    for customer in config["customers"]:
        if customer["zammad_organization"] not in names:
            organizations.append({"id": len(organizations) + 1,
                                  "name": customer["zammad_organization"]})  # fmt: skip
    return scenario
