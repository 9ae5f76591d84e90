"""One approver as a separate OS process (used by test_file_locks.py).

Usage: python -m tests.integration.persistence.approver_process CHECKPOINT_URL THREAD_ID
LOCK_DIR EXECUTIONS_FILE START_AT. Waits until wall time START_AT so two processes resume at the
same instant, then prints ``executed`` or ``already-resumed``.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

from langgraph.types import Command

from graph.checkpoints.factory import open_checkpointer
from graph.checkpoints.locks import AlreadyResumedError, FileThreadLocks, resume_interrupted
from tests.integration.persistence.test_resume_once import _build


class _FileLog(list[str]):
    """Executions appended to a shared file, so the parent can count across processes."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def append(self, item: str) -> None:
        with self.path.open("a") as handle:
            handle.write(item + "\n")


def main(argv: list[str]) -> int:
    url, thread_id, lock_dir, log, start_at = argv
    config: dict[str, Any] = {"configurable": {"thread_id": thread_id}}
    with open_checkpointer(url) as saver:
        graph = _build(saver, _FileLog(Path(log)), threading.Lock())
        time.sleep(max(0.0, float(start_at) - time.time()))
        try:
            resume_interrupted(graph, config, Command(resume=True), FileThreadLocks(Path(lock_dir)))
            print("executed")
        except AlreadyResumedError:
            print("already-resumed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
