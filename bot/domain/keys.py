"""The one scheme of idempotency keys: ``<scope>/<cause>/<index>``.

- ``scope``: the deployment's id, or ``ticket-<id>`` for an answer on a ticket that has none
  (``alerts`` for operator alerts);
- ``cause``: what made deploybot act — the revision of a transition (``7``), a note
  (``note-<article id>``), one addition of a tag (``tag-<tag>-<when>``), a release
  (``release-<project>-<tag>``), a failing effect (``alert-<digest>``);
- ``index``: the effect's position among the effects of that cause.

The same cause always gives the same keys, so re-running it (after a crash, or a poll that read
the same thing twice) adds nothing: the outbox refuses a key it has, and every executor looks
for its key (or what it derives from it) before acting.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

_UNSAFE = re.compile(r"[^A-Za-z0-9._:#-]")


def effect_key(scope: str, cause: str, index: int) -> str:
    """The key of the ``index``-th effect of ``cause`` within ``scope``."""
    return f"{scope}/{cause}/{index}"


def ticket_scope(ticket_id: int) -> str:
    """The scope of answers on a ticket that belongs to no deployment."""
    return f"ticket-{ticket_id}"


def note_cause(article_id: int) -> str:
    """The cause of what a note (its commands) made deploybot do."""
    return f"note-{article_id}"


def tag_cause(tag: str, added_at: datetime | None) -> str:
    """The cause of what one addition of a tag made deploybot do."""
    when = added_at.strftime("%Y%m%dT%H%M%S") if added_at else "unknown"
    return f"tag-{_UNSAFE.sub('_', tag)}-{when}"


def release_cause(project: str, tag: str) -> str:
    """The cause of announcing a release on a ticket."""
    return f"release-{project.replace('/', ':')}-{tag}"


def digest(text: str) -> str:
    """A short stable digest (Python's ``hash`` changes from one process to the next)."""
    return hashlib.sha1(text.encode()).hexdigest()[:10]
