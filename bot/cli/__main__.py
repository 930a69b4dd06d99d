"""``python -m bot.cli``: the same as the ``deploybot`` command."""

from bot.cli import main

main()
