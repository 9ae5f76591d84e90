"""The server's SSE routes switched off and on again, server-side, while the server runs.

Why beside the TCP proxy: the proxy cuts the network between browser and server; this closes the
streams from inside the server (the way a restarted worker or a proxy's idle timeout ends them)
with a clean end of the response, and holds new joins until the route is back, so the page sees
a stream that ended without its ``end`` event and must join again from its last event id. The
app behind it is the real one, untouched: runs live in its run manager, not in the streams.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

__all__ = ["SseSwitch"]

Scope = dict[str, Any]


class SseSwitch:
    """An ASGI wrapper: every other route passes straight through."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._up = threading.Event()
        self._up.set()
        self._live: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = 0
        """Streams this switch ended (the test checks it really dropped one)."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/stream"):
            await self.app(scope, receive, send)
            return
        self._loop = asyncio.get_running_loop()
        while not self._up.is_set():  # the route is "restarting": the join waits
            await asyncio.sleep(0.05)
        started = False

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, tracked))
        self._live.add(task)
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:  # the client went away: so does the stream
            task.cancel()
            raise
        finally:
            self._live.discard(task)
        if task.cancelled():  # dropped by the switch: end the response cleanly
            self.closed += 1
            if started:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        task.result()

    def drop(self) -> None:
        """End every open stream now and hold new ones until ``restore``."""
        self._up.clear()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: [t.cancel() for t in list(self._live)])

    def restore(self) -> None:
        self._up.set()
