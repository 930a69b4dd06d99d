"""The outbox: carrying effects out in order per deployment, with retries, claims and alerts,
through one executor per channel.
"""

from typing import TYPE_CHECKING

from bot.app import face

if TYPE_CHECKING:
    from bot.app.outbox.executors import Channels
    from bot.app.outbox.runner import OutboxRunner

__all__ = [
    "Channels",
    "OutboxRunner",
]

__getattr__ = face(
    __name__,
    {
        "executors": ("Channels",),
        "runner": ("OutboxRunner",),
    },
)
