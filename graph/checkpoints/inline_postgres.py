"""The Postgres checkpointer, with its (de)serialisation on the event loop instead of a worker.

Why: ``AsyncPostgresSaver`` sends every serialisation (``aput``, ``aput_writes``) and the pending
writes' deserialisation (``aget_tuple``) to ``asyncio.to_thread`` and back. A hop costs little by
itself, but its answer waits for the event loop to come round again, and while a cycle runs the
loop is busy with the cycle's other tasks (analysts, the LLM fan-out, the next step's writes). Our
checkpoints are small (the market snapshot is a reference, graph/state.py), so the work sent away
takes microseconds while the hop costs a loop turn; this is the Postgres twin of
``graph.checkpoints.inline_sqlite``. The SQL, the tables and what is stored are the stock saver's
own (its statements, its ``_dump_*`` / ``_load_*`` helpers), so a thread written by either saver
reads back under the other (tests/integration/persistence/test_inline_postgres.py).

What stays as it was: every statement runs over the pool's connections, asynchronously, under the
saver's own lock, in the same pipelines, so no database wait ever blocks the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.types import _DeltaSnapshot
from psycopg.types.json import Jsonb

__all__ = ["InlinePostgresSaver"]


def _is_inline(value: Any) -> bool:
    """A primitive channel value the stock saver keeps in the checkpoint row, not in a blob."""
    return not isinstance(value, _DeltaSnapshot) and (
        value is None or isinstance(value, str | int | float | bool)
    )


class InlinePostgresSaver(AsyncPostgresSaver):
    """``AsyncPostgresSaver`` that (de)serialises on the loop; its queries are unchanged."""

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        configurable = config["configurable"]
        thread_id = configurable["thread_id"]
        checkpoint_ns = configurable["checkpoint_ns"]
        parent_id = configurable.get("checkpoint_id")
        row = checkpoint.copy()
        row["channel_values"] = {}
        blob_values: dict[str, Any] = {}
        for key, value in checkpoint["channel_values"].items():
            if _is_inline(value):
                row["channel_values"][key] = value
            else:
                blob_values[key] = value
                if isinstance(value, _DeltaSnapshot):
                    row["channel_values"][key] = True  # as the stock saver marks a delta
        blob_versions = {k: v for k, v in new_versions.items() if k in blob_values}
        blobs = self._dump_blobs(thread_id, checkpoint_ns, blob_values, blob_versions)
        stored_metadata = Jsonb(get_serializable_checkpoint_metadata(config, metadata))
        async with self._cursor(pipeline=True) as cur:
            if blobs:
                await cur.executemany(self.UPSERT_CHECKPOINT_BLOBS_SQL, blobs)
            await cur.execute(
                self.UPSERT_CHECKPOINTS_SQL,
                (
                    thread_id,
                    checkpoint_ns,
                    checkpoint["id"],
                    parent_id,
                    Jsonb(row),
                    stored_metadata,
                ),
            )
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        configurable = config["configurable"]
        query = (
            self.UPSERT_CHECKPOINT_WRITES_SQL
            if all(channel in WRITES_IDX_MAP for channel, _ in writes)
            else self.INSERT_CHECKPOINT_WRITES_SQL
        )
        params = self._dump_writes(
            configurable["thread_id"],
            configurable["checkpoint_ns"],
            configurable["checkpoint_id"],
            task_id,
            task_path,
            writes,
        )
        async with self._cursor(pipeline=True) as cur:
            await cur.executemany(query, params)

    async def _load_checkpoint_tuple(self, value: Any) -> CheckpointTuple:
        def config_of(checkpoint_id: str) -> RunnableConfig:
            return {
                "configurable": {
                    "thread_id": value["thread_id"],
                    "checkpoint_ns": value["checkpoint_ns"],
                    "checkpoint_id": checkpoint_id,
                }
            }

        stored = value["checkpoint"]
        channel_values = {
            **(stored.get("channel_values") or {}),
            **self._load_blobs(value["channel_values"]),
        }
        parent = value["parent_checkpoint_id"]
        return CheckpointTuple(
            config_of(value["checkpoint_id"]),
            cast(Checkpoint, {**stored, "channel_values": channel_values}),
            value["metadata"],
            config_of(parent) if parent else None,
            self._load_writes(value["pending_writes"]),
        )
