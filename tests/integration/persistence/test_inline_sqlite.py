"""The embedded async checkpointer runs the sync SQLite saver on the loop: no lock-up, same rows.

Why these tests: ``SqliteSaver.list`` holds the cursor's thread lock while it yields, so an inline
``alist`` that yielded straight from it would hang the loop for good the moment a consumer wrote a
checkpoint between two items (the run store does this when it reads history and records). And the
inline saver must store what the aiosqlite saver stored, so a thread written by one release
resumes under the next.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from graph.checkpoints.factory import aopen_checkpointer
from graph.checkpoints.inline_sqlite import InlineSqliteSaver
from graph.checkpoints.serde import checkpoint_serializer


def _config(thread_id: str) -> Any:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}


async def _put(saver: Any, thread_id: str, step: int) -> Any:
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"step": step}
    return await saver.aput(_config(thread_id), checkpoint, {"source": "loop", "step": step}, {})


@pytest.mark.timeout(20)
async def test_writing_between_listed_items_does_not_lock_the_loop(tmp_path: Path) -> None:
    async with aopen_checkpointer(f"sqlite:///{tmp_path / 'c.sqlite'}") as saver:
        assert isinstance(saver, InlineSqliteSaver)
        for step in range(3):
            await _put(saver, "t-1", step)
        seen = []
        async for item in saver.alist(_config("t-1")):
            seen.append(item.metadata["step"])
            await _put(saver, "t-2", len(seen))  # a write while the listing is open
        assert seen == [2, 1, 0]
        listed = [item.metadata["step"] async for item in saver.alist(_config("t-2"))]
        assert listed == [3, 2, 1]


async def test_a_thread_written_by_the_aiosqlite_saver_reads_back_inline(tmp_path: Path) -> None:
    import aiosqlite

    path = tmp_path / "c.sqlite"
    async with aiosqlite.connect(str(path)) as conn:
        old = AsyncSqliteSaver(conn, serde=checkpoint_serializer())
        await old.setup()
        written = await _put(old, "t-1", 7)
        await old.aput_writes(written, [("step", 8)], task_id="task-1")
    async with aopen_checkpointer(f"sqlite:///{path}") as saver:
        found = await saver.aget_tuple(_config("t-1"))
        assert found is not None
        assert found.checkpoint["channel_values"] == {"step": 7}
        assert found.metadata["step"] == 7
        assert [(task, channel, value) for task, channel, value in found.pending_writes or []] == [
            ("task-1", "step", 8)
        ]
        await saver.adelete_thread("t-1")
        assert await saver.aget_tuple(_config("t-1")) is None
