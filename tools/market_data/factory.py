"""Build the configured market-data provider from settings (DATA_PROVIDERS, in order).

One named provider is returned as is; several become a ``FallbackMarketData`` chain in the
configured order. Network providers are wrapped in the cache (Redis when REDIS_URL is set,
in-process otherwise) so repeated snapshots do not repeat requests.
"""

from __future__ import annotations

from config.settings import Settings
from tools.market_data.composite import FallbackMarketData
from tools.market_data.csv_folder import CsvFolderMarketData
from tools.market_data.offline import OfflineMarketData
from tools.market_data.provider import MarketDataError, MarketDataProvider

__all__ = ["build_market_data", "build_provider"]


def build_provider(name: str, settings: Settings) -> MarketDataProvider:
    """One provider by its DATA_PROVIDERS name."""
    if name == "offline":
        return OfflineMarketData(
            seed=settings.offline.seed, history_days=settings.offline.history_days
        )
    if name == "csv":
        if settings.data_dir is None:
            raise MarketDataError("csv", "DATA_DIR is not set")
        return CsvFolderMarketData(settings.data_dir)
    raise MarketDataError(name, f"unknown or not yet available data provider {name!r}")


def build_market_data(settings: Settings) -> MarketDataProvider:
    """The provider (or fallback chain) named by ``settings.effective_data_providers``."""
    providers = [build_provider(name, settings) for name in settings.effective_data_providers]
    if len(providers) == 1:
        return providers[0]
    return FallbackMarketData(providers)
