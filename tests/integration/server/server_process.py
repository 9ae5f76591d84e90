"""A real API server as its own OS process, pinned to a market moment, for cross-process tests.

Why a process and not a thread (live_server.py): a reconnect that lands on another worker must
find the run's events in Redis, not in memory the two servers happen to share. Two threads of
one interpreter share modules, caches and the GIL; two processes share only what production
workers share: the home (ledger, checkpoints, paper account) and Redis.

Why not ``hedgegraph serve`` itself: serve trades on the wall clock, and the synthetic market
only trades in a session (tests/e2e/test_serve.py covers serve's own face). So the child runs
the same ``create_app`` with its public ``clock`` parameter pinned, as a replay does, and only
against the local paper broker. It reads its settings from the environment like serve, from a
clean environment (``clean_env``: no ambient broker, LLM or Redis setting, no ``.env``).

Run as ``python -m tests.integration.server.server_process --port N --as-of ISO``.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import httpx

__all__ = ["ServerProcess", "server_processes"]

START_TIMEOUT = 180.0
"""Seconds a child has to answer ``/ready``: start-up is slow on two loaded cores."""


@dataclass(frozen=True)
class ServerProcess:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    """The child's stdout and stderr, shown when it fails to start."""

    @property
    def pid(self) -> int:
        return self.proc.pid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _launch(home: Path, name: str, as_of: datetime, env: dict[str, str]) -> ServerProcess:
    from tests.e2e.test_cli import clean_env

    port = _free_port()
    workdir = home.parent / f"{name}-cwd"  # no .env can be read there
    workdir.mkdir(parents=True, exist_ok=True)
    log = home.parent / f"{name}.log"
    out: IO[bytes] = log.open("wb")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", __name__, "--port", str(port), "--as-of", as_of.isoformat()],
            env=clean_env(home, **env),
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    finally:
        out.close()  # the child holds its own descriptor
    return ServerProcess(f"http://127.0.0.1:{port}", proc, log)


def _wait_ready(server: ServerProcess, timeout: float) -> None:
    """Poll ``/ready`` (database, checkpointer, Redis, broker clock) until it answers 200."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(
                f"server {server.url} exited {server.proc.returncode}:\n"
                f"{server.log.read_text(errors='replace')[-4000:]}"
            )
        try:
            answer = httpx.get(f"{server.url}/ready", timeout=5)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:300]}"
        except httpx.TransportError as exc:
            last = repr(exc)
        time.sleep(0.2)  # a poll interval, not a synchronisation
    raise AssertionError(f"server {server.url} not ready after {timeout:.0f}s: {last}")


def _stop(server: ServerProcess) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()  # uvicorn's graceful shutdown: runs drain to a boundary
        try:
            server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=30)


@contextmanager
def server_processes(
    count: int,
    *,
    home: Path,
    as_of: datetime,
    env: dict[str, str],
    start_timeout: float = START_TIMEOUT,
) -> Iterator[list[ServerProcess]]:
    """``count`` server processes over one home, each ready before the next starts (two first
    start-ups on one fresh SQLite home would race to create its tables); all stopped on exit,
    whatever happened."""
    with ExitStack() as stack:
        servers: list[ServerProcess] = []
        for n in range(count):
            server = _launch(home, f"server-{n}", as_of, env)
            stack.callback(_stop, server)
            _wait_ready(server, start_timeout)
            servers.append(server)
        yield servers


def main(argv: list[str] | None = None) -> None:
    """The child: settings from the environment, the key it names, the clock pinned at
    ``--as-of``; refused unless the broker is the local paper one (a replay's rule)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--as-of", type=datetime.fromisoformat, required=True)
    args = parser.parse_args(argv)

    import uvicorn

    from api.server.app import create_app
    from api.server.auth import ApiKey
    from config.settings import load_settings
    from tools.clock import FixedClock

    settings = load_settings()
    if settings.broker != "paper":
        raise SystemExit(
            f"a pinned clock may only trade the local paper broker, not {settings.broker}"
        )
    if settings.hedgegraph_api_key is None:
        raise SystemExit("HEDGEGRAPH_API_KEY must name the key the test uses")
    as_of: datetime = args.as_of if args.as_of.tzinfo else args.as_of.replace(tzinfo=UTC)
    app = create_app(
        settings,
        key=ApiKey(settings.hedgegraph_api_key.get_secret_value()),
        clock=FixedClock(as_of),
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
