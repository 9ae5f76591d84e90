"""SSE fan-out benchmark: N concurrent clients on one API run, every event to every client.

A real ``create_app`` server (uvicorn on loopback, in this process) runs a real rules-only cycle
of 100 tickers on the embedded stack (offline market, local paper broker, SQLite) in a fresh
home. A separate client process opens N SSE joins of that run over raw sockets (no HTTP client
library, so the client side costs little) and records when each frame arrived. The server
records when each event was appended to the run's log. Printed, per N:

- whether every client received every event, in order, once (the run's whole log);
- delivery latency (append -> received) p50 / p99 over the events appended after the client had
  connected (earlier ones are a replay, not a delivery);
- the server's CPU per delivered frame: the server process's CPU for the run with N clients minus
  the same run with none, divided by N x frames.

    python -m tests.bench.sse_fanout [--clients 100,1000] [--tickers 100] [--redis]

``--redis``: the run's event log is a Redis Stream on a local Valkey server the benchmark
starts (the multi-worker set-up) instead of the in-process log.

Both sides share one machine, so the figures include the client process's competition for CPU;
compare runs on one machine, not across machines. The run's wall time and the client process's
CPU time are printed too: a client that is busy for most of the run is the bottleneck, and
then the latency measures how far the (Python) clients fall behind, not the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

API_KEY = "bench-key-0123456789abcdef"
AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)

_CLIENTS = r"""
import asyncio, json, sys, time

host, port, path, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
key = sys.argv[5]

async def one(i):
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 22)
    writer.write((f"GET {path} HTTP/1.1\r\nHost: bench\r\nx-api-key: {key}\r\n"
                  "Accept: text/event-stream\r\nLast-Event-ID: 0\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    connected = time.monotonic()
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head[:200])
    frames, event, ident, buf = [], None, None, b""
    while True:
        # chunked transfer: size line, chunk, CRLF
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.strip(), 16)
        if size == 0:
            break
        buf += await reader.readexactly(size)
        await reader.readexactly(2)
        now = time.monotonic()
        while b"\r\n\r\n" in buf:
            frame, buf = buf.split(b"\r\n\r\n", 1)
            for line in frame.split(b"\r\n"):
                if line.startswith(b"event:"):
                    event = line[6:].strip().decode()
                elif line.startswith(b"id:"):
                    ident = line[3:].strip().decode()
            if ident is not None:
                frames.append((ident, event, now))
                if event == "end":
                    writer.close()
                    return connected, frames
            event = ident = None
    writer.close()
    return connected, frames

async def main():
    results = await asyncio.gather(*(one(i) for i in range(n)))
    print(json.dumps(results))

asyncio.run(main())
"""


def _settings(home: Path, redis_url: str | None) -> Any:
    from config.settings import load_settings

    return load_settings(
        hedgegraph_home=home, hedgegraph_api_key=SecretStr(API_KEY), redis_url=redis_url
    )


async def _one_run(server_url: str, app: Any, tickers: list[str], clients: int) -> dict[str, Any]:
    import httpx

    appended: dict[str, float] = {}
    events = app.state.events
    original = events.append

    async def timed_append(run_id: str, event: str, data: str) -> str:
        # timed before the call: with Redis the append is a round trip a client may outrun
        at = time.monotonic()
        ident = await original(run_id, event, data)
        appended[ident] = at
        return str(ident)

    events.append = timed_append
    host, port = server_url.removeprefix("http://").split(":")
    async with httpx.AsyncClient(base_url=server_url, headers={"x-api-key": API_KEY}) as http:
        thread_id = (await http.post("/threads", json={})).json()["thread_id"]
        cpu0, wall0 = time.process_time(), time.monotonic()
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        created = await http.post(
            f"/threads/{thread_id}/runs",
            json={
                "assistant_id": "trading",
                "input": {"tickers": tickers, "mode": "signal", "session": "autonomous"},
            },
        )
        created.raise_for_status()
        run_id = created.json()["run_id"]
        path = f"/threads/{thread_id}/runs/{run_id}/stream"  # values, updates, custom
        proc = None
        if clients:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                _CLIENTS,
                host,
                port,
                path,
                str(clients),
                API_KEY,
                stdout=asyncio.subprocess.PIPE,
            )
        await http.get(f"/threads/{thread_id}/runs/{run_id}/join", timeout=600)
        out = (await proc.communicate())[0] if proc is not None else b"[]"
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = (children.ru_utime + children.ru_stime) - (
            children0.ru_utime + children0.ru_stime
        )
    events.append = original
    logged = sorted(appended, key=lambda i: appended[i])
    received = json.loads(out)
    complete = all([f[0] for f in frames] == logged for _c, frames in received)
    latencies = [
        now - appended[ident]
        for connected, frames in received
        for ident, _event, now in frames
        if appended[ident] > connected
    ]
    return {
        "clients": clients,
        "events": len(logged),
        "complete": complete,
        "latencies": latencies,
        "cpu": cpu,
        "wall": wall,
        "client_cpu": client_cpu,
    }


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _bench(counts: list[int], n_tickers: int, redis_url: str | None) -> None:
    from api.server.app import create_app
    from api.server.auth import ApiKey
    from tests.bench.cycle_performance import universe
    from tests.integration.server.live_server import serving
    from tools.clock import FixedClock

    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        settings = _settings(Path(tmp) / "home", redis_url)
        tickers = universe(n_tickers)
        app = create_app(settings, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
        with serving(app) as server:
            await _one_run(server.url, app, tickers, 0)  # warm: paths synthesised, caches built
            baseline = await _one_run(server.url, app, tickers, 0)
            print(
                f"{n_tickers}-ticker rules-only run: {baseline['events']} frames, "
                f"server CPU {baseline['cpu']:.2f} s with no client"
            )
            for n in counts:
                r = await _one_run(server.url, app, tickers, n)
                delivered = n * r["events"]
                extra = max(r["cpu"] - baseline["cpu"], 0.0)
                lat = r["latencies"]
                p50, p99 = _pct(lat, 0.5) * 1000, _pct(lat, 0.99) * 1000
                print(
                    f"N={n:>5}: every client got every frame in order: {r['complete']}; "
                    f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms "
                    f"over {len(lat)} live deliveries; server CPU {r['cpu']:.2f} s, "
                    f"{extra / delivered * 1e6:.1f} us per delivered frame"
                )
                if lat:
                    mean, worst = statistics.mean(lat) * 1000, max(lat) * 1000
                    print(f"         mean {mean:.1f} ms, max {worst:.1f} ms")
                # a client process busy for most of the run's wall time is what holds latency up
                print(
                    f"         run wall {r['wall']:.2f} s, client process CPU "
                    f"{r['client_cpu']:.2f} s"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="100,1000")
    parser.add_argument("--tickers", type=int, default=100)
    parser.add_argument("--redis", action="store_true", help="the event log on a local Redis")
    args = parser.parse_args()
    os.environ.pop("REDIS_URL", None)
    counts = [int(x) for x in args.clients.split(",")]
    if not args.redis:
        asyncio.run(_bench(counts, args.tickers, None))
        return
    from tests.fixtures.servers import running_redis

    with running_redis() as redis_url:
        print(f"event log: Redis Streams at {redis_url}")
        asyncio.run(_bench(counts, args.tickers, redis_url))


if __name__ == "__main__":
    main()
