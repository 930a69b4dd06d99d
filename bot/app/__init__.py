"""The shell: the rooms of the application, lowest first — ``store``, ``outside``, ``outbox``,
``orders``, ``intake``, ``web``, ``run``, ``ops`` — each importing only from the rooms below it.

Each room's ``__init__`` is its face: the names other rooms use, loaded from their module when
first asked for (:func:`face`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def face(package: str, homes: Mapping[str, tuple[str, ...]]) -> Callable[[str], object]:
    """The module ``__getattr__`` of a room's face: a name of ``homes`` (module → the names it
    gives the face) is loaded from its module when first asked for; any other name is no
    attribute. Importing one module of a room thus never loads the rest of it."""
    home_of = {name: module for module, names in homes.items() for name in names}

    def attribute(name: str) -> object:
        module = home_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return attribute
