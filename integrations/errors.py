"""What every adapter's errors have in common: they say themselves whether trying again can
help, so the outbox does not decide it class by class."""

from __future__ import annotations


class OutsideError(RuntimeError):
    """An outside system failed or refused. ``permanent``: it refuses the data itself (trying
    again cannot help); otherwise an outage, a lock, a timeout or something a person repairs,
    worth trying again with backoff."""

    permanent: bool = False
