"""Acting on Zammad: the tickets people changed since the last cycle go through routing, and
each order or reply is carried out by the service — once, even across a crash.

Each order is committed with the markers of what caused it (``Service.marking``); a note or tag
that fails unexpectedly is answered once and counts as handled; an outside system that does not
answer leaves the ticket to be read again next cycle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.app.health import system_of
from bot.app.zammad_poll import ChangedTicket, ZammadPoll, acted_value
from bot.app.zammad_reads import ZammadReads
from bot.domain.events import Origin
from bot.domain.keys import note_cause, tag_cause, ticket_scope
from bot.domain.replies import not_processed
from bot.domain.routing import (
    CheckOrder,
    NoteSeen,
    Recheck,
    Reply,
    Routed,
    ScheduleOrder,
    StartOrder,
    Transition,
    route_assertions,
    route_note,
    route_tags,
)
from integrations.gitlab import GitLabError
from integrations.zammad import Ticket, ZammadError

if TYPE_CHECKING:
    from bot.app.service import Service

log = logging.getLogger("deploybot")


@dataclass(frozen=True)
class Asked:
    """Who asked for an order through Zammad, and what of theirs caused it (a note, a tag)."""

    cause: str
    ticket_id: int
    origin: Origin


class ZammadActing:
    """One cycle's poll of Zammad, carried out through the service."""

    def __init__(self, service: Service, reads: ZammadReads) -> None:
        self.service = service
        self.reads = reads

    def poll(self) -> int:
        """Act on what people did in Zammad since the last cycle.

        Tickets newly tagged for deployment in the same cycle are requested together, one
        request per customer, so that a deployment starts with all its tickets.
        """
        reads = self.reads
        poll = ZammadPoll(self.service.config, self.service.store, reads)
        changed = poll.changed()
        request_tag = self.service.config.zammad.tags.request
        tagged = [c for c in changed if c.tagged(request_tag)]
        failed = self._request_tagged(tagged, reads)
        count = len(tagged) - len(failed)
        for item in changed:
            if item.ticket.id in failed:
                continue  # read again next cycle, with its new notes
            try:
                count += self._act(item, reads, poll)
            except (ZammadError, GitLabError) as error:
                log.warning("ticket=%s error=%s", item.ticket.number, error)
                self.service.health.failed(system_of(error, "zammad"), error)
                continue
            poll.handled(item)
        return count

    def _request_tagged(self, tagged: list[ChangedTicket], reads: ZammadReads) -> set[int]:
        """Request the tagged tickets, grouped by Zammad organization (one group per customer).

        Returns the ids of the tickets whose request could not be made (an outside system did
        not answer); they are read again next cycle.
        """
        groups: dict[int | None, list[ChangedTicket]] = {}
        for item in tagged:
            groups.setdefault(item.ticket.organization_id, []).append(item)
        failed: set[int] = set()
        request_tag = self.service.config.zammad.tags.request
        for group in groups.values():
            added = group[0].tagged(request_tag)
            assert added is not None
            origin = Origin("tag", added.by, group[0].ticket.id)
            markers = {
                ZammadPoll.tag_marker(i.ticket.id, request_tag): acted_value(added) for i in group
            }
            try:
                with self.service.marking(markers):
                    self.service.request(
                        [item.ticket for item in group],
                        origin,
                        reads,
                        cause=tag_cause(request_tag, added.at),
                    )
            except (GitLabError, ZammadError) as error:
                log.warning("tickets=%s error=%s", [i.ticket.number for i in group], error)
                self.service.health.failed(system_of(error, "gitlab"), error)
                failed.update(item.ticket.id for item in group)
            except Exception as error:
                for item in group:
                    cause = tag_cause(request_tag, added.at)
                    self._unexpected(item, cause, error, tag=request_tag)
        return failed

    def _act(self, item: ChangedTicket, reads: ZammadReads, poll: ZammadPoll) -> int:
        """Carry out the ticket's new commands, then its new trigger tags.

        An unexpected error in one note or tag is answered once on the ticket and recorded;
        the item counts as handled, so it never stops a cycle again. Outside systems that do
        not answer are not unexpected: the ticket is read again next cycle.
        """
        count = 0
        touched: str | None = None
        for note in item.notes:
            try:
                applied, touched = self._act_on_note(item, note, reads, touched)
                count += applied
            except (ZammadError, GitLabError):
                raise
            except Exception as error:
                self._unexpected(item, note_cause(note.article_id), error)
            poll.note_done(note.article_id)
        count += self._act_on_assertions(item, reads)
        deployment = self.service.store.open_deployment_of_ticket(item.ticket.id)
        if deployment is None and touched is not None:
            deployment = self.service.store.deployment(touched)  # a command just ended it
        added = item.trigger_tags(self.service.config)
        routed_tags = route_tags(
            item.seen, added, deployment, self.service.config, self.service.renderer
        )
        # One order per tag, each remembered as soon as it is carried out; or one reply for all.
        per_tag = len(routed_tags) == len(added)
        for index, routed in enumerate(routed_tags):
            tags = added[index : index + 1] if per_tag else added
            markers = {poll.tag_marker(item.ticket.id, t.tag): acted_value(t) for t in tags}
            try:
                with self.service.marking(markers):
                    cause = tag_cause(tags[0].tag, tags[0].at)
                    count += self.run(routed, item.ticket, reads, cause=cause)
            except (ZammadError, GitLabError):
                raise
            except Exception as error:
                for tag in tags:
                    self._unexpected(item, tag_cause(tag.tag, tag.at), error, tag=tag.tag)
                for tag in tags:
                    poll.acted_on(item.ticket.id, tag)
        return count

    def _act_on_assertions(self, item: ChangedTicket, reads: ZammadReads) -> int:
        """Re-check the ticket's pending request when a person added a prerequisite tag."""
        config = self.service.config
        added = item.assertion_tags(config)
        if not added:
            return 0
        deployment = self.service.store.open_deployment_of_ticket(item.ticket.id)
        requested = item.tagged(config.zammad.tags.request) is not None
        routed = route_assertions(item.seen, added, deployment, config, requested=requested)
        markers = {ZammadPoll.tag_marker(item.ticket.id, t.tag): acted_value(t) for t in added}
        count = 0
        with self.service.marking(markers):
            for order in routed:
                count += self.run(
                    order, item.ticket, reads, cause=tag_cause(added[0].tag, added[0].at)
                )
        return count

    def _act_on_note(
        self, item: ChangedTicket, note: NoteSeen, reads: ZammadReads, touched: str | None
    ) -> tuple[int, str | None]:
        count = 0
        deployment = self.service.store.open_deployment_of_ticket(item.ticket.id)
        routed_note = route_note(
            item.seen, note, deployment, self.service.config, self.service.renderer
        )
        for index, routed in enumerate(routed_note):
            marker = f"article:{note.article_id}:{index}"
            if self.service.store.seen_value(marker) is not None:
                continue  # carried out before a crash: never twice
            with self.service.marking({marker: "done"}):
                count += self.run(routed, item.ticket, reads, cause=note_cause(note.article_id))
            if isinstance(routed, ScheduleOrder | StartOrder | Transition):
                touched = routed.deployment_id
        return count, touched

    def _unexpected(
        self, item: ChangedTicket, cause: str, error: Exception, *, tag: str | None = None
    ) -> None:
        """Answer once for a note or tag that failed in a way nobody foresaw."""
        log.exception("ticket=%s cause=%s unexpected error", item.ticket.number, cause)
        deployment = self.service.store.open_deployment_of_ticket(item.ticket.id)
        scope = deployment.id if deployment else ticket_scope(item.ticket.id)
        text = f"{type(error).__name__}: {error}"
        origin = Origin("tag" if tag else "note", "deploybot", item.ticket.id)
        self.service.reply(
            not_processed(
                item.ticket.id,
                scope,
                cause,
                text,
                origin,
                self.service.config,
                self.service.renderer,
                tag=tag,
            )
        )

    def run(self, routed: Routed, ticket: Ticket, reads: ZammadReads, *, cause: str) -> int:
        """Carry out one routed order; returns how many lifecycle events it applied."""
        if isinstance(routed, Reply):
            self.service.reply(routed)
            return 0
        if isinstance(routed, Recheck):
            self.service.request(
                [ticket], routed.origin, reads, cause=cause, environment=routed.environment
            )
            return 1
        deployment = self.service.store.deployment(routed.deployment_id)
        if deployment is None:
            return 0
        if isinstance(routed, CheckOrder):
            asked = Asked(cause, ticket.id, routed.origin)
            self.service.check_booked(deployment, routed.origin, reads=reads, asked=asked)
        elif isinstance(routed, ScheduleOrder):
            asked = Asked(cause, ticket.id, routed.origin)
            self.service.schedule(
                deployment,
                routed.origin,
                routed.start,
                duration=routed.duration,
                force=routed.force,
                reads=reads,
                asked=asked,
            )
        elif isinstance(routed, StartOrder):
            asked = Asked(cause, ticket.id, routed.origin)
            self.service.start(
                deployment, routed.origin, force=routed.force, reads=reads, asked=asked
            )
        else:
            self.service.handle(deployment, routed.event)
        return 1
