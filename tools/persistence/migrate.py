"""Schema migrations for the application store, as functions (the CLI and tests call these).

Why programmatic: the migration scripts ship inside the package and need no alembic.ini, so
``hedgegraph db upgrade`` works from an installed wheel. History is single and linear; a second
head is a packaging bug and is refused.

One migrator at a time: two first commands on a fresh embedded store (the CLI and the API server
starting together) would both create the tables and one would die with "table already exists".
SQLite migrations hold an exclusive lock file beside the database, Postgres a transaction-level
advisory lock; whoever comes second finds the schema current and has nothing to do.

Why alembic is imported lazily: every command opens the store, and on an up-to-date database
(the usual case) the check needs only the stamped revision (one query) and the shipped head (read
from the migration files' ``revision`` / ``down_revision`` lines). Importing alembic costs about
0.2 s, so ``hedgegraph status`` pays it only when a migration really runs or a schema is behind.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from tools.persistence.setup_locks import database_side_lock

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "MIGRATIONS_DIR",
    "SchemaBehindError",
    "SchemaStatus",
    "create_store_engine",
    "current_revision",
    "downgrade",
    "head_revision",
    "linear_head",
    "normalize_database_url",
    "require_current",
    "schema_status",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_VERSION_TABLE = "alembic_version"
"""Alembic's default version table (``migrations/env.py`` configures no other)."""
UPGRADE_HINT = "run `hedgegraph db upgrade`"
_PG_MIGRATION_LOCK = 0x6867_6D69_6772  # "hgmigr": the advisory lock key of migrations


class SchemaBehindError(RuntimeError):
    """The database schema is older than this version of hedgegraph expects."""


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for Postgres URLs that name no driver (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_store_engine(database_url: str) -> Engine:
    """An engine for DATABASE_URL: SQLite with foreign keys enforced, Postgres via psycopg 3."""
    url = make_url(normalize_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


_DECLARATION = re.compile(
    r"^(?P<name>revision|down_revision)\s*(?::[^=]*)?=\s*(?P<value>.+)$", re.M
)


def _declared(path: Path) -> dict[str, object]:
    """The literals a migration file assigns to ``revision`` / ``down_revision`` at top level.

    A value that is not a one-line literal is returned as ``...``: the caller then defers to
    alembic. Scanning lines instead of parsing the module keeps this under a millisecond.
    """
    found: dict[str, object] = {}
    for match in _DECLARATION.finditer(path.read_text(encoding="utf-8")):
        try:
            found.setdefault(match["name"], ast.literal_eval(match["value"].strip()))
        except (ValueError, SyntaxError):
            found.setdefault(match["name"], ...)
    return found


@cache
def _shipped_head() -> str | None:
    return linear_head(MIGRATIONS_DIR / "versions")


def linear_head(versions: Path) -> str | None:
    """The single head of a plain linear history in ``versions``, read without alembic.

    ``None`` when the history is anything else (a merge, a branch, a non-literal revision):
    then alembic itself decides (``head_revision``). A unit test holds this reading equal to
    alembic's own for the shipped history.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        declared = _declared(path)
        if "revision" not in declared:
            continue  # __init__.py and other helpers carry no revision
        revision, parent = declared["revision"], declared.get("down_revision", ...)
        if not isinstance(revision, str) or not (parent is None or isinstance(parent, str)):
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 and parents <= revisions else None


def head_revision() -> str:
    """The newest migration shipped with this version (exactly one head)."""
    head = _shipped_head()
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migration history must be linear, found heads {heads}")
    return heads[0]


@contextmanager
def _engine_for(target: str | Engine) -> Iterator[Engine]:
    if isinstance(target, Engine):
        yield target
        return
    engine = create_store_engine(target)
    try:
        yield engine
    finally:
        engine.dispose()


def _sqlite_file_lock(engine: Engine) -> AbstractContextManager[object]:
    """Hold ``<database>.schema.lock`` exclusively (a no-op for other backends and memory).

    Why: two first commands on a fresh embedded home both see an empty file; the second waits
    here and then finds the schema current instead of failing with "table already exists".
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    return database_side_lock(engine.url.database or "", "schema")


@contextmanager
def _migrating(target: str | Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other migrator of the same database shares."""
    with _engine_for(target) as engine, _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("select pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        yield connection


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (default: the newest); at head already, a no-op
    that needs no lock and no alembic (a migration stamps its revision in its own transaction,
    so a stamped head means every step before it is committed)."""
    if revision == "head" and schema_status(target).is_current:
        return
    from alembic import command

    with _migrating(target) as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(target: str | Engine, revision: str) -> None:
    """Revert migrations down to ``revision`` (``base`` empties the store)."""
    from alembic import command

    with _migrating(target) as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(target: str | Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database.

    Read from alembic's version table directly (what ``MigrationContext.get_current_revision``
    reads), so checking an up-to-date store never imports alembic.
    """
    with _engine_for(target) as engine, engine.connect() as connection:
        stamped = _stamped_revisions(connection)
    if len(stamped) > 1:
        raise RuntimeError(f"the version table has more than one head: {', '.join(stamped)}")
    return stamped[0] if stamped else None


def _stamped_revisions(connection: Connection) -> tuple[str, ...]:
    if not inspect(connection).has_table(_VERSION_TABLE):
        return ()
    rows = connection.execute(text(f"select version_num from {_VERSION_TABLE}")).scalars()
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database stands against the shipped migrations."""

    current: str | None
    """Applied revision, ``None`` when no migration ever ran."""
    head: str
    """Newest shipped revision."""

    @property
    def is_current(self) -> bool:
        return self.current == self.head


def schema_status(target: str | Engine) -> SchemaStatus:
    return SchemaStatus(current_revision(target), head_revision())


def require_current(target: str | Engine) -> None:
    """Raise ``SchemaBehindError`` (naming the upgrade command) unless the schema is at head."""
    status = schema_status(target)
    if status.is_current:
        return
    from alembic.script import ScriptDirectory

    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if status.current is not None and status.current not in known:
        raise SchemaBehindError(
            f"database schema is at {status.current}, which this version does not know "
            f"(newest known: {status.head}); it was migrated by a newer hedgegraph"
        )
    where = status.current or "empty"
    raise SchemaBehindError(
        f"database schema is behind ({where}, this version needs {status.head}); {UPGRADE_HINT}"
    )
