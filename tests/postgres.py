"""A real PostgreSQL server for the tests, on loopback, started by the tests themselves.

``scripts/ensure-postgres`` (run by ``make test``) installs Debian's ``postgresql`` package when
it is missing; this module makes a throw-away cluster owned by the ``postgres`` user (PostgreSQL
refuses to run as root), starts it on a free port and stops it at the end. Where that cannot be
done, :func:`skip_reason` says why and the PostgreSQL tests skip with it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.servers import free_port


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def skip_reason() -> str | None:
    """Why a PostgreSQL server cannot be started here, or None."""
    if _binaries() is None:
        return "PostgreSQL is not installed (scripts/ensure-postgres could not install it)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: PostgreSQL cannot be started as another user"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed (pip install '.[postgresql]' in the clone)"
    return None


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A running server; yields the base URL (``postgresql+psycopg://deploybot@127.0.0.1:PORT``)."""
    binaries = _binaries()
    assert binaries is not None
    folder = Path(tempfile.mkdtemp(prefix="deploybot-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run(_as_postgres([str(binaries / "initdb"), "-D", str(data), "-A", "trust",
                                 "-U", "deploybot", "--no-sync"]),
                   check=True, capture_output=True)  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        _as_postgres([str(binaries / "postgres"), "-D", str(data), "-p", str(port),
                      "-k", str(folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"postgresql+psycopg://deploybot@127.0.0.1:{port}"
    try:
        _wait_ready(f"postgresql://deploybot@127.0.0.1:{port}/postgres")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(dsn: str) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def new_database(base_url: str) -> str:
    """A fresh, empty database on the server; returns its SQLAlchemy URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}"
