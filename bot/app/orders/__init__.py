"""Carrying out an order: gathering what it needs (facts from Zammad and GitLab, other bookings),
opening requests, committing transitions and replies, and step 3's GitLab jobs.
"""

from typing import TYPE_CHECKING

from bot.app import face

if TYPE_CHECKING:
    from bot.app.orders.committer import TRIES, Committer, Slots, StaleRead, Withheld
    from bot.app.orders.gather import DeploymentRequest, FactGatherer
    from bot.app.orders.jobs import JobsRunner, jobs_runner
    from bot.app.orders.orders import Given, Orders
    from bot.app.orders.requesting import Requests

__all__ = [
    "TRIES",
    "Committer",
    "DeploymentRequest",
    "FactGatherer",
    "Given",
    "JobsRunner",
    "Orders",
    "Requests",
    "Slots",
    "StaleRead",
    "Withheld",
    "jobs_runner",
]

__getattr__ = face(
    __name__,
    {
        "committer": ("TRIES", "Committer", "Slots", "StaleRead", "Withheld"),
        "gather": ("DeploymentRequest", "FactGatherer"),
        "jobs": ("JobsRunner", "jobs_runner"),
        "orders": ("Given", "Orders"),
        "requesting": ("Requests",),
    },
)
