"""Acting on the customer's booking link: what an opened link stands for, the slots it offers
now, and a choice carried out — booked at once (``direct``, exactly as ``/deploy schedule``
would, the customer's contact as the actor) or kept for the team's ``deploy-accept``
(``confirm``).

A choice is checked against the slots held, its prerequisites gathered and its decision made
without any lock; the service's decision lock (the one every decision takes, a cycle's too) is
held only for the commit: the deployment re-checked (changed since: the choice is taken again
from the link), the slots held re-read and the rules checked again on them (taken meanwhile:
refused), committed. So two customers racing for the last slot are decided one after the other
on the same store — the second is refused with the choices left — and a page never waits on an
outside system a cycle is reading, only on another decision's commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from bot.app.orders import TRIES, Committer, Orders, Slots, StaleRead
from bot.app.store import DecisionLock, Store
from bot.config.models import Config, Customer
from bot.domain.booking_link import BookingLinks, LinkClaim, Standing, standing
from bot.domain.booking_offer import (
    Misfit,
    OfferDay,
    booking_actor,
    choice_reasons,
    customer_rules,
    misfit,
    offer_days,
)
from bot.domain.calendar.rules import Booking, SlotRules, rules_for
from bot.domain.events import Origin, SlotChosen
from bot.domain.model import Deployment, State
from bot.domain.rendering import Renderer
from integrations.errors import OutsideError

#: How many weeks the page shows.
WEEKS = 5
#: How long a choice waits for the decision lock before the customer is asked to try again.
LOCK_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Opened:
    """An opened link: what it stands for, and the deployment it names (when it names one)."""

    standing: Standing
    deployment: Deployment | None
    claim: LinkClaim | None


@dataclass(frozen=True)
class Outcome:
    """What a choice came to: booked, chosen (waiting for the team), refused (why, in the
    customer's words), held (a prerequisite fails now: the team is told), busy (an outside
    system did not answer: nothing changed, try again) or the link no longer open."""

    kind: Literal["booked", "chosen", "refused", "held", "busy", "closed"]
    opened: Opened
    reasons: tuple[str, ...] = ()


class BookingParts(Protocol):
    """What a booking is decided with: the very objects every cycle decides with (the daemon
    and ``deploybot serve`` hand over their service, which has each of them)."""

    @property
    def config(self) -> Config: ...
    @property
    def store(self) -> Store: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    @property
    def renderer(self) -> Renderer: ...
    @property
    def lock(self) -> DecisionLock: ...
    @property
    def orders(self) -> Orders: ...
    @property
    def committer(self) -> Committer: ...


class BookingDesk:
    """Opens links and carries out choices on the cycle's store, orders and rules."""

    def __init__(self, parts: BookingParts, links: BookingLinks, after: Callable[[], None]) -> None:
        self.parts = parts
        self.store, self.clock, self.renderer = parts.store, parts.clock, parts.renderer
        self.lock, self.orders, self.committer = parts.lock, parts.orders, parts.committer
        self.links = links
        self.after = after

    @property
    def config(self) -> Config:
        """The configuration the cycles decide with now (read at each use: the service's may be
        replaced, as when a customer's self-service is turned off)."""
        return self.parts.config

    def open(self, token: str) -> Opened:
        """What ``token`` stands for now (a customer whose self-service was turned off since
        the link was sent books nothing with it)."""
        claim = self.links.read(token)
        deployment = self.store.deployments.get(claim.deployment_id) if claim else None
        off = deployment is not None and self.customer(deployment).booking.self_service == "off"
        return Opened(standing(claim, deployment, self.clock(), off=off), deployment, claim)

    def customer(self, deployment: Deployment) -> Customer:
        """The deployment's customer."""
        return self.config.customer(deployment.customer)

    def rules(self, deployment: Deployment) -> SlotRules:
        """The deployment's slot rules, wording reasons in its customer's language."""
        customer = self.customer(deployment)
        return customer_rules(rules_for(self.config, customer), customer.language)

    def _others(self, deployment: Deployment, held: Slots | None = None) -> tuple[Booking, ...]:
        """The slots held by other deployments (``held``, or as they stand now)."""
        held = self.orders.requests.bookings() if held is None else held
        return tuple(b for b in held if b.id != deployment.id)

    def offer(self, deployment: Deployment) -> tuple[OfferDay, ...]:
        """The days of the next weeks with their free slots, computed now."""
        return offer_days(self.rules(deployment), now=self.clock(),
                          duration=deployment.duration, bookings=self._others(deployment),
                          weeks=WEEKS)  # fmt: skip

    def misfit(self, deployment: Deployment, start: datetime) -> Misfit | None:
        """Why ``start`` is no time the page offers now (off its grid, outside its weeks), judged
        before any rule."""
        return misfit(start, self.rules(deployment), now=self.clock(), weeks=WEEKS)

    def choose(self, token: str, start: datetime, comment: str) -> Outcome:
        """Carry out a customer's choice of ``start`` through the link ``token``; raises
        :class:`~bot.app.store.locks.LockBusyError` when the lock is not free within
        :data:`LOCK_WAIT_SECONDS` (nothing was done)."""
        for _ in range(TRIES - 1):
            try:
                outcome = self._choose(token, start, comment)
                break
            except StaleRead:  # a cycle changed the deployment meanwhile: the link read again
                continue
        else:
            outcome = self._choose(token, start, comment)
        if outcome.kind in ("booked", "chosen", "held"):
            self.after()
        return outcome

    def _reasons(self, deployment: Deployment, start: datetime, held: Slots) -> tuple[str, ...]:
        """Why ``start`` cannot be chosen among the slots ``held`` (none: it can)."""
        config, now = self.config, self.clock()
        others = tuple(b for b in held if b.id != deployment.id)
        return choice_reasons(self.rules(deployment), start, now=now, weeks=WEEKS,
                              duration=deployment.duration, bookings=others,
                              max_days_ahead=config.workflow.max_days_ahead)  # fmt: skip

    def _choose(self, token: str, start: datetime, comment: str) -> Outcome:
        opened = self.open(token)
        deployment = opened.deployment
        if opened.standing != "open" or deployment is None:
            return Outcome("closed", opened)
        if reasons := self._reasons(deployment, start, self.store.deployments.held()):
            return Outcome("refused", opened, reasons)

        def admit(held: Slots) -> None:  # again at the commit, on the slots held then
            if reasons := self._reasons(deployment, start, held):
                raise _Refused(reasons)

        customer = self.customer(deployment)
        origin = Origin("booking", booking_actor(customer), deployment.first_ticket_id)
        try:
            if customer.booking.self_service == "direct":
                report = self.orders.check(deployment)[1]  # read before taking the lock
                with self.lock.patience(LOCK_WAIT_SECONDS):
                    new = self.orders.book(deployment, origin, start, report,
                                              comment=comment, admit=admit)  # fmt: skip
                booked = new.state is State.SCHEDULED
                return Outcome("booked" if booked else "held", Opened("spent", new, opened.claim))

            def chosen(held: Slots) -> SlotChosen:
                admit(held)
                return SlotChosen(origin, start, comment, self._others(deployment, held))

            with self.lock.patience(LOCK_WAIT_SECONDS):
                new = self.committer.decide(deployment, chosen, {"start": start.isoformat()})
        except OutsideError:
            return Outcome("busy", opened)
        except _Refused as refused:  # a slot taken meanwhile
            return Outcome("refused", opened, refused.reasons)
        if new.chosen is None:
            return Outcome("held", opened)
        return Outcome("chosen", Opened("spent", new, opened.claim))


class _Refused(Exception):
    """The slots held at the commit refuse the choice (taken meanwhile): nothing decided."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
