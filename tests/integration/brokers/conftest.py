"""Fake Alpaca Trading and market-data APIs on loopback ports, the real alpaca-py clients, the real
SQL ledger. The data fake quotes every symbol the trading fake prices (bid = ask = its price at the
start of the test), so nothing ever reaches Alpaca's real data host."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.alpaca_data_server import AlpacaDataFake
from tests.fakes.alpaca_trading_server import FakeAlpaca, serve_fake_alpaca
from tests.fakes.financialdatasets_server import serve_app
from tools.brokers.alpaca import AlpacaBroker
from tools.clock import SystemClock
from tools.persistence.sql_ledger import SqlLedger


@pytest.fixture
def fake() -> FakeAlpaca:
    return FakeAlpaca(prices={"AAPL": Decimal("100"), "MSFT": Decimal("400")}, hang_seconds=2.5)


@pytest.fixture
def alpaca_url(fake: FakeAlpaca) -> Iterator[str]:
    with serve_fake_alpaca(fake) as url:
        yield url


@pytest.fixture
def alpaca_data(fake: FakeAlpaca, shared_data: Path) -> Iterator[tuple[AlpacaDataFake, str]]:
    data = AlpacaDataFake(shared_data / "alpaca", key_id="test-key", secret="test-secret")
    for symbol, price in fake.prices.items():
        data.set_quote(symbol, bid=float(price), ask=float(price))
    with serve_app(data.app()) as url:
        yield data, url


@pytest.fixture
def alpaca(alpaca_url: str, alpaca_data: tuple[AlpacaDataFake, str]) -> AlpacaBroker:
    return AlpacaBroker(
        api_key="test-key",
        secret_key="test-secret",
        base_url=alpaca_url,
        data_url=alpaca_data[1],
        clock=SystemClock(),
        timeout_seconds=1.0,
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqlLedger]:
    led = SqlLedger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield led
    led.close()
