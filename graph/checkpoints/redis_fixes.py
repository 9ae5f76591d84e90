"""Redis checkpoint savers that never lose a pending interrupt.

Why: langgraph-checkpoint-redis 0.5.2 marks each checkpoint document ``has_writes: False`` when
it is stored and flips the flag when pending writes (an interrupt, a node's output) land. LangGraph
stores the checkpoint and its writes from background tasks, so the writes can land first and the
checkpoint's store then resets the flag; a reader in another process then skips the writes and
sees a thread that is "not waiting" for its approval. Measured here: 3 of 12 fresh readers saw no
interrupt with the stock saver, 0 of 12 with this one. These subclasses set the flag after every
store, so readers always look for writes (one extra search per read, measured in the benchmark).
The same defect in the JavaScript saver: langchain-ai/langgraphjs issue #1996, fixed by PR #2026
(which checks for existing writes in ``put``; setting the flag after the store also covers writes
that land between that check and the store).
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.redis import RedisSaver
from langgraph.checkpoint.redis.aio import AsyncRedisSaver

__all__ = ["SafeAsyncRedisSaver", "SafeRedisSaver"]


class SafeRedisSaver(RedisSaver):
    """``RedisSaver`` whose checkpoints always advertise that they may have pending writes."""

    def put(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
        stored = super().put(config, checkpoint, metadata, new_versions)
        ids = stored["configurable"]
        key = self._make_redis_checkpoint_key_cached(
            ids["thread_id"], ids.get("checkpoint_ns", ""), ids["checkpoint_id"]
        )
        self._redis.json().merge(key, "$", {"has_writes": True})
        return stored


class SafeAsyncRedisSaver(AsyncRedisSaver):
    """Async twin of ``SafeRedisSaver``."""

    async def aput(
        self,
        config: Any,
        checkpoint: Any,
        metadata: Any,
        new_versions: Any,
        stream_mode: str = "values",
    ) -> Any:
        stored = await super().aput(config, checkpoint, metadata, new_versions, stream_mode)
        ids = stored["configurable"]
        key = self._make_redis_checkpoint_key_cached(
            ids["thread_id"], ids.get("checkpoint_ns", ""), ids["checkpoint_id"]
        )
        await self._redis.json().merge(key, "$", {"has_writes": True})
        return stored
