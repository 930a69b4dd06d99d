"""Deciding again on a stale read: an order carried out from what it read is refused at its
commit when another decision changed the deployment meanwhile (:class:`StaleRead`); it is
carried out again on the deployment as it stands — its facts gathered again — never committed
over the newer state, up to :data:`~bot.app.orders.committer.TRIES` times in all.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from bot.app.orders.committer import TRIES, StaleRead
from bot.domain.model import Deployment

log = logging.getLogger("deploybot")

Params = ParamSpec("Params")
Result = TypeVar("Result")
Owner = TypeVar("Owner")
Method = Callable[Concatenate[Owner, Deployment, Params], Result]


def redone(decide: Method[Owner, Params, Result]) -> Method[Owner, Params, Result]:
    """An order on a deployment as read, carried out again (its facts gathered again) on the
    deployment as it stands when another decision changed it meanwhile — never committed over
    the newer state — up to :data:`TRIES` times in all."""

    @functools.wraps(decide)
    def redo(
        owner: Owner, deployment: Deployment, /, *args: Params.args, **kwargs: Params.kwargs
    ) -> Result:
        for _ in range(TRIES - 1):
            try:
                return decide(owner, deployment, *args, **kwargs)
            except StaleRead as stale:
                if stale.current is None or stale.read.id != deployment.id:
                    raise
                log.info("deployment=%s decided again: %s", deployment.id, stale)
                deployment = stale.current
        return decide(owner, deployment, *args, **kwargs)

    return redo


def again(attempt: Callable[[], Result]) -> Result:
    """A request carried out again from its reads when another decision changed its deployment
    (or took its number) meanwhile, up to :data:`TRIES` times in all."""
    for _ in range(TRIES - 1):
        try:
            return attempt()
        except StaleRead as stale:
            log.info("request decided again: %s", stale)
    return attempt()
