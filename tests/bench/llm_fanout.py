"""Benchmark: LLM fan-out of one trading cycle against a local server answering after 300 ms.

A cycle is 5 tickers x every analyst with LLM judgement, then the PM per ticker, run the way the
graph runs them (tickers and analysts concurrently, the PM after its ticker's analysts). The
critical path is one analyst call plus one PM call (2 x delay = 0.6 s). For each concurrency
limit it reports the median wall time of several cycles (each on a fresh prompt cache), the LLM
call count and the ratio to the critical path; then it re-runs one cycle on a warm cache and
checks that it makes zero new LLM calls.

    python -m tests.bench.llm_fanout [--provider openai|ollama] [--repeats 3] [--delay 0.3]
    python -m tests.bench.llm_fanout --server-only [--delay 0.3]

``--server-only`` times the fake server alone: N concurrent requests over raw sockets (one
connection each, no HTTP client library), so a slow fan-out can be told apart from a fake that
serialises its answers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from agents.analysts import ALL, analyst_roster
from agents.analysts.base import AnalystRequest
from agents.portfolio_manager import compute_allowed_actions, decide
from config.settings import Settings, load_settings
from domain import TickerData, TradeDecision
from tests.unit.agents._factories import AS_OF, portfolio, strong_company
from tools.llm import RoutedLLM, build_llm, run_scoped

TICKERS = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL")


class RemoteFake:
    """The fake LLM server in its own process, so its work does not share our interpreter."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.openai_url = f"{base_url}/v1"
        self.ollama_url = base_url

    def reset(self, **knobs: Any) -> None:
        httpx.post(f"{self.base_url}/_fake/reset", json=knobs).raise_for_status()

    def stats(self) -> dict[str, int]:
        answer: dict[str, int] = httpx.get(f"{self.base_url}/_fake/stats").json()
        return answer


@contextlib.contextmanager
def remote_fake() -> Iterator[RemoteFake]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.llm_server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    fake = RemoteFake(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                fake.stats()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("fake LLM server did not start") from None
                time.sleep(0.05)
        yield fake
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _raw_request(host: str, port: int, body: bytes) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: fake\r\nContent-Type: application/json\r\n"
        f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    status = (await reader.read()).split(b"\r\n", 1)[0]
    writer.close()
    if b" 200 " not in status:
        raise RuntimeError(f"fake answered {status!r}")


async def _raw_burst(base_url: str, n: int) -> float:
    host, port = base_url.removeprefix("http://").split(":")
    body = json.dumps(
        {
            "model": "bench-model",
            "messages": [{"role": "user", "content": "x" * 2000}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "J", "schema": {"properties": {"signal": {}}}},
            },
        }
    ).encode()
    started = time.perf_counter()
    await asyncio.gather(*(_raw_request(host, int(port), body) for _ in range(n)))
    return time.perf_counter() - started


def server_only(delay: float, repeats: int) -> None:
    """Wall time for N concurrent requests against the fake alone; ``delay`` is the floor."""
    print(f"fake server alone, delay={delay}s: wall for N concurrent requests (median)")
    with remote_fake() as fake:
        for n in (1, 17, 68, 150):
            walls = []
            for _ in range(repeats):
                fake.reset(delay_seconds=delay)
                walls.append(asyncio.run(_raw_burst(fake.base_url, n)))
            print(
                f"  N={n:>3}: {statistics.median(walls):.3f} s "
                f"(+{statistics.median(walls) - delay:.3f} over the delay), "
                f"max_in_flight {fake.stats()['max_in_flight']}"
            )


def universe() -> dict[str, TickerData]:
    base = strong_company()
    return {t: base.model_copy(update={"ticker": t}) for t in TICKERS}


async def one_ticker(llm: Any, settings: Settings, ticker: str, data: TickerData) -> TradeDecision:
    request = AnalystRequest(ticker=ticker, data=data, signals=(), research=None, as_of=AS_OF)
    verdicts = await asyncio.gather(*(a.analyze(request, llm) for a in analyst_roster([ALL])))
    allowed = compute_allowed_actions(ticker, Decimal("100"), portfolio(), settings.risk)
    return await decide(
        decision_id=f"bench-{ticker}",
        allowed=allowed,
        verdicts=verdicts,
        signals=(),
        research=None,
        thresholds=settings.thresholds,
        risk=settings.risk,
        llm=llm,
    )


async def cycle(llm: Any, settings: Settings, data: dict[str, TickerData]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(one_ticker(llm, settings, t, d) for t, d in data.items()))
    return time.perf_counter() - started


def build(fake: RemoteFake, provider: str, limit: int | None, home: Path) -> RoutedLLM:
    settings = load_settings(
        llm_provider=provider,
        llm_model="bench-model",
        openai_base_url=fake.openai_url,
        openai_api_key="sk-bench",
        ollama_host=fake.ollama_url,
        hedgegraph_home=home,
        redis_url=None,
        llm={"max_concurrency": limit, "cache": "sqlite", "request_timeout_seconds": 30},
    )
    llm = build_llm(settings)
    assert isinstance(llm, RoutedLLM)
    return llm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=["openai", "ollama"], default="openai")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument(
        "--limits", default="4,8,16,96,unbounded", help="comma-separated concurrency limits"
    )
    parser.add_argument("--server-only", action="store_true", help="time the fake server alone")
    args = parser.parse_args()
    if args.server_only:
        server_only(args.delay, args.repeats)
        return
    limits = [None if x == "unbounded" else int(x) for x in args.limits.split(",")]
    critical = 2 * args.delay
    data = universe()
    settings = load_settings()
    rows = []
    with remote_fake() as fake, tempfile.TemporaryDirectory() as tmp:
        for limit in limits:
            walls, calls = [], []
            for rep in range(args.repeats):
                fake.reset(delay_seconds=args.delay)
                llm = build(fake, args.provider, limit, Path(tmp) / f"{limit}-{rep}")
                walls.append(asyncio.run(cycle(run_scoped(llm), settings, data)))
                stats = fake.stats()
                calls.append(stats["count"])
            wall = statistics.median(walls)
            rows.append(
                {
                    "limit": "unbounded" if limit is None else limit,
                    "llm_calls": calls[0],
                    "wall_s_median": round(wall, 3),
                    "wall_s_all": [round(w, 3) for w in walls],
                    "ratio_to_critical_path": round(wall / critical, 2),
                    "max_in_flight": stats["max_in_flight"],
                }
            )
        # warm cache: an identical second cycle on the last build must make zero new calls
        fake.reset(delay_seconds=args.delay)
        warm_llm = build(fake, args.provider, None, Path(tmp) / f"None-{args.repeats - 1}")
        warm_wall = asyncio.run(cycle(run_scoped(warm_llm), settings, data))
        warm_calls = fake.stats()["count"]
    print(f"provider={args.provider} delay={args.delay}s critical_path={critical:.1f}s")
    print(f"{'limit':>10} {'calls':>6} {'wall_s':>8} {'ratio':>6} {'in_flight':>9}")
    for row in rows:
        print(
            f"{row['limit']!s:>10} {row['llm_calls']:>6} {row['wall_s_median']:>8.3f} "
            f"{row['ratio_to_critical_path']:>6.2f} {row['max_in_flight']:>9}"
        )
    print(f"second identical cycle: {warm_calls} new LLM calls, wall {warm_wall:.3f}s")
    print(json.dumps({"rows": rows, "warm_cycle_calls": warm_calls, "warm_wall_s": warm_wall}))
    if warm_calls != 0:
        raise SystemExit("FAIL: the warm cycle made new LLM calls")


if __name__ == "__main__":
    main()
