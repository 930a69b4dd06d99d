"""Step 3's runs as the store keeps them (table ``step3_runs``): one
:class:`~bot.domain.step3_jobs.Run` per deployment, as JSON, saved with the effects it queues
in one transaction, so a restarted daemon follows the job it played instead of playing another."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.app.store.queue import enqueue
from bot.app.store.schema import step3_runs
from bot.domain.effects import OutboxEffect
from bot.domain.step3_jobs import Run, StepRun, Target


class JobRuns:
    """``store.runs``: the runs in the store, saved with their effects in one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, deployment_id: str) -> Run | None:
        """The deployment's run, or None before step 3 started."""
        with self.engine.connect() as connection:
            data = connection.execute(
                sa.select(step3_runs.c.data).where(step3_runs.c.deployment_id == deployment_id)
            ).scalar_one_or_none()
        return run_from_json(json.loads(data)) if data else None

    def unfinished(self) -> list[str]:
        """The deployments whose run has not finished."""
        with self.engine.connect() as connection:
            query = sa.select(step3_runs.c.deployment_id).where(step3_runs.c.finished.is_(False))
            return list(connection.execute(query).scalars())

    def save(self, run: Run, effects: Sequence[OutboxEffect], now: datetime) -> None:
        """Save ``run`` and queue ``effects`` atomically (a crash leaves both or neither)."""
        data = json.dumps(run_to_json(run), ensure_ascii=False)
        with self.engine.begin() as connection:
            values = {"data": data, "finished": run.phase == "finished", "updated_at": now}
            updated = connection.execute(
                step3_runs.update()
                .where(step3_runs.c.deployment_id == run.deployment)
                .values(**values)
            )
            if updated.rowcount == 0:
                connection.execute(
                    step3_runs.insert().values(deployment_id=run.deployment, **values)
                )
            for effect in effects:
                enqueue(connection, run.deployment, effect, now)


def run_to_json(run: Run) -> dict[str, Any]:
    """A run as JSON-safe data (moments in ISO 8601, timeouts in seconds)."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, timedelta):
            return value.total_seconds()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    data: dict[str, Any] = plain(asdict(run))
    return data


def run_from_json(data: dict[str, Any]) -> Run:
    """The inverse of :func:`run_to_json`."""
    steps = []
    for item in data["steps"]:
        target = dict(item["target"])
        target["variables"] = tuple(tuple(pair) for pair in target["variables"])
        target["timeout"] = timedelta(seconds=target["timeout"])
        played = item.get("played_at")
        moment = datetime.fromisoformat(played) if played else None
        steps.append(StepRun(**{**item, "target": Target(**target), "played_at": moment}))
    return Run(**{**data, "steps": tuple(steps), "lines": tuple(data["lines"]),
                  "tail": tuple(data.get("tail", ()))})  # fmt: skip
