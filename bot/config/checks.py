"""What a configuration of the right shape can still get wrong: a customer's parts that do not
fit together, Google backends without what they need, a state URL without its driver. Each
problem is a place (``Loc``) and a sentence; loading puts the file's line to it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from importlib.util import find_spec
from typing import Any

from pydantic import ValidationError

from bot.config.models import Config, Customer
from bot.durations import format_duration

Loc = tuple[str | int, ...]


def _customer_problems(customer: Customer, here: Loc) -> list[tuple[Loc, str]]:
    """What one customer gets wrong across its own fields."""
    problems: list[tuple[Loc, str]] = []
    delegated = customer.managed_by == "partner_delegated"
    if delegated and customer.partner is None:
        problems.append(
            (
                (*here, "partner"),
                f"customer '{customer.name}' is partner_delegated "
                "but names no partner: add partner: {name: …, contacts: [...]}",
            )
        )
    if delegated and customer.partner is not None and not customer.partner.contacts:
        problems.append(
            (
                (*here, "partner", "contacts"),
                "a delegating partner must be notified: list at least one contact",
            )
        )
    env_names: dict[str, int] = {}
    for env_index, env in enumerate(customer.environments):
        if env.name.casefold() in env_names:
            problems.append(
                (
                    (*here, "environments", env_index, "name"),
                    f"environment '{env.name}' is listed twice",
                )
            )
        env_names.setdefault(env.name.casefold(), env_index)
    if not customer.environments:
        problems.append(((*here, "environments"), "list at least one environment"))
    defaults = [i for i, env in enumerate(customer.environments) if env.default]
    if len(defaults) > 1:
        problems.append(
            (
                (*here, "environments", defaults[1], "default"),
                "only one environment can be the default",
            )
        )
    window = customer.window
    length = datetime.combine(date.min, window.end) - datetime.combine(date.min, window.start)
    if customer.default_duration > length:
        problems.append(
            (
                (*here, "default_duration"),
                f"{format_duration(customer.default_duration)} is longer than the window "
                f"{window.start:%H:%M}–{window.end:%H:%M} ({format_duration(length)}): "
                "no slot could ever hold it",
            )
        )
    for comp_name, component in customer.components.items():
        if component.artifact == "package" and not component.package_name:
            problems.append(
                (
                    (*here, "components", comp_name, "package_name"),
                    "artifact: package needs package_name (the package registry name)",
                )
            )
    return problems


def problems_of_valid_customers(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """The cross-field problems of every customer that is valid on its own, so that one run
    reports them together with the field errors elsewhere."""
    problems: list[tuple[Loc, str]] = []
    customers = data.get("customers")
    for index, item in enumerate(customers if isinstance(customers, list) else []):
        try:
            customer = Customer.model_validate(item)
        except ValidationError:
            continue  # its own field errors are already reported
        problems.extend(_customer_problems(customer, ("customers", index)))
    return problems


def semantic_problems(config: Config) -> list[tuple[Loc, str]]:
    """Checks across fields and items that a single field validator cannot see."""
    problems: list[tuple[Loc, str]] = []
    seen_names: dict[str, int] = {}
    seen_orgs: dict[str, int] = {}
    for index, customer in enumerate(config.customers):
        here: Loc = ("customers", index)
        key = customer.name.casefold()
        if key in seen_names:
            problems.append(
                (
                    (*here, "name"),
                    f"customer '{customer.name}' is already defined "
                    f"as customers[{seen_names[key]}]",
                )
            )
        seen_names.setdefault(key, index)
        org = customer.organization.casefold()
        if org in seen_orgs and seen_orgs[org] != seen_names.get(key):
            problems.append(
                (
                    (*here, "zammad_organization"),
                    f"Zammad organization '{customer.organization}' already belongs to "
                    f"customers[{seen_orgs[org]}]: tickets could not be told apart",
                )
            )
        seen_orgs.setdefault(org, index)
        problems.extend(_customer_problems(customer, here))
    state = database_url_problem(config.state.url)
    if state is not None:
        problems.append((("state", "url"), state))
    if config.gitlab.hooks and config.server.port is None:
        needs = "hooks: true needs server.port: GitLab's hooks reach /webhooks/gitlab there"
        problems.append((("gitlab", "hooks"), needs))
    problems.extend(_google_problems(config))
    return problems


def _google_problems(config: Config) -> list[tuple[Loc, str]]:
    """The Google backends need a folder, and both need to know how to sign in."""
    problems: list[tuple[Loc, str]] = []
    backend = config.deployment_log.backend
    uses_drive = backend in ("google_drive", "google_sheets")
    if uses_drive and not config.deployment_log.folder_id:
        problems.append(
            (
                ("deployment_log", "folder_id"),
                f"backend: {backend} needs the Drive folder's id (the end of its address, "
                "https://drive.google.com/drive/folders/<folder_id>)",
            )
        )
    if (uses_drive or config.calendar.google is not None) and config.google is None:
        where: Loc = ("deployment_log", "backend") if uses_drive else ("calendar", "google")
        problems.append(
            (
                where,
                "Google needs a google: section naming the service account's key file "
                "(google: {credentials_file: …}, or GOOGLE_APPLICATION_CREDENTIALS)",
            )
        )
    return problems


_DATABASE_URL = re.compile(r"^(?P<backend>[A-Za-z0-9_]+)(?:\+(?P<driver>[A-Za-z0-9_]+))?://")


def database_url_problem(
    url: str, has_module: Callable[[str], bool] = lambda name: find_spec(name) is not None
) -> str | None:
    """What is wrong with the state's database URL, or None: a URL SQLAlchemy reads, of SQLite
    or PostgreSQL, whose driver is installed."""
    # SQLAlchemy's URL form, read without importing SQLAlchemy (commands start faster).
    parsed = _DATABASE_URL.match(url)
    if parsed is None:
        return (
            f"'{url}' is not a database URL (write it like sqlite:///state.sqlite or "
            "postgresql+psycopg://user@host/deploybot)"
        )
    backend = parsed["backend"]
    if backend not in ("sqlite", "postgresql"):
        return f"deploybot keeps its state in SQLite or PostgreSQL, not {backend}"
    if backend == "postgresql":
        driver = parsed["driver"] or "psycopg2"  # SQLAlchemy's default PostgreSQL driver
        module = {"psycopg": "psycopg", "psycopg2": "psycopg2"}.get(driver, driver)
        if not has_module(module):
            return (
                f"the PostgreSQL driver '{module}' is not installed: install deploybot with "
                "its postgresql extra (pip install '.[postgresql]' in its clone, or "
                "'deploybot-….whl[postgresql]') and write the URL as postgresql+psycopg://…"
            )
    return None


#: What a configuration may expand to once its YAML aliases are resolved: a 500-customer file
#: written with anchors is a few tens of thousands of nodes; an alias bomb is billions. The
#: number of aliases itself is no measure (that file uses thousands), the expanded size is.
