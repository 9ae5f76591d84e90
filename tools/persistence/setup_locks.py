"""Side-file locks for embedded SQLite databases: one process at a time sets a file up.

Why: two first commands on a fresh home open the same SQLite file at the same moment. Creating
the ledger's schema, or switching the checkpoint file to WAL and creating the saver's tables,
needs the file to itself; SQLite answers "table already exists" or "database is locked" (at once,
without waiting out the busy timeout) when two connections are mid-way through it. The second
process waits on ``<database>.<purpose>.lock`` and then finds the work done.

The locks are ``filelock``'s (an OS lock, ``flock`` on POSIX, released when the process dies).
An OS lock belongs to one open file, so two holders in one process exclude each other too; the
async form polls without blocking the event loop, so two savers opened by one process wait for
each other instead of the second blocking the loop the first needs to finish.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, AbstractContextManager, nullcontext
from pathlib import Path

# filelock is imported where a lock is taken: every command imports this module (through
# migrate.py), and on a current schema, the usual case, none takes the lock.

__all__ = ["async_database_side_lock", "database_side_lock"]

POLL_SECONDS = 0.02
"""How often a waiter tries again; setting a file up takes milliseconds."""


def _side_file(database: str, purpose: str) -> Path | None:
    """``<database>.<purpose>.lock``, beside the database (its folder created); ``None`` for an
    in-memory database, which no other process can open."""
    if not database or database == ":memory:":
        return None
    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f"{path.name}.{purpose}.lock")


def database_side_lock(database: str, purpose: str) -> AbstractContextManager[object]:
    """Hold ``<database>.<purpose>.lock`` exclusively for the ``with`` block (blocking)."""
    side = _side_file(database, purpose)
    if side is None:
        return nullcontext()
    from filelock import FileLock

    return FileLock(side, thread_local=False)


def async_database_side_lock(database: str, purpose: str) -> AbstractAsyncContextManager[object]:
    """``database_side_lock`` for the event loop: waits by polling, never blocking the loop."""
    side = _side_file(database, purpose)
    if side is None:
        return nullcontext()
    from filelock import AsyncFileLock

    return AsyncFileLock(side, thread_local=False, poll_interval=POLL_SECONDS)
