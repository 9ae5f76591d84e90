"""The embedded checkpointer's async face: the sync SQLite saver, called on the event loop itself.

Why not ``AsyncSqliteSaver``: it sends every statement to aiosqlite's worker thread and back. A
3-ticker cycle makes about 28 saver calls, each a few sub-millisecond statements, and each hop
waits for the event loop to come round again while the cycle's other tasks (analysts, the LLM
fan-out) hold it. Measured side by side (``tests.bench.cycle_performance --sections checkpoints``),
the hops cost about 45 ms per cycle against about 8 ms for the same statements run inline; the
statements themselves are the same ``SqliteSaver`` code on the same WAL file, so what is stored,
and how a thread resumes, does not change.

Why inline is safe here: with WAL and ``synchronous=NORMAL`` a commit does not wait for the disk
(graph/checkpoints/factory.py, "Durability"), so a call blocks the loop for well under a
millisecond. The one long wait is another process's write lock (``busy_timeout``): that is a
sign of two processes writing one embedded file, which the embedded default tolerates but does
not optimise for (a server with many runs uses Postgres or Redis). ``SqliteSaver`` serialises its
cursor with a thread lock, which no two tasks of the loop can contend for: none of these methods
awaits while holding it, and ``alist`` reads its rows before it yields the first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.sqlite import SqliteSaver

__all__ = ["InlineSqliteSaver"]


class InlineSqliteSaver(SqliteSaver):
    """``SqliteSaver`` whose async methods run its sync ones directly (no worker thread)."""

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.get_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        # Read every row first: ``list`` holds the cursor lock while it yields, and a consumer
        # that writes between two items (from another task of this loop) would wait for it forever.
        rows = list(self.list(config, filter=filter, before=before, limit=limit))
        for row in rows:
            yield row

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        self.delete_thread(thread_id)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, Any]:
        return self.get_delta_channel_history(config=config, channels=channels)
