"""``deploybot …``: the command line, by audience (planning, lifecycle, inspection, tools).

Importing a module registers its commands on the one ``main`` group.
"""

from bot.cli import inspection, lifecycle, planning, reports, setup, tools
from bot.cli.base import default_config_path, main

__all__ = [
    "default_config_path",
    "inspection",
    "lifecycle",
    "main",
    "planning",
    "reports",
    "setup",
    "tools",
]
