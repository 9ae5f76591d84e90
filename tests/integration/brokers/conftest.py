"""A fake Alpaca Trading API on a loopback port, the real alpaca-py client, the real SQL ledger."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.alpaca_trading_server import FakeAlpaca, serve_fake_alpaca
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
def alpaca(alpaca_url: str) -> AlpacaBroker:
    return AlpacaBroker(
        api_key="test-key",
        secret_key="test-secret",
        base_url=alpaca_url,
        clock=SystemClock(),
        timeout_seconds=1.0,
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqlLedger]:
    led = SqlLedger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield led
    led.close()
