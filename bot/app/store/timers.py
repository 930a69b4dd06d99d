"""The deployments' timers (table ``timers``): armed and disarmed by a transition's
``ScheduleTimer`` effects inside ``Store.commit``, read by the service when they come due."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.app.store.schema import timers, utc


@dataclass(frozen=True)
class Timer:
    """A timer of a deployment that fires at ``due_at``."""

    deployment_id: str
    name: str
    due_at: datetime


class Timers:
    """``store.timers``: the armed timers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list(self) -> builtins.list[Timer]:
        """Every armed timer, soonest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(timers).order_by(timers.c.due_at)).mappings()
            return [
                Timer(row["deployment_id"], row["name"], utc(row["due_at"]) or datetime.now(UTC))
                for row in rows
            ]

    def due(self, now: datetime) -> builtins.list[Timer]:
        """Timers whose time has come (including those that came due while stopped)."""
        return [timer for timer in self.list() if timer.due_at <= now]


def arm_timer(connection: Connection, deployment_id: str, name: str, due: datetime | None) -> None:
    """Arm the deployment's timer ``name`` for ``due`` (replacing any earlier time), or disarm
    it (``due`` None), inside the caller's transaction."""
    connection.execute(
        timers.delete().where(timers.c.deployment_id == deployment_id, timers.c.name == name)
    )
    if due is not None:
        connection.execute(
            timers.insert().values(deployment_id=deployment_id, name=name, due_at=utc(due))
        )
