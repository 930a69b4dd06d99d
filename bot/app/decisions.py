"""One decision at a time on a store: whoever books a slot reads the other bookings and writes
its own, and two such decisions must not interleave — not in one process (a cycle and a
customer's booking page), nor across the processes that share the store (the daemon and
``deploybot serve`` on one SQLite file; a leader and its followers on PostgreSQL).

In a process, a thread lock. Across processes, a lock the store's own system keeps: on
PostgreSQL a session-level advisory lock on a connection held for the decision (released by
PostgreSQL if the process dies), on SQLite a lock file beside the database. An in-memory
database has no other process.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

import filelock
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

#: The advisory lock's key: "decide" in ASCII, then 1, as one bigint (the leader's is another).
DECISION_KEY = 0x6465636964650001


class DecisionLock:
    """``with lock:`` — one decision at a time among every process on the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._thread = threading.Lock()
        self._file = _file_lock(engine)
        self._connection: Connection | None = None

    def __enter__(self) -> DecisionLock:
        self._thread.acquire()
        try:
            self._take()
        except BaseException:
            self._thread.release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self._give()
        finally:
            self._thread.release()

    def _take(self) -> None:
        if self._file is not None:
            self._file.acquire()
        elif self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            try:
                connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": DECISION_KEY})
                connection.commit()
            except BaseException:
                connection.close()
                raise
            self._connection = connection

    def _give(self) -> None:
        if self._file is not None:
            self._file.release()
        elif self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": DECISION_KEY}
                )
                connection.commit()
            except sa.exc.SQLAlchemyError:
                connection.invalidate()  # never back to the pool still holding the lock
                raise
            finally:
                connection.close()


def _file_lock(engine: Engine) -> filelock.BaseFileLock | None:
    """The lock file beside a SQLite database (None for other stores, or one in memory)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return None
    return filelock.FileLock(str(Path(database)) + ".decisions.lock")
