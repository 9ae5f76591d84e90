"""Benchmark: a cold and a warm market snapshot of 10 tickers through the Financial Datasets
client, cached in-process and in Redis. Reports HTTP requests made and wall time (medians of
several runs, side by side); the warm snapshot must make zero requests.

Run: ``.venv/bin/python -m tests.bench.market_data_snapshot [--runs 5] [--latency-ms 20]``

The server is the local Financial Datasets fake serving the real recorded samples (AAPL, MSFT,
TSLA, cloned under seven more names). ``--latency-ms`` adds a per-request delay that models a
real network round trip; at 0 the numbers measure only local overhead.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, datetime

from tests.conftest import SHARED_DATA
from tests.fakes.financialdatasets_server import FinancialDatasetsFake, serve_app
from tests.fixtures.servers import running_redis
from tools.cache import CacheStore, InProcessCache
from tools.cache.redis_store import RedisCache
from tools.market_data.cached import CachedMarketData
from tools.market_data.financialdatasets import (
    FinancialDatasetsClient,
    FinancialDatasetsMarketData,
)
from tools.market_data.snapshot import build_snapshot

TICKERS = ["AAPL", "MSFT", "TSLA", "AAA1", "AAA2", "AAA3", "AAA4", "AAA5", "AAA6", "AAA7"]
AS_OF = datetime(2024, 3, 8, 23, 30, tzinfo=UTC)


def _one(provider: FinancialDatasetsMarketData, store: CacheStore) -> tuple[int, float, int, float]:
    """(cold requests, cold seconds, warm requests, warm seconds) for one fresh namespace."""
    namespace = f"bench-{uuid.uuid4().hex}"
    client = provider.client
    before = client.requests_made
    started = time.perf_counter()
    cold = build_snapshot(
        CachedMarketData(provider, store, namespace=namespace),
        TICKERS,
        as_of=AS_OF,
        lookback_days=10,
    )
    cold_s = time.perf_counter() - started
    cold_n = client.requests_made - before
    before = client.requests_made
    started = time.perf_counter()
    warm = build_snapshot(
        CachedMarketData(provider, store, namespace=namespace),
        TICKERS,
        as_of=AS_OF,
        lookback_days=10,
    )
    warm_s = time.perf_counter() - started
    warm_n = client.requests_made - before
    if warm != cold:
        raise SystemExit("warm snapshot differs from cold snapshot")
    return cold_n, cold_s, warm_n, warm_s


def _report(label: str, rows: list[tuple[int, float, int, float]]) -> None:
    cold_n = statistics.median(r[0] for r in rows)
    warm_n = max(r[2] for r in rows)
    cold_ms = statistics.median(r[1] for r in rows) * 1000
    warm_ms = statistics.median(r[3] for r in rows) * 1000
    print(
        f"{label:<10} cold: {cold_n:>4.0f} requests {cold_ms:8.1f} ms | "
        f"warm: {warm_n:>2} requests {warm_ms:7.1f} ms | cold/warm {cold_ms / warm_ms:6.1f}x"
    )
    if warm_n != 0:
        raise SystemExit(f"{label}: warm snapshot made {warm_n} requests (expected 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    fake = FinancialDatasetsFake(SHARED_DATA / "financialdatasets")
    for i, name in enumerate(TICKERS[3:]):
        fake.clone_ticker(("AAPL", "MSFT", "TSLA")[i % 3], name)
    fake.latency = args.latency_ms / 1000
    with serve_app(fake.app()) as url, running_redis() as redis_url:
        client = FinancialDatasetsClient(base_url=url, api_key=fake.api_key)
        provider = FinancialDatasetsMarketData(client)
        build_snapshot(provider, TICKERS[:1], as_of=AS_OF, lookback_days=10)  # warm up imports
        memory: list[tuple[int, float, int, float]] = []
        redis_rows: list[tuple[int, float, int, float]] = []
        redis_store = RedisCache(redis_url)
        for _ in range(args.runs):  # interleaved, so both stores see the same machine noise
            memory.append(_one(provider, InProcessCache()))
            redis_rows.append(_one(provider, redis_store))
        print(
            f"{len(TICKERS)} tickers, {args.runs} runs, "
            f"{args.latency_ms:.0f} ms added latency per request, medians"
        )
        _report("in-process", memory)
        _report("redis", redis_rows)
        client.close()


if __name__ == "__main__":
    main()
