"""One leader among several deploybot instances on one PostgreSQL store.

The leader holds a session-level advisory lock on a connection of its own; only the leader
polls, fires timers and drains the outbox. A follower asks for the lock at every job, so it
takes over within one poll interval of the leader's death (PostgreSQL releases a session's
locks when its connection goes). A lost connection is a lost lead: it is asked for again on a
new connection. On SQLite there is one daemon per file (``wiring.claim_sqlite_state``): it leads.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("deploybot")

#: The advisory lock's key: "deploybot" in ASCII, as one bigint.
LOCK_KEY = 0x6465706C6F79626F


class Leadership:
    """Whether this instance leads; asked before every job."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self._connection: Connection | None = None
        self._leading = not self.shared
        self._asked = not self.shared
        self._lock = threading.Lock()

    @property
    def role(self) -> str:
        """``leader`` or ``follower`` (what /healthz says); ``undecided`` until first asked."""
        if not self._asked:
            return "undecided"
        return "leader" if self._leading else "follower"

    def leading(self) -> bool:
        """Whether this instance leads now: it holds the lock, or has just taken it."""
        if not self.shared:
            return True
        with self._lock:
            self._asked = True
            try:
                self._leading = self._hold()
            except sa.exc.DBAPIError as error:
                log.warning("leadership: the lock's connection failed (%s); asking again", error)
                self._drop()
                self._leading = False
        return self._leading

    def _hold(self) -> bool:
        if self._connection is None:
            self._connection = self.engine.connect()
        connection = self._connection
        if self._leading:
            connection.execute(sa.text("SELECT 1"))  # still connected: still the holder
            connection.commit()  # never left "idle in transaction" between jobs
            return True
        taken = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
        connection.commit()
        if taken.scalar_one():
            log.info("leadership: this instance leads")
            return True
        return False

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except sa.exc.SQLAlchemyError:
                pass
        self._connection = None

    def release(self) -> None:
        """Give the lead up (a graceful stop): another instance takes over at once."""
        with self._lock:
            self._drop()
            self._leading = not self.shared
