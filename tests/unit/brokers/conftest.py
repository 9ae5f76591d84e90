"""Broker test fixtures: a paper broker and the real SQL ledger on temporary SQLite files."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)


class PriceBoard:
    """A settable price source, as the market-data snapshot would answer."""

    def __init__(self, **prices: str) -> None:
        self.prices = {k: Decimal(v) for k, v in prices.items()}

    def __call__(self, ticker: str) -> Decimal:
        return self.prices[ticker]


@pytest.fixture
def prices() -> PriceBoard:
    return PriceBoard(AAPL="100", MSFT="400")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def paper_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'paper.sqlite'}"


@pytest.fixture
def paper(paper_url: str, prices: PriceBoard, clock: FixedClock) -> PaperBroker:
    return PaperBroker(
        database_url=paper_url,
        starting_cash=Decimal("100000"),
        slippage_bps=10,
        price_source=prices,
        clock=clock,
    )


@pytest.fixture
def ledger(tmp_path: Path) -> SqlLedger:
    led = SqlLedger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield led
    led.close()
