"""Adapters to the outside world (Zammad, GitLab, mail, calendar, Excel log).

Nothing here imports ``bot``: the domain uses the adapters, never the reverse.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("deploybot")
except PackageNotFoundError:  # a source tree that was not installed
    __version__ = "0+source"
