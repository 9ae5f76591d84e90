"""Two concurrent approvals of one interrupted thread produce exactly one execution.

Each approver is modelled as a separate process would be: its own checkpointer connection and
its own lock client. A barrier releases both at the same instant. Without the lock, LangGraph runs
the node after the interrupt twice (the control case proves the test can fail).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from graph.checkpoints.factory import open_checkpointer, setup_checkpointer
from graph.checkpoints.locks import (
    AlreadyResumedError,
    InProcessThreadLocks,
    RedisThreadLocks,
    ThreadLocks,
    resume_interrupted,
)
from tests.fixtures.servers import fresh_database


class ApprovalState(TypedDict, total=False):
    ticker: str
    approved: bool
    executed: bool


def _build(saver: Any, executions: list[str], lock: threading.Lock) -> Any:
    def approval(state: ApprovalState) -> ApprovalState:
        verdict = interrupt({"ticker": state["ticker"]})
        return {"approved": bool(verdict)}

    def execute(state: ApprovalState) -> ApprovalState:
        time.sleep(0.2)  # a broker round trip: long enough for a racing resume to overlap
        with lock:
            executions.append(state["ticker"])
        return {"executed": True}

    builder = StateGraph(ApprovalState)
    builder.add_node("approval", approval)
    builder.add_node("execute", execute)
    builder.add_edge(START, "approval")
    builder.add_edge("approval", "execute")
    builder.add_edge("execute", END)
    return builder.compile(checkpointer=saver)


def _race(
    checkpoint_url: str, make_locks: Callable[[], ThreadLocks] | None
) -> tuple[list[str], list[object]]:
    executions: list[str] = []
    guard = threading.Lock()
    config = {"configurable": {"thread_id": f"approve-{uuid.uuid4().hex[:8]}"}}
    with open_checkpointer(checkpoint_url) as saver:
        first = _build(saver, executions, guard).invoke({"ticker": "AAPL"}, config)
    assert "__interrupt__" in first
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def approver() -> None:
        with ExitStack() as stack:
            saver = stack.enter_context(open_checkpointer(checkpoint_url))
            graph = _build(saver, executions, guard)
            barrier.wait()
            try:
                if make_locks is None:
                    graph.invoke(Command(resume=True), config)
                else:
                    resume_interrupted(graph, config, Command(resume=True), make_locks())
                outcomes.append("executed")
            except Exception as exc:  # recorded and asserted on by the caller
                outcomes.append(exc)

    workers = [threading.Thread(target=approver) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    unexpected = [o for o in outcomes if o != "executed" and not isinstance(o, AlreadyResumedError)]
    assert not unexpected, f"an approver failed: {unexpected!r}"
    return executions, outcomes


@pytest.fixture
def sqlite_checkpoints(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'checkpoints.sqlite'}"


def test_without_the_lock_both_approvals_execute(sqlite_checkpoints: str) -> None:
    executions, _ = _race(sqlite_checkpoints, None)
    assert executions == ["AAPL", "AAPL"], "control case: LangGraph alone double-executes"


def test_in_process_lock_with_sqlite_executes_once(sqlite_checkpoints: str) -> None:
    executions, outcomes = _race(sqlite_checkpoints, InProcessThreadLocks)
    assert executions == ["AAPL"]
    assert outcomes.count("executed") == 1
    assert sum(isinstance(o, AlreadyResumedError) for o in outcomes) == 1


def test_redis_lock_with_postgres_checkpoints_executes_once(
    postgres_url: str, redis_url: str
) -> None:
    checkpoints = fresh_database(postgres_url, "resume")
    setup_checkpointer(checkpoints)
    executions, outcomes = _race(checkpoints, lambda: RedisThreadLocks(redis_url))
    assert executions == ["AAPL"]
    assert sum(isinstance(o, AlreadyResumedError) for o in outcomes) == 1


def test_redis_lock_with_redis_checkpoints_executes_once(redis_url: str) -> None:
    executions, outcomes = _race(redis_url, lambda: RedisThreadLocks(redis_url))
    assert executions == ["AAPL"], outcomes
    assert sum(isinstance(o, AlreadyResumedError) for o in outcomes) == 1


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_async_resume_interrupted_executes_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import asyncio

    from graph.checkpoints.factory import aopen_checkpointer
    from graph.checkpoints.locks import FileThreadLocks, aresume_interrupted

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'checkpoints.sqlite'}"
        make_locks: Callable[[], ThreadLocks] = lambda: FileThreadLocks(tmp_path / "locks")  # noqa: E731
    else:
        url = str(request.getfixturevalue("redis_url"))
        make_locks = lambda: RedisThreadLocks(url)  # noqa: E731
    executions: list[str] = []
    guard = threading.Lock()
    config = {"configurable": {"thread_id": f"aapprove-{uuid.uuid4().hex[:8]}"}}
    async with aopen_checkpointer(url) as saver:
        await _build(saver, executions, guard).ainvoke({"ticker": "MSFT"}, config)
    start = asyncio.Event()

    async def approver() -> object:
        async with aopen_checkpointer(url) as own:
            await start.wait()
            try:
                graph = _build(own, executions, guard)
                return await aresume_interrupted(graph, config, Command(resume=True), make_locks())
            except AlreadyResumedError as exc:
                return exc

    tasks = [asyncio.create_task(approver()) for _ in range(2)]
    await asyncio.sleep(0.2)
    start.set()
    outcomes = await asyncio.gather(*tasks)
    assert executions == ["MSFT"]
    assert sum(isinstance(o, AlreadyResumedError) for o in outcomes) == 1
