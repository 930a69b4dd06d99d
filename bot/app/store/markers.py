"""What deploybot remembers having read and done (table ``seen``): a ticket's stamp, a note
carried out, a tag acted on. Read and written in bulk, one query or transaction per cycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.app.store.schema import seen


class Markers:
    """``store.markers``: what was already read or done, by key."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, key: str) -> str | None:
        """A remembered marker (a ticket's ``updated_at``, a processed article)."""
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(seen.c.value).where(seen.c.key == key)
            ).scalar_one_or_none()

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The remembered markers among ``keys``, in one query per 500 keys (a cycle's worth)."""
        found: dict[str, str] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                rows = connection.execute(sa.select(seen.c.key, seen.c.value).where(
                    seen.c.key.in_(chunk)))  # fmt: skip
                found.update({str(key): str(value) for key, value in rows})
        return found

    def remember(self, key: str, value: str = "") -> None:
        """Remember a marker (idempotent)."""
        with self.engine.begin() as connection:
            remember_marker(connection, key, value)

    def remember_many(self, markers: Mapping[str, str]) -> None:
        """Remember several markers in one transaction."""
        if not markers:
            return
        with self.engine.begin() as connection:
            for key, value in markers.items():
                remember_marker(connection, key, value)

    def forget(self, key: str) -> None:
        """Drop a remembered marker."""
        with self.engine.begin() as connection:
            connection.execute(seen.delete().where(seen.c.key == key))


def remember_marker(connection: Connection, key: str, value: str) -> None:
    """Remember a marker inside the caller's transaction (idempotent)."""
    updated = connection.execute(seen.update().where(seen.c.key == key).values(value=value))
    if updated.rowcount == 0:
        connection.execute(seen.insert().values(key=key, value=value))


def read_markers(url: str, keys: Sequence[str]) -> dict[str, str]:
    """The markers among ``keys`` in the store at ``url``, read without creating or upgrading
    anything (``doctor`` writes nothing): none when there is no store yet."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            return {}
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(seen.c.key, seen.c.value).where(seen.c.key.in_(list(keys)))
            )
            return {str(key): str(value) for key, value in rows}
    except sa.exc.SQLAlchemyError:
        return {}  # not a deploybot store yet (no table): nothing remembered
    finally:
        engine.dispose()
