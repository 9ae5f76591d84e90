"""Cancel requests for runs another server process is running, over Redis pub/sub.

Why: a run lives in the background task of the process that started it, but the SDK's cancel
may land on any server behind the load balancer. With REDIS_URL every server subscribes to one
channel; a server asked to cancel a run it does not hold publishes the run id, and the server
that holds it cancels it the way a local cancel does (at the next step boundary, never between
``execute`` and ``record``). Without Redis there is no channel, and the API says so (409).

A message is fire-and-forget: a server that is not subscribed when it is published (it is
starting, or it is gone, and then so is the run's task) does not see it; the run's status tells
the client what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["RedisCancelBus"]

log = logging.getLogger(__name__)

CHANNEL = "hedgegraph:run-cancel"


class RedisCancelBus:
    """Publishes cancel requests and hands the ones it hears to ``on_cancel``."""

    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        import redis.asyncio

        self._redis: Any = redis.asyncio.Redis.from_url(url)
        self._channel = channel
        self._pubsub: Any = None
        self._listener: asyncio.Task[None] | None = None

    async def start(self, on_cancel: Callable[[str], Awaitable[None]]) -> None:
        """Subscribe (done when this returns) and listen in the background."""
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(self._channel)
        self._listener = asyncio.create_task(self._listen(on_cancel), name="run-cancel-bus")

    async def _listen(self, on_cancel: Callable[[str], Awaitable[None]]) -> None:
        async for message in self._pubsub.listen():
            if message.get("type") != "message":
                continue
            data = message.get("data")
            run_id = data.decode() if isinstance(data, bytes) else str(data)
            try:
                await on_cancel(run_id)
            except Exception:  # one bad request never stops the listener
                log.exception("cancel request for run %s failed", run_id)

    async def publish(self, run_id: str) -> None:
        await self._redis.publish(self._channel, run_id)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self._redis.aclose()
