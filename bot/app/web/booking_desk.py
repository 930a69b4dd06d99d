"""Acting on the customer's booking link: what an opened link stands for, the slots it offers
now, and a choice carried out — booked at once (``direct``, exactly as ``/deploy schedule``
would, the customer's contact as the actor) or kept for the team's ``deploy-accept``
(``confirm``).

Bookings are decided under the service's lock, the one every cycle holds, so two customers
racing for the last slot are decided one after the other on the same store: the second is
refused with the choices left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.app.run.service import Service
from bot.config.models import Customer
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


class BookingDesk:
    """Opens links and carries out choices on the service's store, outbox and rules."""

    def __init__(self, service: Service, links: BookingLinks, after: Callable[[], None]) -> None:
        self.service = service
        self.links = links
        self.after = after

    def open(self, token: str) -> Opened:
        """What ``token`` stands for now (a customer whose self-service was turned off since
        the link was sent books nothing with it)."""
        claim = self.links.read(token)
        deployment = self.service.store.deployments.get(claim.deployment_id) if claim else None
        off = deployment is not None and self.customer(deployment).booking.self_service == "off"
        return Opened(standing(claim, deployment, self.service.clock(), off=off), deployment, claim)

    def customer(self, deployment: Deployment) -> Customer:
        """The deployment's customer."""
        return self.service.config.customer(deployment.customer)

    def rules(self, deployment: Deployment) -> SlotRules:
        """The deployment's slot rules, wording reasons in its customer's language."""
        customer = self.customer(deployment)
        return customer_rules(rules_for(self.service.config, customer), customer.language)

    def _others(self, deployment: Deployment) -> tuple[Booking, ...]:
        return tuple(b for b in self.service.orders.requests.bookings() if b.id != deployment.id)

    def offer(self, deployment: Deployment) -> tuple[OfferDay, ...]:
        """The days of the next weeks with their free slots, computed now."""
        return offer_days(self.rules(deployment), now=self.service.clock(),
                          duration=deployment.duration, bookings=self._others(deployment),
                          weeks=WEEKS)  # fmt: skip

    def misfit(self, deployment: Deployment, start: datetime) -> Misfit | None:
        """Why ``start`` is no time the page offers now (off its grid, outside its weeks), judged
        before any rule."""
        return misfit(start, self.rules(deployment), now=self.service.clock(), weeks=WEEKS)

    def choose(self, token: str, start: datetime, comment: str) -> Outcome:
        """Carry out a customer's choice of ``start`` through the link ``token``; raises
        :class:`~bot.app.store.locks.LockBusyError` when the lock is not free within
        :data:`LOCK_WAIT_SECONDS` (nothing was done)."""
        with self.service.lock.within(LOCK_WAIT_SECONDS):
            outcome = self._choose(token, start, comment)
        if outcome.kind in ("booked", "chosen", "held"):
            self.after()
        return outcome

    def _choose(self, token: str, start: datetime, comment: str) -> Outcome:
        opened = self.open(token)
        deployment = opened.deployment
        if opened.standing != "open" or deployment is None:
            return Outcome("closed", opened)
        config, now = self.service.config, self.service.clock()
        bookings = self._others(deployment)
        reasons = choice_reasons(self.rules(deployment), start, now=now, weeks=WEEKS,
                                 duration=deployment.duration, bookings=bookings,
                                 max_days_ahead=config.workflow.max_days_ahead)  # fmt: skip
        if reasons:
            return Outcome("refused", opened, reasons)
        customer = self.customer(deployment)
        origin = Origin("booking", booking_actor(customer), deployment.first_ticket_id)
        try:
            if customer.booking.self_service == "direct":
                new = self.service.orders.schedule(deployment, origin, start, comment=comment)
                booked = new.state is State.SCHEDULED
                return Outcome("booked" if booked else "held", Opened("spent", new, opened.claim))
            event = SlotChosen(origin, start, comment, bookings)
            new = self.service.committer.handle(deployment, event, {"start": start.isoformat()})
        except OutsideError:
            return Outcome("busy", opened)
        if new.chosen is None:
            return Outcome("held", opened)
        return Outcome("chosen", Opened("spent", new, opened.claim))
