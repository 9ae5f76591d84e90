"""The account-wide lock that serialises "gather snapshot -> gate -> submit" across processes.

Why: two cycles on different threads (a scheduler and a manual run, two API calls) each respect the
position cap alone, but if both take their gate snapshot before either order exists they break it
together. Holding one lock per broker account around the snapshot, the verdict and the submission
makes the second caller see the first one's order.

The lock reuses the thread-lock infrastructure as its own family (``family("accounts")``): file
locks in their own folder embedded (shared by every local process), Redis keys under their own
prefix in production. Why a family and not a reserved name among the threads: a graph thread may
be called anything, ``account:paper`` included, and would then share the account's lock (and wait
on itself while ``execute`` runs under its thread lock).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from graph.checkpoints.locks import ThreadLocks

__all__ = ["account_key", "account_lock", "account_locks"]


def account_key(broker_name: str) -> str:
    """The lock name of a broker account within the ``accounts`` family."""
    return f"account:{broker_name}"


def account_locks(locks: ThreadLocks) -> ThreadLocks:
    """The lock family account locks are taken from, given the process's thread locks."""
    return locks.family("accounts")


@contextmanager
def account_lock(locks: ThreadLocks, broker_name: str) -> Iterator[None]:
    """Hold the account's lock; raises ``ThreadLockTimeoutError`` when another holder keeps it."""
    with account_locks(locks).thread_lock(account_key(broker_name)):
        yield
