"""Per-thread locks, so two resumes of one interrupted thread never both run the node after it.

Why: LangGraph checkpoints are optimistic. Two approvals of the same interrupted thread (a double
click, the API and a retry, two API replicas) both load the same checkpoint and both run
``execute``. Holding a lock named after the thread around "check it is still interrupted, then
resume" makes the second caller see a thread that is no longer waiting, and refuse.

Production uses a Redis lock (shared by every process and host). The embedded default uses file
locks under HEDGEGRAPH_HOME/locks, so the API server and a CLI command on the same machine (two
processes, one SQLite checkpoint file) exclude each other too; ``InProcessThreadLocks`` is the
lighter choice when one process owns everything.

Locks have a wait timeout (``ThreadLockTimeoutError``). A Redis lock also has a lease, so a crashed
holder cannot block a thread forever; while held, the lease is renewed (every third of it), so a
run that takes longer than the lease (a slow broker, a long LLM step) keeps its lock. A lease that
ran out anyway (renewal failed, Redis lost the key) is reported on release
(``ThreadLockLostError``), never ignored. A file lock dies with its process.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import fcntl
import hashlib
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from config.settings import Settings

__all__ = [
    "AlreadyResumedError",
    "FileThreadLocks",
    "InProcessThreadLocks",
    "RedisThreadLocks",
    "ThreadLockLostError",
    "ThreadLockTimeoutError",
    "ThreadLocks",
    "aresume_interrupted",
    "file_lock_folder",
    "resume_interrupted",
    "thread_locks_from_settings",
]

DEFAULT_WAIT_SECONDS = 30.0
DEFAULT_LEASE_SECONDS = 60.0
"""How long a crashed holder blocks its thread; a live holder renews it every third of it."""


class ThreadLockTimeoutError(TimeoutError):
    """Another caller held the thread's lock for longer than we were willing to wait."""


class ThreadLockLostError(RuntimeError):
    """The Redis lease ran out while the lock was held: another caller may have run concurrently."""


class AlreadyResumedError(RuntimeError):
    """The thread is not waiting at an interrupt (someone else resumed it first, or it finished)."""


class ThreadLocks(Protocol):
    """What callers need: a lock per graph thread, sync and async."""

    def thread_lock(self, thread_id: str) -> Any:
        """Context manager holding the thread's lock; raises ``ThreadLockTimeoutError``."""
        ...

    def athread_lock(self, thread_id: str) -> Any:
        """Async context manager twin of ``thread_lock``."""
        ...

    def family(self, name: str) -> ThreadLocks:
        """The same kind of lock for another kind of name (``accounts``), never colliding with
        thread ids: a graph thread can be called anything."""
        ...


class _LockTable:
    """Process-wide named locks, dropped when nobody holds or waits for them."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str], tuple[threading.Lock, int]] = {}

    def checkout(self, name: tuple[str, str]) -> threading.Lock:
        with self._guard:
            lock, users = self._locks.get(name, (threading.Lock(), 0))
            self._locks[name] = (lock, users + 1)
            return lock

    def checkin(self, name: tuple[str, str]) -> None:
        with self._guard:
            lock, users = self._locks[name]
            if users <= 1:
                del self._locks[name]
            else:
                self._locks[name] = (lock, users - 1)

    def __len__(self) -> int:
        with self._guard:
            return len(self._locks)


_PROCESS_LOCKS = _LockTable()


class InProcessThreadLocks:
    """Embedded default: per-thread locks shared by everything in this process."""

    def __init__(
        self,
        *,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
        table: _LockTable | None = None,
        namespace: str = "thread",
    ):
        self.wait_seconds = wait_seconds
        self._table = table if table is not None else _PROCESS_LOCKS
        self._namespace = namespace

    def family(self, name: str) -> InProcessThreadLocks:
        return InProcessThreadLocks(
            wait_seconds=self.wait_seconds, table=self._table, namespace=name
        )

    @contextmanager
    def thread_lock(self, thread_id: str) -> Iterator[None]:
        key = (self._namespace, thread_id)
        lock = self._table.checkout(key)
        try:
            if not lock.acquire(timeout=self.wait_seconds):
                raise ThreadLockTimeoutError(
                    f"thread {thread_id} is locked by another resume (waited {self.wait_seconds}s)"
                )
            try:
                yield
            finally:
                lock.release()
        finally:
            self._table.checkin(key)

    @asynccontextmanager
    async def athread_lock(self, thread_id: str) -> AsyncIterator[None]:
        key = (self._namespace, thread_id)
        lock = self._table.checkout(key)
        try:
            deadline = time.monotonic() + self.wait_seconds
            delay = 0.005
            while not lock.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    raise ThreadLockTimeoutError(
                        f"thread {thread_id} is locked by another resume "
                        f"(waited {self.wait_seconds}s)"
                    )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.1)
            try:
                yield
            finally:
                lock.release()
        finally:
            self._table.checkin(key)


class FileThreadLocks:
    """Embedded default: ``flock`` on one file per thread, shared by every local process.

    Why one file per thread: striped files made unrelated threads wait for each other, and a
    thread whose stripe was busy failed with "locked by another resume" after the wait, naming a
    thread nobody held. Why the inode check: a lock file may be removed (``prune``) while another
    caller waits on it; that caller then holds a lock on a file nobody else can open, which
    silently breaks exclusion. So after ``flock`` succeeds the holder checks that its handle is
    still the file at the path, and starts over when it is not.
    """

    def __init__(self, folder: Path, *, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> None:
        self.folder = Path(folder).expanduser()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.wait_seconds = wait_seconds

    def _path(self, thread_id: str) -> Path:
        return self.folder / f"{hashlib.sha256(thread_id.encode()).hexdigest()[:32]}.lock"

    @staticmethod
    def _try(handle: IO[bytes], path: Path, *, touch: bool = True) -> bool:
        """Lock ``handle``; True only when it is still the file at ``path`` (see class doc)."""
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current != os.fstat(handle.fileno()).st_ino:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return False
        if touch:
            os.utime(handle.fileno())  # a held thread is a recent one: prune keeps it
        return True

    def _timeout(self, thread_id: str) -> ThreadLockTimeoutError:
        return ThreadLockTimeoutError(
            f"thread {thread_id} is locked by another resume (waited {self.wait_seconds}s)"
        )

    def _acquire_once(self, path: Path) -> IO[bytes] | None:
        handle = open(path, "ab")  # noqa: SIM115 - closed by the caller or right here
        if self._try(handle, path):
            return handle
        handle.close()
        return None

    @contextmanager
    def thread_lock(self, thread_id: str) -> Iterator[None]:
        path = self._path(thread_id)
        deadline, delay = time.monotonic() + self.wait_seconds, 0.005
        while (handle := self._acquire_once(path)) is None:
            if time.monotonic() >= deadline:
                raise self._timeout(thread_id)
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    @asynccontextmanager
    async def athread_lock(self, thread_id: str) -> AsyncIterator[None]:
        path = self._path(thread_id)
        deadline, delay = time.monotonic() + self.wait_seconds, 0.005
        while (handle := self._acquire_once(path)) is None:
            if time.monotonic() >= deadline:
                raise self._timeout(thread_id)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def family(self, name: str) -> FileThreadLocks:
        """Locks of another kind (``accounts``) in their own folder: no name can collide."""
        return FileThreadLocks(self.folder / name, wait_seconds=self.wait_seconds)

    def prune(self, *, older_than_seconds: float) -> int:
        """Remove lock files not used for ``older_than_seconds``; returns how many went.

        Each file is removed only while this call holds its lock, so no holder loses it, and a
        waiter that then wins the removed file sees the inode change and starts over.
        """
        cutoff, removed = time.time() - older_than_seconds, 0
        for path in self.folder.glob("*.lock"):
            try:
                if path.stat().st_mtime >= cutoff:
                    continue
                with open(path, "ab") as handle:
                    if not self._try(handle, path, touch=False):
                        continue  # held right now, or already replaced
                    path.unlink()
                    removed += 1
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            except FileNotFoundError:
                continue
        return removed


class _SyncRenewal:
    """Renews a held redis-py lock from a daemon thread until stopped; notes a failed renewal."""

    def __init__(self, lock: Any, every: float) -> None:
        self._lock, self._every = lock, every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="thread-lock-renewal", daemon=True)
        self.lost: BaseException | None = None

    def _run(self) -> None:
        while not self._stopped.wait(self._every):
            try:
                self._lock.reacquire()
            except Exception as exc:  # LockNotOwnedError, or Redis unreachable: reported on release
                self.lost = exc
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


async def _arenew(lock: Any, every: float, lost: list[BaseException]) -> None:
    """Reset the lease every ``every`` seconds while the lock is held (cancelled on release)."""
    while True:
        await asyncio.sleep(every)
        try:
            await lock.reacquire()
        except Exception as exc:  # reported on release as ThreadLockLostError
            lost.append(exc)
            return


def _redis_key(prefix: str, thread_id: str) -> str:
    digest = hashlib.sha256(thread_id.encode()).hexdigest()[:32]
    return f"{prefix}:{digest}"


class RedisThreadLocks:
    """Production: one Redis lock per thread, shared by every process that resumes threads."""

    def __init__(
        self,
        redis_url: str,
        *,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        renew_seconds: float | None = None,
        prefix: str = "hedgegraph:thread-lock",
    ) -> None:
        import redis
        import redis.asyncio

        self.redis_url = redis_url
        self.wait_seconds = wait_seconds
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds if renew_seconds is not None else lease_seconds / 3
        """How often a held lease is reset to ``lease_seconds``."""
        self.prefix = prefix
        self._client = redis.Redis.from_url(redis_url)
        self._aclient_factory = redis.asyncio.Redis.from_url

    @contextmanager
    def thread_lock(self, thread_id: str) -> Iterator[None]:
        from redis.exceptions import LockNotOwnedError

        lock = self._client.lock(
            _redis_key(self.prefix, thread_id),
            timeout=self.lease_seconds,
            blocking_timeout=self.wait_seconds,
            thread_local=False,
        )
        if not lock.acquire():
            raise ThreadLockTimeoutError(
                f"thread {thread_id} is locked by another resume (waited {self.wait_seconds}s)"
            )
        renewal = _SyncRenewal(lock, self.renew_seconds)
        renewal.start()
        try:
            yield
        finally:
            renewal.stop()
            try:
                lock.release()
            except LockNotOwnedError as exc:
                raise self._lost(thread_id) from exc
            if renewal.lost is not None:
                raise self._lost(thread_id) from renewal.lost

    @asynccontextmanager
    async def athread_lock(self, thread_id: str) -> AsyncIterator[None]:
        from redis.exceptions import LockNotOwnedError

        client = self._aclient_factory(self.redis_url)
        try:
            lock = client.lock(
                _redis_key(self.prefix, thread_id),
                timeout=self.lease_seconds,
                blocking_timeout=self.wait_seconds,
                thread_local=False,
            )
            if not await lock.acquire():
                raise ThreadLockTimeoutError(
                    f"thread {thread_id} is locked by another resume (waited {self.wait_seconds}s)"
                )
            lost: list[BaseException] = []
            renewal = asyncio.create_task(_arenew(lock, self.renew_seconds, lost))
            try:
                yield
            finally:
                renewal.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewal
                try:
                    await lock.release()
                except LockNotOwnedError as exc:
                    raise self._lost(thread_id) from exc
                if lost:
                    raise self._lost(thread_id) from lost[0]
        finally:
            await client.aclose()

    def family(self, name: str) -> RedisThreadLocks:
        """Same server and client, keys under ``<prefix>:<name>:`` (a digest never has ``:``)."""
        other = copy.copy(self)
        other.prefix = f"{self.prefix}:{name}"
        return other

    def _lost(self, thread_id: str) -> ThreadLockLostError:
        return ThreadLockLostError(
            f"lock for thread {thread_id} lapsed while held (lease {self.lease_seconds}s): "
            "another caller may have run the thread concurrently"
        )

    def close(self) -> None:
        self._client.close()


def file_lock_folder(settings: Settings) -> Path | None:
    """Where the embedded file locks live; ``None`` when Redis holds the locks."""
    return None if settings.redis_url else settings.hedgegraph_home / "locks"


def thread_locks_from_settings(settings: Settings) -> FileThreadLocks | RedisThreadLocks:
    """Redis locks when REDIS_URL is set (production), else file locks under HEDGEGRAPH_HOME."""
    folder = file_lock_folder(settings)
    if folder is None:
        return RedisThreadLocks(str(settings.redis_url))
    return FileThreadLocks(folder)


def _pending_interrupt(graph: Any, config: dict[str, Any], state: Any) -> None:
    if not state.interrupts:
        thread_id = config.get("configurable", {}).get("thread_id")
        raise AlreadyResumedError(f"thread {thread_id} is not waiting for approval")


def resume_interrupted(
    graph: Any, config: dict[str, Any], command: Any, locks: ThreadLocks, **invoke_kwargs: Any
) -> Any:
    """Resume an interrupted thread at most once: lock, check it still waits, then invoke.

    Args:
        graph: the compiled graph (with a checkpointer).
        config: its run config; ``configurable.thread_id`` names the lock.
        command: what to resume with (``Command(resume=...)``).
        locks: the per-thread locks (``thread_locks_from_settings``).

    Raises:
        AlreadyResumedError: the thread is no longer waiting (another approval won).
        ThreadLockTimeoutError: another resume held the lock for too long.
    """
    thread_id = str(config["configurable"]["thread_id"])
    with locks.thread_lock(thread_id):
        _pending_interrupt(graph, config, graph.get_state(config))
        return graph.invoke(command, config, **invoke_kwargs)


async def aresume_interrupted(
    graph: Any, config: dict[str, Any], command: Any, locks: ThreadLocks, **invoke_kwargs: Any
) -> Any:
    """Async twin of ``resume_interrupted``."""
    thread_id = str(config["configurable"]["thread_id"])
    async with locks.athread_lock(thread_id):
        _pending_interrupt(graph, config, await graph.aget_state(config))
        return await graph.ainvoke(command, config, **invoke_kwargs)
