"""The checkpointer factory: one URL (CHECKPOINT_URL) picks SQLite, Postgres or Redis.

Why a factory: the graph, the API and the scheduler must not care where checkpoints live, and each
backend has its own sharp edges that belong in one place:

- ``sqlite:///path`` (embedded default): one file, parent folders created, schema created lazily.
- ``postgresql://`` (system of record): a psycopg pool with ``autocommit=True`` (the saver's
  setup fails otherwise) and ``prepare_threshold=0`` (every statement prepared at its first use, as
  the saver's own ``from_conn_string`` does; behind a transaction-mode PgBouncer that needs its
  prepared-statement support, 1.21 or later). The saver takes one instance-wide lock around every
  statement, pooled or not (langgraph issue #7259), so a cycle's calls run one at a time; lifting
  it over the pool measured worse here (3-ticker cycle, warm process: saver time 17-23 ms summed
  with the lock, 23-43 ms without, graph time the same), so it stays. Its schema is a
  migration step (``hedgegraph db upgrade``); opening a database whose checkpoint schema is behind
  raises ``CheckpointSchemaBehindError`` instead of migrating behind the operator's back, and
  opening runs the saver's own read once, so tables that do not answer it raise
  ``CheckpointTablesUnusableError`` at start-up.
- ``redis://`` (short-lived threads): the saver's indexes are created on open; keys expire after
  ``ttl_minutes`` (query parameter or keyword; default one week, refreshed on read). The saver
  is patched so a pending interrupt is never lost (see ``graph.checkpoints.redis_fixes``).

Every saver gets the strict serializer from ``graph.checkpoints.serde``.

Durability: checkpoint commits do not wait for the disk (SQLite ``synchronous=NORMAL`` in WAL
mode, Postgres ``synchronous_commit=off`` on the saver's connections). A process crash loses
nothing; a power cut or an OS crash may lose the last steps' checkpoints (never corrupt them), and
the thread then resumes from an earlier step. That is safe because the checkpoint is not the
record of what was traded: the ledger is, and it stays fully synchronous. An intent is on disk in
the ledger before its order is sent, so a replayed ``execute`` finds every order by its client
order id and sends nothing twice (the crash tests kill the process at the same point), and the
decision audit is idempotent per (thread, decision). What it buys: a cycle commits once per step
and per task write, and a flush waits behind the machine's other I/O. Measured side by side
(``tests.bench.cycle_performance --sections checkpoints``), saver time per 3-ticker cycle under
load 5 fell from 101 to 52 ms (SQLite) and 211 to 170 ms (Postgres); on a quiet machine it made
no measurable difference.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from langgraph.checkpoint.base import BaseCheckpointSaver

from graph.checkpoints.serde import checkpoint_serializer, redis_checkpoint_serializer
from tools.persistence.setup_locks import async_database_side_lock, database_side_lock

__all__ = [
    "DEFAULT_REDIS_TTL_MINUTES",
    "CheckpointSchemaBehindError",
    "CheckpointTablesUnusableError",
    "CheckpointTarget",
    "CheckpointURLError",
    "aopen_checkpointer",
    "open_checkpointer",
    "parse_checkpoint_url",
    "setup_checkpointer",
]

DEFAULT_REDIS_TTL_MINUTES = 7 * 24 * 60
"""A week: long enough for a supervised thread to wait over a weekend for its approval."""

REDIS_CONNECTIONS_PER_SLOT = 5
"""Redis connections per ``pool_size`` slot: one cycle writes from many parallel tasks (the
analyst fan-out); the pool blocks (up to 30 s) instead of failing when all are busy."""

UPGRADE_HINT = "run `hedgegraph db upgrade` to apply migrations"

CONNECT_TIMEOUT_SECONDS = 10.0
"""How long opening a Postgres checkpointer waits for its first connection: an unreachable server
is a start-up failure within seconds, not a hang on the first checkpoint."""


class CheckpointURLError(ValueError):
    """CHECKPOINT_URL names a scheme we do not support or is malformed."""


class CheckpointSchemaBehindError(RuntimeError):
    """The checkpoint tables are missing or older than this version expects."""


class CheckpointTablesUnusableError(RuntimeError):
    """The migrations are recorded as applied, but the tables do not answer the saver's query."""


@dataclass(frozen=True, slots=True)
class CheckpointTarget:
    """A parsed CHECKPOINT_URL."""

    backend: Literal["sqlite", "postgres", "redis"]
    """Which saver serves this URL."""
    location: str
    """File path (sqlite, ``:memory:`` allowed) or the driver-ready connection URL."""
    ttl_minutes: float | None = None
    """Redis only: key expiry, from ``?ttl_minutes=``; ``None`` means the default."""


def parse_checkpoint_url(url: str) -> CheckpointTarget:
    """Parse ``sqlite:///path``, ``postgresql[+driver]://...`` or ``redis[s]://...``."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    base = scheme.split("+", 1)[0]
    if base == "sqlite":
        path = url.split(":", 1)[1]
        if path in ("", "//", "///:memory:"):
            return CheckpointTarget("sqlite", ":memory:")
        if not path.startswith("///") or len(path) == 3:
            raise CheckpointURLError(
                f"sqlite checkpoint URL needs a path: sqlite:///FILE, got {url!r}"
            )
        return CheckpointTarget("sqlite", path[3:])
    if base in ("postgresql", "postgres"):
        rest = url.split(":", 1)[1]
        return CheckpointTarget("postgres", f"postgresql:{rest}")
    if base in ("redis", "rediss"):
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        ttl = [v for k, v in query if k == "ttl_minutes"]
        kept = urlencode([(k, v) for k, v in query if k != "ttl_minutes"])
        try:
            ttl_minutes = float(ttl[-1]) if ttl else None
        except ValueError:
            raise CheckpointURLError(f"ttl_minutes must be a number, got {ttl[-1]!r}") from None
        return CheckpointTarget("redis", urlunsplit(parts._replace(query=kept)), ttl_minutes)
    raise CheckpointURLError(
        f"unsupported CHECKPOINT_URL scheme {scheme!r}: use sqlite:///FILE, postgresql://... "
        "or redis://..."
    )


def _sqlite_connection(path: str) -> sqlite3.Connection:
    if path != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(Path(path).expanduser()) if path != ":memory:" else path, check_same_thread=False
    )
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # see "Durability" above
    return conn


def _pg_connection_kwargs() -> dict[str, Any]:
    from psycopg.rows import dict_row

    return {
        "autocommit": True,
        "prepare_threshold": 0,
        "row_factory": dict_row,
        "options": "-c synchronous_commit=off",  # see "Durability" above
    }


def _checkpoint_schema_version(conn: Any) -> int:
    """Highest applied checkpoint migration, or -1 when the table does not exist."""
    exists = conn.execute(
        "select to_regclass('checkpoint_migrations') is not null as ok"
    ).fetchone()
    if not exists["ok"]:
        return -1
    row = conn.execute("select coalesce(max(v), -1) as v from checkpoint_migrations").fetchone()
    return int(row["v"])


def _require_current(version: int, expected: int) -> None:
    if version < expected:
        raise CheckpointSchemaBehindError(
            f"checkpoint schema is at migration {version}, this version needs {expected}; "
            f"{UPGRADE_HINT}"
        )


def _redis_ttl(target: CheckpointTarget, ttl_minutes: float | None) -> dict[str, Any]:
    minutes = ttl_minutes if ttl_minutes is not None else target.ttl_minutes
    return {
        "default_ttl": minutes if minutes is not None else DEFAULT_REDIS_TTL_MINUTES,
        "refresh_on_read": True,
    }


@contextmanager
def _open_postgres(target: CheckpointTarget, *, setup: bool, pool_size: int) -> Iterator[Any]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg_pool import ConnectionPool

    with ConnectionPool(
        target.location,
        min_size=1,
        max_size=pool_size,
        kwargs=_pg_connection_kwargs(),
        open=True,
    ) as pool:
        pool.wait(timeout=CONNECT_TIMEOUT_SECONDS)
        saver = PostgresSaver(pool, serde=checkpoint_serializer())  # type: ignore[arg-type]
        if setup:
            saver.setup()
        with pool.connection() as conn:
            _require_current(_checkpoint_schema_version(conn), len(saver.MIGRATIONS) - 1)
        _first_read(saver)
        yield saver


@contextmanager
def _open_redis(
    target: CheckpointTarget, *, ttl_minutes: float | None, pool_size: int
) -> Iterator[Any]:
    import redis

    from graph.checkpoints.redis_fixes import SafeRedisSaver

    pool = redis.BlockingConnectionPool.from_url(
        target.location, max_connections=pool_size * REDIS_CONNECTIONS_PER_SLOT, timeout=30
    )
    client = redis.Redis(connection_pool=pool)
    try:
        with SafeRedisSaver.from_conn_string(
            redis_client=client, ttl=_redis_ttl(target, ttl_minutes)
        ) as saver:
            saver.serde = redis_checkpoint_serializer()
            saver.setup()
            yield saver
    finally:
        client.close()
        pool.disconnect()


@contextmanager
def _open_sqlite(target: CheckpointTarget) -> Iterator[Any]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    # the WAL switch and the saver's tables, one process at a time (tools/persistence/setup_locks)
    with database_side_lock(target.location, "setup"):
        saver = _set_up_sqlite_saver(SqliteSaver, target)
    try:
        yield saver
    finally:
        saver.conn.close()


def _set_up_sqlite_saver(saver_type: type[Any], target: CheckpointTarget) -> Any:
    """A saver of ``saver_type`` on a new connection, its tables created (under the set-up lock)."""
    conn = _sqlite_connection(target.location)
    try:
        saver = saver_type(conn, serde=checkpoint_serializer())
        saver.setup()
    except BaseException:
        conn.close()
        raise
    return saver


def open_checkpointer(
    url: str,
    *,
    setup: bool = False,
    ttl_minutes: float | None = None,
    pool_size: int = 10,
) -> AbstractContextManager[BaseCheckpointSaver[Any]]:
    """Open the checkpoint saver that ``url`` names; close it (and its pool) on exit.

    Args:
        url: CHECKPOINT_URL (``sqlite:///FILE``, ``postgresql://...``, ``redis://...``).
        setup: Postgres only: apply the saver's own migrations first (what ``db upgrade`` does).
            Without it a Postgres schema that is behind raises ``CheckpointSchemaBehindError``.
        ttl_minutes: Redis only: key expiry, overriding the URL's ``ttl_minutes``.
        pool_size: Postgres: maximum pooled connections; Redis: scales its blocking pool
            (``pool_size * REDIS_CONNECTIONS_PER_SLOT`` connections).
    """
    target = parse_checkpoint_url(url)
    if target.backend == "postgres":
        return _open_postgres(target, setup=setup, pool_size=pool_size)
    if target.backend == "redis":
        return _open_redis(target, ttl_minutes=ttl_minutes, pool_size=pool_size)
    return _open_sqlite(target)


def setup_checkpointer(url: str) -> None:
    """Create or migrate the checkpoint schema (the migration step ``db upgrade`` runs)."""
    with open_checkpointer(url, setup=True):
        pass


_NO_THREAD: Any = {"configurable": {"thread_id": "", "checkpoint_ns": ""}}
"""The empty thread id, read at open: no run is started with it, and a read changes nothing."""


def _unusable(exc: Exception) -> CheckpointTablesUnusableError:
    return CheckpointTablesUnusableError(
        f"the checkpoint tables do not answer the saver's query ({exc}) although their migrations "
        "are recorded as applied: restore them, or point CHECKPOINT_URL at a new database and "
        "run `hedgegraph db upgrade`"
    )


def _first_read(saver: Any) -> None:
    """Run the saver's own read once at open (for ``_NO_THREAD``).

    Why: tables that do not answer the saver's query (dropped, altered by hand) fail at start-up
    (``hedgegraph db status``, the start-up schema check, the engine's open), not inside a cycle.
    """
    from psycopg import ProgrammingError

    try:
        saver.get_tuple(_NO_THREAD)
    except ProgrammingError as exc:
        raise _unusable(exc) from exc


async def _afirst_read(saver: Any) -> None:
    """``_first_read`` for the async saver. It also pays a connection's first use (the statement's
    preparation, the server's first look at the three tables and their indexes) at open, not in
    the first cycle; the process's total is the same. Measured side by side, 7 fresh processes
    each (``tests.bench.cycle_performance --sections checkpoints --compare``): saver time in a
    3-ticker first cycle 24.6 [21.6..26.0] -> 20.6 [18.5..23.5] ms summed, about what a warm
    process's cycles take (19.2 ms).
    """
    from psycopg import ProgrammingError

    try:
        await saver.aget_tuple(_NO_THREAD)
    except ProgrammingError as exc:
        raise _unusable(exc) from exc


@asynccontextmanager
async def _aopen_postgres(
    target: CheckpointTarget, *, setup: bool, pool_size: int
) -> AsyncIterator[Any]:
    from psycopg_pool import AsyncConnectionPool

    from graph.checkpoints.inline_postgres import InlinePostgresSaver

    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        target.location, min_size=1, max_size=pool_size, kwargs=_pg_connection_kwargs(), open=False
    )
    await pool.open()
    try:
        await pool.wait(timeout=CONNECT_TIMEOUT_SECONDS)
        saver = InlinePostgresSaver(pool, serde=checkpoint_serializer())
        if setup:
            await saver.setup()
        async with pool.connection() as conn:
            cur = await conn.execute(
                "select to_regclass('checkpoint_migrations') is not null as ok"
            )
            exists = await cur.fetchone()
            version = -1
            if exists is not None and exists["ok"]:
                cur = await conn.execute(
                    "select coalesce(max(v), -1) as v from checkpoint_migrations"
                )
                row = await cur.fetchone()
                version = int(row["v"]) if row is not None else -1
        _require_current(version, len(saver.MIGRATIONS) - 1)
        await _afirst_read(saver)
        yield saver
    finally:
        await pool.close()


@asynccontextmanager
async def _aopen_redis(
    target: CheckpointTarget, *, ttl_minutes: float | None, pool_size: int
) -> AsyncIterator[Any]:
    import redis.asyncio

    from graph.checkpoints.redis_fixes import SafeAsyncRedisSaver

    pool = redis.asyncio.BlockingConnectionPool.from_url(
        target.location, max_connections=pool_size * REDIS_CONNECTIONS_PER_SLOT, timeout=30
    )
    client = redis.asyncio.Redis(connection_pool=pool)
    try:
        async with SafeAsyncRedisSaver.from_conn_string(
            redis_client=client, ttl=_redis_ttl(target, ttl_minutes)
        ) as saver:
            saver.serde = redis_checkpoint_serializer()
            await saver.asetup()
            yield saver
    finally:
        await client.aclose()
        await pool.disconnect()


@asynccontextmanager
async def _aopen_sqlite(target: CheckpointTarget) -> AsyncIterator[Any]:
    # The sync saver on the loop itself: graph/checkpoints/inline_sqlite.py says why.
    from graph.checkpoints.inline_sqlite import InlineSqliteSaver

    # polled, not blocking: two savers of one process (racing approvals) wait for each other
    async with async_database_side_lock(target.location, "setup"):
        saver = _set_up_sqlite_saver(InlineSqliteSaver, target)
    try:
        yield saver
    finally:
        saver.conn.close()


def aopen_checkpointer(
    url: str,
    *,
    setup: bool = False,
    ttl_minutes: float | None = None,
    pool_size: int = 10,
) -> AbstractAsyncContextManager[BaseCheckpointSaver[Any]]:
    """Async twin of ``open_checkpointer``; must be entered inside a running event loop."""
    target = parse_checkpoint_url(url)
    if target.backend == "postgres":
        return _aopen_postgres(target, setup=setup, pool_size=pool_size)
    if target.backend == "redis":
        return _aopen_redis(target, ttl_minutes=ttl_minutes, pool_size=pool_size)
    return _aopen_sqlite(target)
