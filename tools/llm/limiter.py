"""A concurrency limit for LLM calls that works across event loops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from weakref import WeakKeyDictionary

__all__ = ["ConcurrencyLimiter"]


class ConcurrencyLimiter:
    """At most ``limit`` calls in flight per event loop; ``None`` means unbounded.

    Why per loop: an asyncio.Semaphore binds to the loop that first waits on it, and the CLI,
    tests and the API each run their own loop over the same long-lived client.
    """

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"concurrency limit must be >= 1 or None, got {limit}")
        self.limit = limit
        self._semaphores: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            WeakKeyDictionary()
        )

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.limit is None:
            yield
            return
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        async with semaphore:
            yield
