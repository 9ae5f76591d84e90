"""A real uvicorn server on a free loopback port, running ``create_app`` in its own thread.

Why a thread and not a subprocess here: the tests read the same SQLite ledger the server writes
and need the server's clock pinned to a session where the synthetic market trades (the
subprocess face is covered by tests/e2e/test_serve.py).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

__all__ = ["LiveServer", "serving"]


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: FastAPI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI, *, start_timeout: float = 60.0) -> Iterator[LiveServer]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=60)
