"""The deployments as the store keeps them (tables ``deployments``, ``deployment_tickets`` and
``counters``): read by id, by filter, by the slots they hold; written only inside
``Store.commit``'s transaction (:func:`save_deployment`)."""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.app.store.schema import counters, deployment_tickets, deployments, utc
from bot.domain.booking_offer import held_slots
from bot.domain.calendar.rules import Booking
from bot.domain.model import (
    BOOKED,
    ENDED,
    Deployment,
    State,
    deployment_from_json,
    deployment_to_json,
)

#: The states in which a deployment can hold a slot (see :func:`held_slots`).
HOLDING = (State.READY, *BOOKED)


class Deployments:
    """``store.deployments``: the deployments, read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, deployment_id: str) -> Deployment | None:
        """The deployment with this id, if any."""
        with self.engine.connect() as connection:
            data = connection.execute(
                sa.select(deployments.c.data).where(deployments.c.id == deployment_id)
            ).scalar_one_or_none()
        return deployment_from_json(json.loads(data)) if data else None

    def list(
        self,
        *,
        customer: str | None = None,
        states: Sequence[State] | None = None,
        newest: int | None = None,
    ) -> builtins.list[Deployment]:
        """Deployments, oldest first, optionally of one customer, in some states, and only the
        ``newest`` few (the filters and the limit run in SQL: nothing else is decoded)."""
        query = sa.select(deployments.c.data)
        if customer is not None:
            query = query.where(deployments.c.customer == customer)
        if states is not None:
            query = query.where(deployments.c.state.in_([state.value for state in states]))
        if newest is not None:
            query = query.order_by(deployments.c.updated_at.desc(), deployments.c.id.desc())
            query = query.limit(newest)
        else:
            query = query.order_by(deployments.c.id)
        with self.engine.connect() as connection:
            rows: Sequence[str] = connection.execute(query).scalars().all()
        found = [deployment_from_json(json.loads(row)) for row in rows]
        return sorted(found, key=lambda d: d.id) if newest is not None else found

    def held(self) -> tuple[Booking, ...]:
        """Every slot held now (booked, running, or chosen by a customer and waiting for the
        team): the one set of bookings every free-slot answer is computed over."""
        return held_slots(self.list(states=HOLDING))

    def between(
        self, start: datetime, end: datetime, *, customer: str | None = None
    ) -> builtins.list[Deployment]:
        """Deployments booked to start in [start, end) (by their planned start, in SQL)."""
        query = sa.select(deployments.c.data).where(
            deployments.c.planned_start >= utc(start), deployments.c.planned_start < utc(end)
        )
        if customer is not None:
            query = query.where(deployments.c.customer == customer)
        with self.engine.connect() as connection:
            rows: Sequence[str] = (
                connection.execute(query.order_by(deployments.c.id)).scalars().all()
            )
        return [deployment_from_json(json.loads(row)) for row in rows]

    def open_with_ticket(self, ticket_id: int) -> Deployment | None:
        """The deployment (not yet ended) that includes this ticket."""
        open_states = [s.value for s in State if s not in ENDED]
        query = (
            sa.select(deployments.c.data)
            .join(deployment_tickets, deployment_tickets.c.deployment_id == deployments.c.id)
            .where(deployment_tickets.c.ticket_id == ticket_id)
            .where(deployments.c.state.in_(open_states))
            .order_by(deployments.c.id.desc())
        )
        with self.engine.connect() as connection:
            data = connection.execute(query).scalars().first()
        return deployment_from_json(json.loads(data)) if data else None

    def next_id(self, customer: str, year: int) -> str:
        """``DIBA-2026-0007``: the id the customer's next deployment in that year gets.

        The number is taken only when the deployment is first committed (``Store.commit``), in
        that same transaction: a crash before it leaves no gap in the numbering.
        """
        with self.engine.connect() as connection:
            current = connection.execute(
                sa.select(counters.c.value).where(counters.c.name == _counter(customer, year))
            ).scalar_one_or_none()
        return f"{customer.upper()}-{year}-{(current or 0) + 1:04d}"


def save_deployment(connection: Connection, deployment: Deployment, now: datetime) -> None:
    """Write the deployment's new state (inserting it, and taking its number, the first time)
    and the tickets it includes, inside the caller's transaction."""
    values = {
        "customer": deployment.customer,
        "state": deployment.state.value,
        "planned_start": utc(deployment.planned_start),
        "data": json.dumps(deployment_to_json(deployment), ensure_ascii=False),
        "updated_at": utc(now),
    }
    updated = connection.execute(
        deployments.update().where(deployments.c.id == deployment.id).values(**values)
    )
    if updated.rowcount == 0:
        connection.execute(deployments.insert().values(id=deployment.id, **values))
        _take_number(connection, deployment)
    known: set[int] = set(
        connection.execute(
            sa.select(deployment_tickets.c.ticket_id).where(
                deployment_tickets.c.deployment_id == deployment.id
            )
        ).scalars()
    )
    for ticket in deployment.tickets:
        if ticket.id is not None and ticket.id not in known:
            connection.execute(
                deployment_tickets.insert().values(deployment_id=deployment.id, ticket_id=ticket.id)
            )


def _take_number(connection: Connection, deployment: Deployment) -> None:
    """Record a new deployment's number as taken (its id's last part)."""
    year, number = int(deployment.id.split("-")[-2]), int(deployment.id.split("-")[-1])
    name = _counter(deployment.customer, year)
    current = connection.execute(
        sa.select(counters.c.value).where(counters.c.name == name)
    ).scalar_one_or_none()
    if current is None:
        connection.execute(counters.insert().values(name=name, value=number))
    elif number > current:
        connection.execute(counters.update().where(counters.c.name == name).values(value=number))


def _counter(customer: str, year: int) -> str:
    return f"{customer}-{year}"
