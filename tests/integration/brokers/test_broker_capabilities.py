"""What each broker can tell the gate, through the capability protocols, with the real clients.

The Alpaca broker has a market clock, an asset master, account facts and a quote source; the
local paper broker is its own market and quotes its price source. The asset check never fails
open: an asset the broker cannot read (503) or does not know (404) is an error, not "tradable"
(issue 9.9). Quotes come from Alpaca's latest-quote endpoint at APCA_API_DATA_URL (issue 9.7).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.alpaca_data_server import AlpacaDataFake
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tests.fakes.financialdatasets_server import Fault
from tools.brokers.alpaca import AlpacaBroker
from tools.brokers.base import (
    AccountInfo,
    AssetMaster,
    Broker,
    BrokerError,
    MarketClock,
    QuoteSource,
)
from tools.brokers.paper import PaperBroker
from tools.clock import SystemClock

pytestmark = pytest.mark.integration


@pytest.fixture
def paper(tmp_path: Path) -> PaperBroker:
    return PaperBroker(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal(100000),
        slippage_bps=0,
        price_source=lambda _t: Decimal("123.45"),
        clock=SystemClock(),
    )


def test_alpaca_has_every_capability(alpaca: AlpacaBroker) -> None:
    for capability in (Broker, MarketClock, AssetMaster, AccountInfo, QuoteSource):
        assert isinstance(alpaca, capability), capability.__name__


def test_paper_quotes_but_has_no_clock_asset_master_or_account(paper: PaperBroker) -> None:
    assert isinstance(paper, Broker) and isinstance(paper, QuoteSource)
    assert not isinstance(paper, MarketClock | AssetMaster | AccountInfo)


def test_paper_quote_is_its_price_source(paper: PaperBroker) -> None:
    quote = paper.latest_quote("AAPL")
    assert quote is not None and (quote.bid, quote.ask) == (123.45, 123.45)


@pytest.mark.parametrize("knob", ["asset_faults", "unknown_assets"])
def test_an_unreadable_or_unknown_asset_is_an_error_not_tradable(
    fake: FakeAlpaca, alpaca: AlpacaBroker, knob: str
) -> None:
    if knob == "asset_faults":
        fake.asset_faults = 1
    else:
        fake.unknown_assets.add("AAPL")
    with pytest.raises(BrokerError):
        alpaca.asset("AAPL")
    with pytest.raises(BrokerError):
        alpaca.asset("ZZZZ")  # no such symbol at all: 404


def test_a_readable_asset_reports_its_status(fake: FakeAlpaca, alpaca: AlpacaBroker) -> None:
    fake.assets["AAPL"] = {"tradable": False}
    status = alpaca.asset("AAPL")
    assert status.symbol == "AAPL" and status.tradable is False


def test_alpaca_quote_comes_from_the_data_endpoint(
    alpaca_data: tuple[AlpacaDataFake, str], alpaca: AlpacaBroker
) -> None:
    fake, _ = alpaca_data
    fake.set_quote("AAPL", bid=139.61, ask=139.69)

    quote = alpaca.latest_quote("AAPL")

    assert quote is not None
    assert (quote.ticker, quote.bid, quote.ask) == ("AAPL", 139.61, 139.69)
    assert fake.count("/v2/stocks/quotes/latest") == 1


def test_no_quote_is_none_and_a_failing_endpoint_is_an_error(
    alpaca_data: tuple[AlpacaDataFake, str], alpaca: AlpacaBroker
) -> None:
    fake, _ = alpaca_data
    assert alpaca.latest_quote("ZZZZ") is None
    fake.fail_next(Fault(status=503))
    with pytest.raises(BrokerError):
        alpaca.latest_quote("AAPL")
