"""DATA_PROVIDERS becomes one provider or a fallback chain in the configured order."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import load_settings
from tools.market_data.composite import FallbackMarketData
from tools.market_data.csv_folder import CsvFolderMarketData
from tools.market_data.factory import build_market_data
from tools.market_data.offline import OfflineMarketData
from tools.market_data.provider import MarketDataProvider


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATA_PROVIDERS", "DATA_DIR", "FINANCIAL_DATASETS_API_KEY", "REDIS_URL"):
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
