"""Embedded file locks: exclusion between threads and between OS processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from graph.checkpoints.factory import open_checkpointer
from graph.checkpoints.locks import FileThreadLocks, ThreadLockTimeoutError
from tests.integration.persistence.test_resume_once import _build

REPO = Path(__file__).resolve().parents[3]


def test_file_lock_excludes_another_holder_in_the_same_process(tmp_path: Path) -> None:
    holder, waiter = FileThreadLocks(tmp_path), FileThreadLocks(tmp_path, wait_seconds=0.1)
    with (
        holder.thread_lock("t-1"),
        pytest.raises(ThreadLockTimeoutError, match="t-1"),
        waiter.thread_lock("t-1"),
    ):
        pass
    with waiter.thread_lock("t-1"):
        pass


def test_file_lock_excludes_another_process(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path\n"
        "from graph.checkpoints.locks import FileThreadLocks\n"
        "with FileThreadLocks(Path(sys.argv[1])).thread_lock('t-x'):\n"
        "    print('held', flush=True); time.sleep(1.5)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with (
        pytest.raises(ThreadLockTimeoutError),
        FileThreadLocks(tmp_path, wait_seconds=0.2).thread_lock("t-x"),
    ):
        pass
    holder.wait(timeout=10)
    with FileThreadLocks(tmp_path, wait_seconds=2).thread_lock("t-x"):
        pass


async def test_async_file_lock_waits_for_the_holder(tmp_path: Path) -> None:
    locks = FileThreadLocks(tmp_path, wait_seconds=2)
    released = threading.Event()

    def hold() -> None:
        with locks.thread_lock("t-a"):
            time.sleep(0.2)
        released.set()

    worker = threading.Thread(target=hold)
    worker.start()
    time.sleep(0.05)
    async with locks.athread_lock("t-a"):
        assert released.is_set()
    worker.join()


def test_two_approver_processes_execute_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'checkpoints.sqlite'}"
    log = tmp_path / "executions.log"
    config = {"configurable": {"thread_id": "approve-proc"}}
    with open_checkpointer(url) as saver:
        assert "__interrupt__" in _build(saver, [], threading.Lock()).invoke(
            {"ticker": "AAPL"}, config
        )
    start_at = str(time.time() + 2.5)
    args = [url, "approve-proc", str(tmp_path / "locks"), str(log), start_at]
    module = "tests.integration.persistence.approver_process"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert outputs == ["already-resumed", "executed"]
    assert log.read_text().splitlines() == ["AAPL"]


def _old_stripe(thread_id: str, stripes: int = 256) -> int:
    import hashlib

    return int(hashlib.sha256(thread_id.encode()).hexdigest(), 16) % stripes


def test_unrelated_threads_never_wait_for_each_other(tmp_path: Path) -> None:
    """x1 and x2 shared a stripe of the old striped files: the second timed out, naming x2."""
    assert _old_stripe("x1") == _old_stripe("x2"), "precondition: the pair that collided"
    holder, other = FileThreadLocks(tmp_path), FileThreadLocks(tmp_path, wait_seconds=0.1)
    with holder.thread_lock("x1"), other.thread_lock("x2"):
        pass


@pytest.mark.parametrize("kind", ["file", "in-process"])
def test_a_thread_named_like_an_account_never_shares_its_lock(tmp_path: Path, kind: str) -> None:
    """Graph threads may be called anything; the account lock is its own family of names."""
    from graph.checkpoints.locks import InProcessThreadLocks
    from graph.execution.account_lock import account_key, account_lock

    locks = (
        FileThreadLocks(tmp_path, wait_seconds=0.2)
        if kind == "file"
        else InProcessThreadLocks(wait_seconds=0.2)
    )
    with locks.thread_lock(account_key("paper")), account_lock(locks, "paper"):
        pass


def test_a_handle_on_a_removed_lock_file_never_counts_as_holding_it(tmp_path: Path) -> None:
    """The race prune opens: a caller opened the file, prune removed it, the flock then wins.

    Such a caller holds a lock nobody else can see (newcomers create a new file), so it must
    start over. Driven directly: the interleaving is too narrow to hit reliably with threads.
    """
    locks = FileThreadLocks(tmp_path)
    path = locks._path("t-p")
    with open(path, "ab") as stale:
        path.unlink()
        assert not locks._try(stale, path), "a removed file is not the lock"
        with locks.thread_lock("t-p"), open(path, "ab") as replaced:
            assert not locks._try(replaced, path), "the new file is held by the newcomer"


def test_prune_removes_only_idle_lock_files(tmp_path: Path) -> None:
    import os

    locks = FileThreadLocks(tmp_path)
    for name in ("old-1", "old-2", "held"):
        with locks.thread_lock(name):
            pass
    long_ago = time.time() - 3600
    for path in tmp_path.glob("*.lock"):
        os.utime(path, (long_ago, long_ago))
    with locks.thread_lock("held"):  # in use now: touched, and locked
        assert locks.prune(older_than_seconds=600) == 2
    assert [p.name for p in tmp_path.glob("*.lock")] == [locks._path("held").name]
    with locks.thread_lock("old-1"):  # a pruned thread's lock simply comes back
        pass
