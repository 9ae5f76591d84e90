"""Build the configured market-data provider from settings (DATA_PROVIDERS, in order).

One named provider is returned as is; several become a ``FallbackMarketData`` chain in the
configured order. Network providers (Financial Datasets, Alpaca) are each wrapped in the cache
(Redis when REDIS_URL is set, in-process otherwise) with the TTLs of the ``cache`` settings, so
repeated snapshots do not repeat requests and the chain still knows which source answered.
Network clients are imported only when named: alpaca-py and redis cost about a second at start-up
that the embedded default should not pay.
"""

from __future__ import annotations

from config.settings import Settings
from tools.cache.store import CacheStore
from tools.market_data.composite import DataKind, FallbackMarketData
from tools.market_data.csv_folder import CsvFolderMarketData
from tools.market_data.offline import OfflineMarketData
from tools.market_data.provider import MarketDataError, MarketDataProvider

__all__ = ["build_cache_store", "build_market_data", "build_provider", "cache_ttls"]


def build_cache_store(settings: Settings) -> CacheStore:
    """Redis at REDIS_URL when set, else a bounded in-process cache."""
    if settings.redis_url:
        from tools.cache.redis_store import RedisCache

        return RedisCache(settings.redis_url)
    from tools.cache.memory import InProcessCache

    return InProcessCache(max_entries=settings.cache.max_entries)


def cache_ttls(settings: Settings) -> dict[DataKind, float]:
    """The ``cache`` settings section as TTL seconds per kind of data."""
    c = settings.cache
    return {
        DataKind.BARS: c.bars_ttl_seconds,
        DataKind.METRICS: c.metrics_ttl_seconds,
        DataKind.NEWS: c.news_ttl_seconds,
        DataKind.INSIDER_TRADES: c.insider_trades_ttl_seconds,
        DataKind.LINE_ITEMS: c.line_items_ttl_seconds,
        DataKind.COMPANY_FACTS: c.company_facts_ttl_seconds,
        DataKind.QUOTES: c.quotes_ttl_seconds,
    }


def build_provider(
    name: str, settings: Settings, *, store: CacheStore | None = None
) -> MarketDataProvider:
    """One provider by its DATA_PROVIDERS name; network providers are cached in ``store``."""
    if name == "offline":
        return OfflineMarketData(
            seed=settings.offline.seed,
            history_days=settings.offline.history_days,
            cache_dir=settings.hedgegraph_home / "offline_market",
        )
    if name == "csv":
        if settings.data_dir is None:
            raise MarketDataError("csv", "DATA_DIR is not set")
        return CsvFolderMarketData(settings.data_dir)
    network: MarketDataProvider
    if name == "financialdatasets":
        from tools.market_data.financialdatasets import (
            FinancialDatasetsClient,
            FinancialDatasetsMarketData,
        )

        key = settings.financial_datasets_api_key
        client = FinancialDatasetsClient(
            base_url=settings.financial_datasets_base_url,
            api_key=key.get_secret_value() if key else None,
        )
        network = FinancialDatasetsMarketData(client)
    elif name == "alpaca":
        from tools.market_data.alpaca_data import AlpacaMarketData

        key_id, secret = settings.apca_api_key_id, settings.apca_api_secret_key
        if key_id is None or secret is None:
            raise MarketDataError("alpaca", "APCA_API_KEY_ID and APCA_API_SECRET_KEY are required")
        network = AlpacaMarketData(
            api_key=key_id.get_secret_value(),
            secret_key=secret.get_secret_value(),
            data_url=settings.apca_api_data_url,
        )
    else:
        raise MarketDataError(name, f"unknown data provider {name!r}")
    if store is None:
        return network
    from tools.market_data.cached import CachedMarketData

    return CachedMarketData(network, store, ttl_seconds=cache_ttls(settings))


def build_market_data(settings: Settings) -> MarketDataProvider:
    """The provider (or fallback chain) named by ``settings.effective_data_providers``."""
    names = settings.effective_data_providers
    store = build_cache_store(settings) if {"financialdatasets", "alpaca"} & set(names) else None
    providers = [build_provider(name, settings, store=store) for name in names]
    if len(providers) == 1:
        return providers[0]
    return FallbackMarketData(providers)
