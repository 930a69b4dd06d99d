"""One decision at a time on a store: whoever books a slot reads the other bookings and writes
its own, and two such decisions must not interleave — not in one process (a cycle and a
customer's booking page), nor across the processes that share the store (the daemon and
``deploybot serve`` on one SQLite file; a leader and its followers on PostgreSQL).

In a process, a thread lock. Across processes, a lock the store's own system keeps: on
PostgreSQL a session-level advisory lock on a connection held for the decision (released by
PostgreSQL if the process dies), on SQLite a lock file beside the database. An in-memory
database has no other process.

Every wait for it is bounded (:class:`LockBusyError` past it), and it holds decisions, not I/O:
it is taken per decision, at the commit (:meth:`holding`, which a decision already holding it
passes through), after the outside systems were read without it — so a customer's booking page
never waits on a Zammad, GitLab, SMTP server or live check that trickles, only on the few
milliseconds another decision takes to re-read the store, decide and commit.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import filelock
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

#: The advisory lock's key: "decide" in ASCII, then 1, as one bigint (the leader's is another).
DECISION_KEY = 0x6465636964650001
#: How long a cycle waits for the lock before it gives up (the next cycle tries again).
CYCLE_WAIT_SECONDS = 120.0
#: How often PostgreSQL is asked again for a lock another process holds.
_POLL_SECONDS = 0.05


class LockBusyError(RuntimeError):
    """The decision lock was not free within the wait allowed."""

    def __init__(self, seconds: float, reason: str | None = None) -> None:
        super().__init__(reason or f"another decision held the lock for more than {seconds:g} s")
        self.seconds = seconds


class DecisionLock:
    """``with lock:`` — one decision at a time among every process on the store, waiting at
    most ``wait`` seconds (``with lock.within(seconds):`` another wait)."""

    def __init__(self, engine: Engine, wait: float = CYCLE_WAIT_SECONDS) -> None:
        self.engine = engine
        self.wait = wait
        self._thread = threading.Lock()
        self._file = _file_lock(engine)
        self._connection: Connection | None = None
        self._owner: int | None = None
        self._patience = threading.local()

    def __enter__(self) -> DecisionLock:
        self.acquire(self.wait)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Held for the block, once free within ``seconds`` (else :class:`LockBusyError`)."""
        self.acquire(seconds)
        try:
            yield
        finally:
            self.release()

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Held for the block: taken within this thread's patience (``wait`` unless
        :meth:`patience` says otherwise; else :class:`LockBusyError`), or kept as it is when
        this thread holds it already (the last try of a decision, held throughout)."""
        if self.held():
            yield
            return
        with self.within(getattr(self._patience, "seconds", self.wait)):
            yield

    @contextlib.contextmanager
    def patience(self, seconds: float) -> Iterator[None]:
        """Within the block this thread's decisions wait at most ``seconds`` for the lock (a
        booking page's: the customer is asked to try again after)."""
        self._patience.seconds = seconds
        try:
            yield
        finally:
            del self._patience.seconds

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Given up for the block when this thread holds it, and taken again after (waiting
        at most ``wait``): for reading outside systems in the middle of a decision."""
        if not self.held():
            yield
            return
        self.release()
        try:
            yield
        finally:
            self.acquire(self.wait)

    def held(self) -> bool:
        """Whether this thread holds the lock."""
        return self._owner == threading.get_ident()

    def acquire(self, seconds: float) -> None:
        """Take the lock within ``seconds``, or raise :class:`LockBusyError`."""
        deadline = time.monotonic() + seconds
        if not self._thread.acquire(timeout=max(0.0, seconds)):
            raise LockBusyError(seconds)
        try:
            self._take(deadline, seconds)
        except BaseException:
            self._thread.release()
            raise
        self._owner = threading.get_ident()

    def release(self) -> None:
        """Give the lock up (nothing when this thread does not hold it: a retake that timed
        out inside :meth:`released` leaves nothing to give)."""
        if not self.held():
            return
        self._owner = None
        try:
            self._give()
        finally:
            self._thread.release()

    def _take(self, deadline: float, seconds: float) -> None:
        if self._file is not None:
            try:
                self._file.acquire(timeout=max(0.0, deadline - time.monotonic()))
            except filelock.Timeout:
                raise LockBusyError(seconds) from None
        elif self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            try:
                _advisory(connection, deadline, seconds)
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


def _advisory(connection: Connection, deadline: float, seconds: float) -> None:
    """The advisory lock on ``connection``, asked for until ``deadline``."""
    query = sa.text("SELECT pg_try_advisory_lock(:key)")
    while True:
        taken = connection.execute(query, {"key": DECISION_KEY}).scalar()
        connection.commit()
        if taken:
            return
        if time.monotonic() >= deadline:
            raise LockBusyError(seconds)
        time.sleep(_POLL_SECONDS)


def _file_lock(engine: Engine) -> filelock.BaseFileLock | None:
    """The lock file beside a SQLite database (None for other stores, or one in memory)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return None
    return filelock.FileLock(str(Path(database)) + ".decisions.lock")
