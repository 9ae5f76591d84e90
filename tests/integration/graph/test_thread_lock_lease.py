"""A Redis thread lock keeps its lease while held, however long the run takes (real Redis)."""

from __future__ import annotations

import asyncio
import time

import pytest

from graph.checkpoints.locks import RedisThreadLocks, ThreadLockLostError, ThreadLockTimeoutError


async def test_async_lock_held_past_its_lease_is_renewed(redis_url: str) -> None:
    holder = RedisThreadLocks(redis_url, lease_seconds=1.0, prefix="lease-a")
    rival = RedisThreadLocks(redis_url, wait_seconds=0.2, prefix="lease-a")
    try:
        async with holder.athread_lock("t-long"):
            for _ in range(3):  # three leases long
                await asyncio.sleep(1.0)
                with pytest.raises(ThreadLockTimeoutError):
                    async with rival.athread_lock("t-long"):
                        pass
        async with rival.athread_lock("t-long"):  # released: the rival gets it now
            pass
    finally:
        holder.close()
        rival.close()


def test_sync_lock_held_past_its_lease_is_renewed(redis_url: str) -> None:
    holder = RedisThreadLocks(redis_url, lease_seconds=1.0, prefix="lease-s")
    rival = RedisThreadLocks(redis_url, wait_seconds=0.2, prefix="lease-s")
    try:
        with holder.thread_lock("t-long"):
            for _ in range(3):
                time.sleep(1.0)
                with pytest.raises(ThreadLockTimeoutError), rival.thread_lock("t-long"):
                    pass
        with rival.thread_lock("t-long"):
            pass
    finally:
        holder.close()
        rival.close()


async def test_a_lease_lost_while_held_is_reported(redis_url: str) -> None:
    """Redis dropped the key (eviction, failover): the holder is told on release, never silent."""
    import redis

    holder = RedisThreadLocks(redis_url, lease_seconds=1.5, renew_seconds=0.3, prefix="lease-l")
    raw = redis.Redis.from_url(redis_url)
    try:
        with pytest.raises(ThreadLockLostError, match="t-lost"):
            async with holder.athread_lock("t-lost"):
                for key in raw.scan_iter("lease-l:*"):
                    raw.delete(key)
                await asyncio.sleep(0.8)
    finally:
        raw.close()
        holder.close()
