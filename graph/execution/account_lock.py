"""The account-wide lock that serialises "gather snapshot -> gate -> submit" across processes.

Why: two cycles on different threads (a scheduler and a manual run, two API calls) each respect the
position cap alone, but if both take their gate snapshot before either order exists they break it
together. Holding one lock per broker account around the snapshot, the verdict and the submission
makes the second caller see the first one's order.

The lock reuses the thread-lock infrastructure under a reserved name (``account:<broker>``): file
locks embedded (shared by every local process), Redis in production. File locks are striped and
the runner already holds the cycle's thread lock while ``execute`` runs; an account key that hashed
to the same stripe as that thread would wait on itself. Account locks therefore live in their own
folder beside the thread locks, where no thread key can collide with them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from graph.checkpoints.locks import FileThreadLocks, ThreadLocks

__all__ = ["account_key", "account_lock", "account_locks"]


def account_key(broker_name: str) -> str:
    """The reserved lock name of a broker account (never a valid graph thread id prefix)."""
    return f"account:{broker_name}"


def account_locks(locks: ThreadLocks) -> ThreadLocks:
    """The lock family account locks are taken from, given the process's thread locks."""
    if isinstance(locks, FileThreadLocks):
        return FileThreadLocks(
            locks.folder / "accounts", wait_seconds=locks.wait_seconds, stripes=16
        )
    return locks


@contextmanager
def account_lock(locks: ThreadLocks, broker_name: str) -> Iterator[None]:
    """Hold the account's lock; raises ``ThreadLockTimeoutError`` when another holder keeps it."""
    with account_locks(locks).thread_lock(account_key(broker_name)):
        yield
