"""alpaca-py's real StockHistoricalDataClient against a local server speaking the bars format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.fakes.alpaca_data_server import AlpacaDataFake
from tests.fakes.financialdatasets_server import Fault, serve_app
from tools.market_data.alpaca_data import (
    AlpacaDataAuthError,
    AlpacaDataUnavailableError,
    AlpacaMarketData,
)
from tools.market_data.composite import DataKind, FallbackMarketData
from tools.market_data.offline import OfflineMarketData
from tools.market_data.provider import MarketDataError, TickerNotFoundError, UnsupportedDataError
from tools.market_data.sessions import NEW_YORK
from tools.market_data.snapshot import build_snapshot

pytestmark = pytest.mark.integration
AS_OF = datetime(2026, 8, 14, 21, 0, tzinfo=UTC)  # Friday, after the close


@pytest.fixture(scope="module")
def alpaca_server(shared_data: Path) -> Iterator[tuple[AlpacaDataFake, str]]:
    fake = AlpacaDataFake(shared_data / "alpaca")
    with serve_app(fake.app()) as url:
        yield fake, url


@pytest.fixture
def fake(alpaca_server: tuple[AlpacaDataFake, str]) -> AlpacaDataFake:
    alpaca_server[0].faults.clear()
    alpaca_server[0].log.clear()
    alpaca_server[0].page_size = None
    return alpaca_server[0]


@pytest.fixture
def pauses() -> list[float]:
    return []


@pytest.fixture
def alpaca(
    alpaca_server: tuple[AlpacaDataFake, str], fake: AlpacaDataFake, pauses: list[float]
) -> AlpacaMarketData:
    return AlpacaMarketData(
        api_key=fake.key_id,
        secret_key=fake.secret,
        data_url=alpaca_server[1],
        timeout=0.5,
        max_attempts=3,
        sleep=pauses.append,
    )


def test_recorded_bars_parse_into_session_bars(
    alpaca: AlpacaMarketData, fake: AlpacaDataFake
) -> None:
    bars = alpaca.bars("NVDA", start=date(2026, 8, 1), as_of=AS_OF)
    assert len(bars) == 10
    assert bars[0].close == pytest.approx(206.64) and bars[0].volume == 129322281
    assert bars[0].ts == datetime(2026, 8, 3, 13, 30, tzinfo=UTC)  # session open, not 04:00Z
    _, path, params = fake.log[-1]
    assert path == "/v2/stocks/bars"
    assert params["symbols"] == "NVDA" and params["timeframe"] == "1Day"
    assert params["adjustment"] == "split" and params["feed"] == "iex"


def test_pages_are_followed_by_next_page_token(
    alpaca: AlpacaMarketData, fake: AlpacaDataFake
) -> None:
    fake.page_size = 3
    bars = alpaca.bars("SPY", start=date(2026, 8, 1), as_of=AS_OF)
    assert len(bars) == 10
    assert [params.get("page_token") for _, _, params in fake.log] == [None, "3", "6", "9"]


def test_as_of_mid_session_excludes_that_day(alpaca: AlpacaMarketData) -> None:
    midday = datetime(2026, 8, 12, 16, 0, tzinfo=UTC)  # Wednesday noon New York
    bars = alpaca.bars("SPY", start=date(2026, 8, 1), as_of=midday)
    assert bars[-1].ts.astimezone(NEW_YORK).date() == date(2026, 8, 11)


def test_latest_quote_from_documented_example(alpaca: AlpacaMarketData) -> None:
    quote = alpaca.latest_quote("AAPL")
    assert (quote.bid, quote.ask) == (172.62, 172.7)
    assert quote.mid == pytest.approx(172.66)


def test_unknown_symbol_is_not_found(alpaca: AlpacaMarketData) -> None:
    with pytest.raises(TickerNotFoundError):
        alpaca.bars("ZZZZ", start=date(2026, 8, 1), as_of=AS_OF)


def test_429_with_retry_after_then_success(
    alpaca: AlpacaMarketData, fake: AlpacaDataFake, pauses: list[float]
) -> None:
    fake.fail_next(Fault(status=429, retry_after="2"))
    assert len(alpaca.bars("NVDA", start=date(2026, 8, 1), as_of=AS_OF)) == 10
    assert pauses == [2.0]


def test_500_twice_then_success(
    alpaca: AlpacaMarketData, fake: AlpacaDataFake, pauses: list[float]
) -> None:
    fake.fail_next(Fault(status=500), Fault(status=503))
    assert len(alpaca.bars("SPY", start=date(2026, 8, 1), as_of=AS_OF)) == 10
    assert len(pauses) == 2


def test_persistent_timeout_is_a_typed_error(
    alpaca: AlpacaMarketData, fake: AlpacaDataFake
) -> None:
    fake.fail_next(*(Fault(delay=1.0) for _ in range(3)))
    with pytest.raises(AlpacaDataUnavailableError, match="timed out after 3"):
        alpaca.bars("SPY", start=date(2026, 8, 1), as_of=AS_OF)


def test_malformed_json_is_a_typed_error(alpaca: AlpacaMarketData, fake: AlpacaDataFake) -> None:
    fake.fail_next(Fault(malformed=True))
    with pytest.raises(MarketDataError, match="malformed"):
        alpaca.bars("SPY", start=date(2026, 8, 1), as_of=AS_OF)


def test_wrong_keys_are_an_auth_error(
    alpaca_server: tuple[AlpacaDataFake, str], fake: AlpacaDataFake
) -> None:
    client = AlpacaMarketData(api_key="nope", secret_key="nope", data_url=alpaca_server[1])
    with pytest.raises(AlpacaDataAuthError, match="401"):
        client.bars("SPY", start=date(2026, 8, 1), as_of=AS_OF)
    assert fake.count() == 1


def test_fundamentals_are_unsupported_and_the_chain_moves_on(alpaca: AlpacaMarketData) -> None:
    with pytest.raises(UnsupportedDataError):
        alpaca.financial_metrics("NVDA", as_of=AS_OF)
    chain = FallbackMarketData([alpaca, OfflineMarketData()])
    data = build_snapshot(chain, ["NVDA", "QQQQ"], as_of=AS_OF, lookback_days=13)
    nvda = data.tickers["NVDA"]
    assert nvda.last_close == pytest.approx(
        alpaca.bars("NVDA", start=date(2026, 8, 1), as_of=AS_OF)[-1].close
    )
    assert chain.answered_by(DataKind.BARS, "NVDA") == "alpaca"
    assert chain.answered_by(DataKind.METRICS, "NVDA") == "offline"
    assert nvda.source == "alpaca,offline"
    assert data.tickers["QQQQ"].source == "offline"
