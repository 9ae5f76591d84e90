"""The snapshot's canonical JSON assembled from per-ticker parts is the whole snapshot's JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import Bar, MarketSnapshot, NewsItem, TickerData
from tools.market_data import ticker_json as memo
from tools.market_data.snapshot_store import canonical_snapshot_json
from tools.market_data.ticker_json import snapshot_json, ticker_json

AS_OF = datetime(2024, 3, 8, 21, 0, tzinfo=UTC)


def _data(ticker: str, price: float, *, title: str = "Quarterly results") -> TickerData:
    bars = tuple(
        Bar(
            ts=AS_OF - timedelta(days=30 - i),
            open=price + i / 3,
            high=price + i / 3 + 1.1,
            low=price + i / 3 - 0.7,
            close=price + i / 7,
            volume=1e6 + i,
        )
        for i in range(30)
    )
    news = (
        NewsItem(ticker=ticker, title=title, source="wire", published_at=AS_OF, sentiment=-0.25),
    )
    return TickerData(ticker=ticker, bars=bars, news=news, source="csv,offline")


def test_assembled_json_is_byte_for_byte_the_snapshots_own() -> None:
    snapshots = [
        MarketSnapshot(as_of=AS_OF),
        MarketSnapshot(as_of=AS_OF, tickers={"AAPL": _data("AAPL", 170.0)}),
        MarketSnapshot(
            as_of=AS_OF.replace(microsecond=123456),
            tickers={
                "MSFT": _data("MSFT", 400.5),
                "BRK.B": _data("BRK.B", 1e-3, title='"quoted" \\ back\nslash, naïve – café 株'),
                "A\u00e9": _data("A\u00e9", 12.25),
            },
        ),
    ]
    for snapshot in snapshots:
        whole = snapshot.model_dump_json().encode()
        assert snapshot_json(snapshot) == whole
        assert canonical_snapshot_json(snapshot) == whole
        assert MarketSnapshot.model_validate_json(snapshot_json(snapshot)) == snapshot


def test_a_ticker_is_serialised_once_and_equal_content_gives_equal_bytes() -> None:
    data = _data("NVDA", 500.0)
    first = ticker_json(data)
    assert memo._memo[id(data)] == (data, first)
    assert ticker_json(data) is first  # from memory
    twin = _data("NVDA", 500.0)
    assert ticker_json(twin) == first and twin is not data


def test_an_entry_under_a_reused_id_never_answers_for_another_object() -> None:
    data = _data("TSLA", 200.0)
    other = _data("TSLA", 999.0)
    memo._memo[id(data)] = (other, ticker_json(other))  # as if ``other`` had held this id
    assert ticker_json(data) == data.model_dump_json().encode()
