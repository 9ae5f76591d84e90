"""A road built from a running context takes the account lock every local process shares.

Why: the account lock is what stops two cycles (a scheduler's and an operator's, two API runs)
from both gating against the same snapshot and breaking a cap together. A road that fell back to
a lock of its own (an in-process one) would exclude nothing outside its process; two contexts over
one HEDGEGRAPH_HOME stand in for two processes here (their file locks are separate open files, and
``flock`` excludes those even within one process).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import load_settings
from graph.assembly import build_context
from graph.checkpoints.locks import ThreadLockTimeoutError
from graph.execution import ExecutionRoad
from graph.execution.account_lock import account_lock
from tools.clock import FixedClock

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)


def test_a_road_from_a_context_waits_for_the_account_another_process_holds(
    tmp_path: Path,
) -> None:
    settings = load_settings(hedgegraph_home=tmp_path / "home")
    holder = build_context(settings, clock=FixedClock(AS_OF))
    other = build_context(settings, clock=FixedClock(AS_OF))
    other.thread_locks.wait_seconds = 0.3  # type: ignore[union-attr]
    road = ExecutionRoad.for_context(other)
    try:
        with (
            account_lock(holder.thread_locks, holder.broker.name),
            pytest.raises(ThreadLockTimeoutError),
            road.account(),
        ):
            pytest.fail("the account was worked while another holder had it")
        with road.account() as desk:  # free again: the road gets it at once
            assert desk.lock_note is None
    finally:
        holder.ledger.close()
        other.ledger.close()
