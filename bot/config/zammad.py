"""How deploybot reaches Zammad and what it calls its workflow tags there."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import (
    Field,
    model_validator,
)

from bot.config.base import StrictModel


class ZammadTags(StrictModel):
    """Tag names of the workflow; each can be renamed to fit a Zammad installation."""

    request: str = Field(
        default="deploy",
        description="Tag an agent adds to a ticket to ask for a deployment of its changes.",
    )
    blocked: str = Field(default="deploy-blocked", description="Status tag: a prerequisite fails.")
    ready: str = Field(
        default="deploy-ready",
        description="Status tag: every prerequisite passes; the proposals are out.",
    )
    slot_prefix: str = Field(
        default="deploy-slot-",
        description="Prefix of the tags that book a proposal (`deploy-slot-1` … `deploy-slot-9`).",
    )
    scheduled: str = Field(default="deploy-scheduled", description="Status tag: a slot is booked.")
    start: str = Field(
        default="deploy-start", description="Tag an agent adds when the deployment begins."
    )
    in_progress: str = Field(
        default="deploy-in-progress", description="Status tag: the deployment is running."
    )
    delay: str = Field(
        default="deploy-delay", description="Tag an agent adds when the deployment runs late."
    )
    delayed: str = Field(
        default="deploy-delayed", description="Status tag: the delay email was sent."
    )
    done: str = Field(
        default="deploy-done", description="Tag an agent adds when the deployment is finished."
    )
    deployed: str = Field(
        default="deployed", description="Status tag: the deployment was completed."
    )
    rollback: str = Field(
        default="deploy-rollback",
        description=(
            "Tag an agent adds (with `/deploy rollback <reason>`) when the deployment is rolled "
            "back."
        ),
    )
    rolled_back: str = Field(
        default="deploy-rolled-back", description="Status tag: the deployment was rolled back."
    )
    cancel: str = Field(
        default="deploy-cancel", description="Tag an agent adds to cancel the deployment."
    )
    overdue: str = Field(
        default="deploy-overdue",
        description="Status tag beside `scheduled`: the booked start passed without a start.",
    )
    accept: str = Field(
        default="deploy-accept",
        description=(
            "Tag that books the slot a customer chose through the booking link "
            "(`booking.self_service: confirm`)."
        ),
    )
    chosen: str = Field(
        default="deploy-chosen",
        description="Marks the tickets of a request whose customer chose a slot through the "
        "booking link and waits for the team's accept (the overview 'Deployments waiting for "
        "us' lists them); removed once booked, cancelled or lapsed.",
    )
    customer_validated: str = Field(
        default="customer-validated", description="Fact tag: the customer validated the changes."
    )
    risk_accepted: str = Field(
        default="risk-accepted",
        description=(
            "Fact tag: the customer accepts the risk without validating (passes with a warning)."
        ),
    )
    validated_test: str = Field(
        default="validated-test",
        description=(
            "Fact tag: the changes were validated in a test environment by hand (`validation: "
            "manual` components)."
        ),
    )

    #: How many proposals can be chosen by tag (``deploy-slot-1`` … ``deploy-slot-9``).
    SLOTS: ClassVar[int] = 9

    @model_validator(mode="after")
    def _names_are_distinct(self) -> ZammadTags:
        seen: dict[str, str] = {}
        for role, name in self.model_dump().items():
            if name in seen:
                raise ValueError(
                    f"the tag '{name}' is given to both {seen[name]} and {role}: each workflow "
                    "tag needs its own name"
                )
            seen[name] = role
        return self

    @property
    def statuses(self) -> list[str]:
        """The tags that show where an open deployment stands (one at a time)."""
        return [self.blocked, self.ready, self.scheduled, self.in_progress, self.delayed]

    @property
    def slots(self) -> list[str]:
        """The tags that choose a proposed slot: ``deploy-slot-1`` … ``deploy-slot-9``."""
        return [f"{self.slot_prefix}{number}" for number in range(1, self.SLOTS + 1)]

    @property
    def assertions(self) -> list[str]:
        """The tags a person adds to say a prerequisite is met (kept on the ticket)."""
        return [self.customer_validated, self.risk_accepted, self.validated_test]

    @property
    def triggers(self) -> list[str]:
        """The tags a person adds to make deploybot act (consumed once acted on)."""
        return [
            self.request,
            *self.slots,
            self.start,
            self.delay,
            self.rollback,
            self.done,
            self.cancel,
            self.accept,
        ]


class ZammadConfig(StrictModel):
    """How to reach Zammad."""

    url: str | None = Field(
        default=None, description="Zammad's address (`https://zammad.example`); none: no Zammad."
    )
    token_env: str = Field(
        default="ZAMMAD_TOKEN", description="The environment variable holding an agent's API token."
    )
    token_file: Path | None = Field(
        default=None, description="A file holding the token, instead of the variable."
    )
    poll_seconds: int = Field(
        default=60,
        ge=5,
        description="Seconds between two reads of the tickets carrying workflow tags.",
    )
    connect_timeout: float = Field(
        default=5, gt=0, description="Seconds to wait for a connection to Zammad."
    )
    read_timeout: float = Field(
        default=30, gt=0, description="Seconds to wait for an answer from Zammad."
    )
    max_attempts: int = Field(
        default=5,
        ge=1,
        description="How many times a failing call (connection error, timeout, 429, 5xx) is tried.",
    )
    webhook_secret_env: str | None = Field(
        default=None,
        description=(
            "The environment variable holding the secret Zammad's webhook signs with "
            "(`X-Hub-Signature`); none: `POST /webhooks/zammad` is off."
        ),
    )
    tags: ZammadTags = Field(default=ZammadTags(), description="The name of every workflow tag.")
    ticket_prefix: str = Field(
        default="",
        description=(
            "How the team writes ticket numbers (`ES-` makes 7412280 read ES-7412280), the same in "
            "every email, note, comment, log row and listing."
        ),
    )

    def ticket_label(self, number: str) -> str:
        """A Zammad ticket number as people write it."""
        prefix = self.ticket_prefix
        return number if not prefix or number.startswith(prefix) else f"{prefix}{number}"
