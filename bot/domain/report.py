"""How deployments went, per customer and overall, per month: how many, how long from request
to completion, how often and how much late, how often rolled back, estimate against reality,
forced bookings and refused starts.

Pure: the shell hands in the deployments and how many starts each had refused.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.domain.model import Deployment, State

ALL = "all"


@dataclass(frozen=True)
class Figures:
    """The figures of one group of deployments (None: nothing to measure)."""

    deployments: int
    completed: int
    rolled_back: int
    cancelled: int
    median_lead_hours: float | None
    delayed_share: float | None
    mean_delay_minutes: float | None
    failure_rate: float | None
    mean_estimate_minutes: float | None
    mean_real_minutes: float | None
    forced: int
    refused_starts: int


@dataclass(frozen=True)
class ReportRow:
    """One line of the report: a customer (or ``all``) and a month (or ``all``)."""

    customer: str
    month: str
    figures: Figures


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _minutes(value: timedelta) -> float:
    return value.total_seconds() / 60


def figures(deployments: Sequence[Deployment], refused: Mapping[str, int]) -> Figures:
    """The figures of a group of deployments."""
    finished = [d for d in deployments if d.state in (State.COMPLETED, State.ROLLED_BACK)]
    completed = [d for d in finished if d.state is State.COMPLETED]
    leads = [
        (d.actual_end - d.requested_at).total_seconds() / 3600
        for d in completed
        if d.actual_end is not None
    ]
    late = [d.minutes_late or 0 for d in finished]
    real = [_minutes(d.actual_duration) for d in finished if d.actual_duration is not None]
    return Figures(
        deployments=len(deployments),
        completed=len(completed),
        rolled_back=len(finished) - len(completed),
        cancelled=sum(1 for d in deployments if d.state is State.CANCELLED),
        median_lead_hours=round(statistics.median(leads), 1) if leads else None,
        delayed_share=round(sum(1 for d in finished if d.delays) / len(finished), 3)
        if finished
        else None,
        mean_delay_minutes=_mean([m for m in late if m > 0]),
        failure_rate=round((len(finished) - len(completed)) / len(finished), 3)
        if finished
        else None,
        mean_estimate_minutes=_mean([_minutes(d.duration - d.extended) for d in finished]),
        mean_real_minutes=_mean(real),
        forced=sum(1 for d in deployments if d.forced),
        refused_starts=sum(refused.get(d.id, 0) for d in deployments),
    )


def month_of(deployment: Deployment, tz: tzinfo) -> str:
    """The month a deployment counts in: when it ended, else when it was booked, else asked."""
    moment: datetime = deployment.actual_end or deployment.planned_start or deployment.requested_at
    return f"{moment.astimezone(tz):%Y-%m}"


def in_period(deployment: Deployment, tz: tzinfo, start: date | None, end: date | None) -> bool:
    """Whether the deployment's month day falls within [start, end]."""
    moment = deployment.actual_end or deployment.planned_start or deployment.requested_at
    day = moment.astimezone(tz).date()
    return (start is None or day >= start) and (end is None or day <= end)


def build_report(
    deployments: Iterable[Deployment],
    refused: Mapping[str, int],
    *,
    tz: tzinfo,
    start: date | None = None,
    end: date | None = None,
) -> list[ReportRow]:
    """Per customer per month, per customer overall, per month overall, and everything."""
    chosen = [d for d in deployments if not d.is_open and in_period(d, tz, start, end)]
    groups: dict[tuple[str, str], list[Deployment]] = {}
    for d in chosen:
        month = month_of(d, tz)
        for key in ((d.customer, month), (d.customer, ALL), (ALL, month), (ALL, ALL)):
            groups.setdefault(key, []).append(d)
    order = sorted(groups, key=lambda k: (k[0] == ALL, k[0], k[1] == ALL, k[1]))
    return [ReportRow(customer, month, figures(groups[(customer, month)], refused))
            for customer, month in order]  # fmt: skip
