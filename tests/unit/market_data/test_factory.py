"""DATA_PROVIDERS becomes one provider or a fallback chain in the configured order."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import ConfigError, load_settings
from tools.market_data.composite import DataKind, FallbackMarketData
from tools.market_data.csv_folder import CsvFolderMarketData
from tools.market_data.factory import build_market_data
from tools.market_data.offline import OfflineMarketData
from tools.market_data.provider import MarketDataProvider


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "DATA_PROVIDERS",
        "DATA_DIR",
        "FINANCIAL_DATASETS_API_KEY",
        "FINANCIAL_DATASETS_BASE_URL",
        "REDIS_URL",
        "APCA_API_KEY_ID",
        "APCA_API_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_default_is_the_offline_market() -> None:
    provider = build_market_data(load_settings())
    assert isinstance(provider, OfflineMarketData) and provider.name == "offline"
    assert isinstance(provider, MarketDataProvider)


def test_offline_seed_comes_from_settings() -> None:
    provider = build_market_data(load_settings(offline={"seed": 11, "history_days": 90}))
    assert isinstance(provider, OfflineMarketData)
    assert (provider.seed, provider.history_days) == (11, 90)


def test_two_providers_make_a_chain_in_order(shared_data: Path) -> None:
    settings = load_settings(data_providers=["csv", "offline"], data_dir=shared_data / "prices")
    provider = build_market_data(settings)
    assert isinstance(provider, FallbackMarketData)
    assert [type(p) for p in provider.providers] == [CsvFolderMarketData, OfflineMarketData]
    assert provider.name == "csv>offline"


def test_financialdatasets_key_selects_it_alone_and_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a key and no DATA_PROVIDERS, real data only: no synthetic fallback behind it."""
    from tools.cache import InProcessCache
    from tools.market_data.cached import CachedMarketData
    from tools.market_data.financialdatasets import FinancialDatasetsMarketData

    monkeypatch.setenv("FINANCIAL_DATASETS_API_KEY", "k")
    monkeypatch.setenv("FINANCIAL_DATASETS_BASE_URL", "http://127.0.0.1:9")
    provider = build_market_data(load_settings(cache={"news_ttl_seconds": 42}))
    assert isinstance(provider, CachedMarketData)
    assert isinstance(provider.inner, FinancialDatasetsMarketData)
    assert provider.inner.client.base_url == "http://127.0.0.1:9"
    assert isinstance(provider.store, InProcessCache)
    assert provider._ttl[DataKind.NEWS] == 42


def test_an_explicit_chain_may_still_end_in_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINANCIAL_DATASETS_API_KEY", "k")
    monkeypatch.setenv("DATA_PROVIDERS", '["financialdatasets", "offline"]')
    provider = build_market_data(load_settings())
    assert isinstance(provider, FallbackMarketData)
    assert isinstance(provider.providers[1], OfflineMarketData)


def test_redis_url_selects_the_redis_cache_and_alpaca_needs_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tools.cache.redis_store import RedisCache
    from tools.market_data.alpaca_data import AlpacaMarketData
    from tools.market_data.cached import CachedMarketData

    settings = load_settings(
        data_providers=["alpaca"],
        redis_url="redis://127.0.0.1:9/0",
        apca_api_key_id="id",
        apca_api_secret_key="secret",
        apca_api_data_url="http://127.0.0.1:9",
    )
    provider = build_market_data(settings)
    assert isinstance(provider, CachedMarketData)
    assert isinstance(provider.inner, AlpacaMarketData) and isinstance(provider.store, RedisCache)
    with pytest.raises(ConfigError, match="APCA_API_KEY_ID"):  # refused at start-up now
        build_market_data(load_settings(data_providers=["alpaca"]))
