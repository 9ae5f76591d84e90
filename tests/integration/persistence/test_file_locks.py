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
