"""The embedded per-thread lock: mutual exclusion per thread, independence across threads."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from config.settings import load_settings
from graph.checkpoints.locks import (
    FileThreadLocks,
    InProcessThreadLocks,
    RedisThreadLocks,
    ThreadLockTimeoutError,
    _LockTable,
    thread_locks_from_settings,
)


def test_same_thread_id_is_mutually_exclusive() -> None:
    locks = InProcessThreadLocks(table=_LockTable())
    inside, overlaps = [0], [0]
    guard = threading.Lock()

    def hold() -> None:
        with locks.thread_lock("t-1"):
            with guard:
                inside[0] += 1
                overlaps[0] = max(overlaps[0], inside[0])
            time.sleep(0.02)
            with guard:
                inside[0] -= 1

    workers = [threading.Thread(target=hold) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert overlaps[0] == 1


def test_different_threads_do_not_block_each_other() -> None:
    locks = InProcessThreadLocks(wait_seconds=0.05, table=_LockTable())
    with locks.thread_lock("t-1"), locks.thread_lock("t-2"):
        pass


def test_waiting_too_long_raises_a_typed_timeout() -> None:
    table = _LockTable()
    holder, waiter = (
        InProcessThreadLocks(table=table),
        InProcessThreadLocks(wait_seconds=0.05, table=table),
    )
    with (
        holder.thread_lock("t-1"),
        pytest.raises(ThreadLockTimeoutError, match="t-1"),
        waiter.thread_lock("t-1"),
    ):
        pass


def test_lock_table_forgets_released_threads() -> None:
    table = _LockTable()
    locks = InProcessThreadLocks(table=table)
    for n in range(50):
        with locks.thread_lock(f"t-{n}"):
            pass
    assert len(table) == 0


async def test_async_lock_excludes_sync_holder_of_the_same_thread() -> None:
    table = _LockTable()
    locks = InProcessThreadLocks(wait_seconds=0.1, table=table)
    with locks.thread_lock("t-1"), pytest.raises(ThreadLockTimeoutError):
        async with locks.athread_lock("t-1"):
            pass
    async with locks.athread_lock("t-1"):
        await asyncio.sleep(0)


def test_factory_picks_redis_when_redis_url_is_set(tmp_path: Path) -> None:
    embedded = thread_locks_from_settings(load_settings(hedgegraph_home=tmp_path))
    assert isinstance(embedded, FileThreadLocks)
    assert embedded.folder == tmp_path / "locks"
    redis_locks = thread_locks_from_settings(load_settings(redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(redis_locks, RedisThreadLocks)
    redis_locks.close()
