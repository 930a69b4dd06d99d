"""``deploybot …``: the command line, by audience (planning, lifecycle, inspection, tools).

Importing a module registers its commands on the one ``main`` group, which imports a module
when one of its commands is asked for (``base.COMMANDS``).
"""

from bot.cli.base import default_config_path, main

__all__ = ["default_config_path", "main"]
