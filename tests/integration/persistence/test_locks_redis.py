"""The Redis per-thread lock against a real server: exclusion across clients, timeouts, leases."""

from __future__ import annotations

import time

import pytest

from graph.checkpoints.locks import RedisThreadLocks, ThreadLockLostError, ThreadLockTimeoutError


def test_two_clients_exclude_each_other(redis_url: str) -> None:
    first, second = RedisThreadLocks(redis_url), RedisThreadLocks(redis_url, wait_seconds=0.1)
    with (
        first.thread_lock("t-1"),
        pytest.raises(ThreadLockTimeoutError, match="t-1"),
        second.thread_lock("t-1"),
    ):
        pass
    with second.thread_lock("t-1"):
        pass


def test_other_threads_are_independent(redis_url: str) -> None:
    locks = RedisThreadLocks(redis_url, wait_seconds=0.1)
    with locks.thread_lock("t-1"), locks.thread_lock("t-2"):
        pass


def test_a_lease_lost_while_held_is_reported(redis_url: str) -> None:
    """A held lease is renewed now; one Redis dropped anyway is still reported on release."""
    import redis

    locks = RedisThreadLocks(redis_url, lease_seconds=1.5, renew_seconds=0.3, prefix="lost-s")
    raw = redis.Redis.from_url(redis_url)
    try:
        with pytest.raises(ThreadLockLostError, match="lapsed"), locks.thread_lock("t-lease"):
            for key in raw.scan_iter("lost-s:*"):
                raw.delete(key)
            time.sleep(0.8)
    finally:
        raw.close()
        locks.close()


async def test_async_lock_excludes_a_sync_holder(redis_url: str) -> None:
    holder, waiter = RedisThreadLocks(redis_url), RedisThreadLocks(redis_url, wait_seconds=0.1)
    with holder.thread_lock("t-async"), pytest.raises(ThreadLockTimeoutError):
        async with waiter.athread_lock("t-async"):
            pass
    async with waiter.athread_lock("t-async"):
        pass


def test_a_thread_named_like_an_account_never_shares_its_lock(redis_url: str) -> None:
    """``account:paper`` is a legal thread id; the account lock lives under its own prefix."""
    from graph.execution.account_lock import account_key, account_lock

    locks = RedisThreadLocks(redis_url, wait_seconds=0.2, prefix="family-s")
    try:
        with locks.thread_lock(account_key("paper")), account_lock(locks, "paper"):
            pass
        other = RedisThreadLocks(redis_url, wait_seconds=0.1, prefix="family-s")
        with (
            account_lock(locks, "paper"),
            pytest.raises(ThreadLockTimeoutError),
            account_lock(other, "paper"),
        ):
            pass  # the same account from another client does wait
    finally:
        locks.close()
