"""The store: deployments, their audit, timers, markers, the outbox queue, reports and locks in one
database (SQLite or PostgreSQL), with its schema, the effects' codec and migrations.
"""

from typing import TYPE_CHECKING

from bot.app import face

if TYPE_CHECKING:
    from bot.app.store.audit import AuditEntry
    from bot.app.store.change import Change
    from bot.app.store.database import Store, sqlite_url
    from bot.app.store.deployments import Deployments
    from bot.app.store.leadership import Leadership
    from bot.app.store.locations import sqlite_file, state_url
    from bot.app.store.locks import DecisionLock, LockBusyError
    from bot.app.store.markers import read_markers
    from bot.app.store.queue import OutboxItem, OutboxQueue, backoff
    from bot.app.store.schema import step3_runs
    from bot.app.store.timers import Timer

__all__ = [
    "AuditEntry",
    "Change",
    "DecisionLock",
    "Deployments",
    "Leadership",
    "LockBusyError",
    "OutboxItem",
    "OutboxQueue",
    "Store",
    "Timer",
    "backoff",
    "read_markers",
    "sqlite_file",
    "sqlite_url",
    "state_url",
    "step3_runs",
]

__getattr__ = face(
    __name__,
    {
        "audit": ("AuditEntry",),
        "change": ("Change",),
        "database": ("Store", "sqlite_url"),
        "deployments": ("Deployments",),
        "leadership": ("Leadership",),
        "locations": ("sqlite_file", "state_url"),
        "locks": ("DecisionLock", "LockBusyError"),
        "markers": ("read_markers",),
        "queue": ("OutboxItem", "OutboxQueue", "backoff"),
        "schema": ("step3_runs",),
        "timers": ("Timer",),
    },
)
