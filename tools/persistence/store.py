"""Opening the application store: an engine, a session factory and the schema check.

Schema policy: a Postgres (or any non-default) database whose schema is behind is refused with
``SchemaBehindError`` naming ``hedgegraph db upgrade``; migrating a shared production database is
an operator's decision. The embedded SQLite file is upgraded automatically on first use: it is
private to this installation, has no operator to run the command, and the migration is the same
code path ``db upgrade`` runs. Pass ``auto_upgrade`` to override either default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from tools.persistence.errors import LedgerInputError, UnsupportedDatabaseError
from tools.persistence.migrate import create_store_engine, require_current, upgrade

__all__ = ["Store", "dialect_insert"]


class Store:
    """An engine plus a session factory, checked against the shipped migrations."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise UnsupportedDatabaseError(
                f"DATABASE_URL dialect {engine.dialect.name!r} is not supported; use sqlite or "
                "postgresql"
            )
        self.engine = engine
        self.sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, database_url: str, *, auto_upgrade: bool | None = None) -> Store:
        """Open DATABASE_URL, upgrading (SQLite default) or refusing a schema that is behind."""
        engine = create_store_engine(database_url)
        try:
            store = cls(engine)
            if auto_upgrade if auto_upgrade is not None else engine.dialect.name == "sqlite":
                upgrade(engine)
            require_current(engine)
        except Exception:
            engine.dispose()
            raise
        return store

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction whose bad values surface as ``LedgerInputError`` (nothing written).

        Why: a value the column types refuse (a naive datetime, an unrepresentable amount) is bad
        input, not a database failure; the caller gets a typed error that says which value.
        """
        try:
            with self.sessions.begin() as session:
                yield session
        except sa_exc.StatementError as exc:
            if isinstance(exc.orig, ValueError | TypeError):
                raise LedgerInputError(str(exc.orig)) from exc
            raise

    def close(self) -> None:
        self.engine.dispose()


def dialect_insert(session: Session) -> Callable[..., Any]:
    """The dialect's ``insert`` (with ON CONFLICT support) for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
