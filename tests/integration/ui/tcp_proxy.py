"""A loopback TCP proxy the test can cut: the page talks to the API through it, and ``cut()``
closes every connection (the browser sees its stream die mid-read, as on a network drop) and
refuses new ones until ``restore()``.

Why a proxy and not the browser's offline emulation: Chromium's offline mode only fails new
requests; an SSE response already streaming keeps flowing, so it never drops anything.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["CuttableProxy", "proxying"]


class CuttableProxy:
    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._down = False
        self.port = 0
        self.cuts = 0

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._down:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        self._writers.update((writer, up_writer))
        try:
            await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        finally:
            self._writers.difference_update((writer, up_writer))

    def _cut(self) -> None:
        self._down = True
        self.cuts += 1
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, not a clean close: what a dropped network does

    def cut(self) -> None:
        self._loop.call_soon_threadsafe(self._cut)

    def restore(self) -> None:
        self._loop.call_soon_threadsafe(setattr, self, "_down", False)

    def run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()
        server.close()
        self._loop.run_until_complete(server.wait_closed())


@contextmanager
def proxying(target_port: int) -> Iterator[CuttableProxy]:
    proxy = CuttableProxy(target_port)
    ready = threading.Event()
    thread = threading.Thread(target=proxy.run, args=(ready,), daemon=True, name="ui-proxy")
    thread.start()
    assert ready.wait(timeout=10), "the proxy did not start"
    try:
        yield proxy
    finally:
        proxy.cut()
        proxy._loop.call_soon_threadsafe(proxy._loop.stop)
        thread.join(timeout=10)
