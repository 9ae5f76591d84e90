"""One runner per job at a time, across processes: a Redis lease or a file lock under the home.

Why both: production schedulers share Redis (REDIS_URL), and two processes on one embedded
HEDGEGRAPH_HOME (the daemon and ``hedgegraph serve`` with ``schedule.embedded``) share a folder.
A lease that cannot be taken means someone else is running that job now: the run is skipped and
logged, never queued behind it. The lease is about *now*; the slot record in the database
(``JobSlotStore.claim``) is about *ever*, so a slot is run once even when the two processes
arrive one after the other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from config.settings import Settings

__all__ = ["FileJobLeases", "JobLeases", "RedisJobLeases", "job_leases_from_settings"]

log = logging.getLogger(__name__)


class JobLeases(Protocol):
    def hold(self, job: str) -> AbstractContextManager[bool]:
        """True inside while this process holds ``job``'s lease; False when another does."""
        ...


class FileJobLeases:
    """``filelock`` locks in ``folder`` (one file per job); released when the process dies."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder

    @contextmanager
    def hold(self, job: str) -> Iterator[bool]:
        """Yield True while holding ``job``'s lease, False (at once) when another holder has it."""
        from filelock import FileLock, Timeout

        lock = FileLock(self._folder / f"{job}.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()


class RedisJobLeases:
    """A Redis lock per job with a time to live, so a crashed holder frees it after ``ttl``."""

    def __init__(self, url: str, *, ttl_seconds: int) -> None:
        import redis

        self._client = redis.Redis.from_url(url)
        self._ttl = ttl_seconds

    @contextmanager
    def hold(self, job: str) -> Iterator[bool]:
        from redis.exceptions import LockError

        lock = self._client.lock(
            f"hedgegraph:schedule:lease:{job}", timeout=self._ttl, blocking=False
        )
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            try:
                lock.release()
            except LockError:
                log.warning("lease of job %s expired before it was released", job)

    def close(self) -> None:
        self._client.close()


def job_leases_from_settings(settings: Settings) -> FileJobLeases | RedisJobLeases:
    """Redis when REDIS_URL is set, else file locks under ``HEDGEGRAPH_HOME/schedule``."""
    if settings.redis_url:
        return RedisJobLeases(settings.redis_url, ttl_seconds=settings.schedule.lease_seconds)
    return FileJobLeases(settings.hedgegraph_home / "schedule" / "leases")
