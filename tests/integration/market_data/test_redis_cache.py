"""The Redis cache against a real Valkey server, and a warm snapshot that makes no HTTP request."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
import redis

from tests.fakes.financialdatasets_server import FinancialDatasetsFake, free_port
from tools.cache import CacheUnavailableError
from tools.cache.redis_store import RedisCache
from tools.market_data.cached import CachedMarketData
from tools.market_data.composite import DataKind
from tools.market_data.financialdatasets import (
    FinancialDatasetsClient,
    FinancialDatasetsMarketData,
)
from tools.market_data.snapshot import build_snapshot

pytestmark = pytest.mark.integration
AS_OF = datetime(2024, 3, 8, 23, 30, tzinfo=UTC)


@pytest.fixture
def namespace() -> str:
    return f"test-{uuid.uuid4().hex}"


def test_set_get_and_server_side_expiry(redis_url: str, namespace: str) -> None:
    cache = RedisCache(redis_url)
    cache.set(f"{namespace}:k", b"\x00bytes\xff", ttl_seconds=0.3)
    assert cache.get(f"{namespace}:k") == b"\x00bytes\xff"
    assert 0 < cache.ttl_ms(f"{namespace}:k") <= 300
    time.sleep(0.45)
    assert cache.get(f"{namespace}:k") is None


def test_unreachable_redis_is_a_typed_error() -> None:
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    with pytest.raises(CacheUnavailableError, match="GET failed"):
        cache.get("k")


def test_warm_snapshot_from_redis_makes_zero_requests(
    redis_url: str,
    namespace: str,
    fd_fake: FinancialDatasetsFake,
    fd_client: FinancialDatasetsClient,
) -> None:
    provider = FinancialDatasetsMarketData(fd_client)
    cold = build_snapshot(
        CachedMarketData(provider, RedisCache(redis_url), namespace=namespace),
        ["AAPL", "MSFT", "TSLA"],
        as_of=AS_OF,
        lookback_days=10,
    )
    cold_requests = fd_client.requests_made
    assert cold_requests == 12  # 3 tickers x (prices, metrics, news, insider trades)
    # A second process would build its own CachedMarketData: model that with a fresh one.
    warm_cache = CachedMarketData(provider, RedisCache(redis_url), namespace=namespace)
    warm = build_snapshot(warm_cache, ["AAPL", "MSFT", "TSLA"], as_of=AS_OF, lookback_days=10)
    assert fd_client.requests_made == cold_requests
    assert warm == cold
    assert (warm_cache.hits, warm_cache.misses) == (12, 0)


def test_entries_carry_per_kind_ttls(
    redis_url: str, namespace: str, fd_client: FinancialDatasetsClient
) -> None:
    client = redis.Redis.from_url(redis_url)
    cached = CachedMarketData(
        FinancialDatasetsMarketData(fd_client),
        RedisCache(client),
        namespace=namespace,
        ttl_seconds={DataKind.NEWS: 30, DataKind.METRICS: 7200},
    )
    cached.news("AAPL", as_of=AS_OF)
    cached.financial_metrics("AAPL", as_of=AS_OF)
    ttls = {
        key.decode().split(":")[-3]: client.pttl(key) for key in client.scan_iter(f"{namespace}:*")
    }
    assert set(ttls) == {"news", "metrics"}
    assert 0 < ttls["news"] <= 30_000
    assert 30_000 < ttls["metrics"] <= 7_200_000


def test_redis_outage_mid_run_falls_back_to_the_provider(
    namespace: str, fd_client: FinancialDatasetsClient
) -> None:
    cached = CachedMarketData(
        FinancialDatasetsMarketData(fd_client),
        RedisCache(f"redis://127.0.0.1:{free_port()}/0", timeout=0.3),
        namespace=namespace,
    )
    news = cached.news("MSFT", as_of=AS_OF)
    assert len(news) == 50 and cached.cache_errors == 2
