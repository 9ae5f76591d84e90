"""Snapshot building: quality verdicts, failure isolation, source attribution, point in time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from domain import Bar, DataIssue, FinancialMetrics, InsiderTrade, NewsItem
from tools.market_data.composite import DataKind, FallbackMarketData
from tools.market_data.csv_folder import CsvFolderMarketData
from tools.market_data.offline import OfflineMarketData
from tools.market_data.provider import MarketDataError
from tools.market_data.sessions import nyse_sessions
from tools.market_data.snapshot import build_snapshot

AS_OF = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)


class LeakyMarketData(OfflineMarketData):
    """The offline market plus records from after ``as_of`` (a provider with a PIT bug)."""

    name = "leaky"

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        table = nyse_sessions()
        future_day = table.between(
            as_of.date() + timedelta(days=1), as_of.date() + timedelta(days=7)
        )[0]
        future = Bar(ts=table.open_at(future_day), open=1e4, high=1e4, low=1e4, close=1e4, volume=1)
        return [*super().bars(ticker, start=start, as_of=as_of), future]

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        future = FinancialMetrics(
            ticker=ticker, report_period=as_of.date(), available_at=as_of + timedelta(days=30)
        )
        return [future, *super().financial_metrics(ticker, as_of=as_of, limit=limit)]

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        future = NewsItem(
            ticker=ticker, title="FUTURE", source="x", published_at=as_of + timedelta(seconds=1)
        )
        return [future, *super().news(ticker, as_of=as_of, limit=limit)]

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        future = InsiderTrade(ticker=ticker, available_at=as_of + timedelta(days=2), shares=1.0)
        return [future, *super().insider_trades(ticker, as_of=as_of, limit=limit)]


class FailingForMsft(OfflineMarketData):
    name = "flaky"

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        if ticker == "MSFT":
            raise MarketDataError(self.name, "upstream 503 for MSFT")
        return super().bars(ticker, start=start, as_of=as_of)


def test_offline_snapshot_is_complete_and_tradable() -> None:
    snap = build_snapshot(OfflineMarketData(), ["AAPL", "MSFT", "NVDA"], as_of=AS_OF)
    assert snap.as_of == AS_OF and list(snap.tickers) == ["AAPL", "MSFT", "NVDA"]
    for data in snap.tickers.values():
        assert data.quality.tradable, data.quality.detail
        assert data.source == "offline"
        assert len(data.bars) > 250 and data.metrics and data.news and data.insider_trades
        assert (AS_OF.date() - data.bars[0].ts.date()).days <= 400


def test_future_records_never_reach_the_snapshot_and_mark_it_untradable() -> None:
    snap = build_snapshot(LeakyMarketData(), ["AAPL"], as_of=AS_OF)
    data = snap.tickers["AAPL"]
    assert all(b.ts < AS_OF for b in data.bars) and all(b.close != 1e4 for b in data.bars)
    assert all(m.available_at <= AS_OF for m in data.metrics)
    assert all(n.published_at <= AS_OF and n.title != "FUTURE" for n in data.news)
    assert all(t.available_at <= AS_OF for t in data.insider_trades)
    assert DataIssue.FUTURE_DATED in data.quality.issues
    assert any("4 record(s)" in d for d in data.quality.detail)


def test_one_failing_ticker_is_recorded_not_raised() -> None:
    snap = build_snapshot(FailingForMsft(), ["AAPL", "MSFT", "NVDA"], as_of=AS_OF)
    msft = snap.tickers["MSFT"]
    assert msft.bars == () and msft.quality.issues == (DataIssue.NO_BARS,)
    assert "upstream 503 for MSFT" in msft.quality.detail[0]
    assert snap.tickers["AAPL"].quality.tradable and snap.tickers["NVDA"].quality.tradable


def test_fallback_chain_records_which_source_answered(shared_data: Path) -> None:
    chain = FallbackMarketData([CsvFolderMarketData(shared_data / "prices"), OfflineMarketData()])
    as_of = datetime(2023, 12, 29, 22, 0, tzinfo=UTC)
    snap = build_snapshot(chain, ["AAPL", "QQQQ"], as_of=as_of)
    assert snap.tickers["AAPL"].source == "csv"
    assert snap.tickers["AAPL"].last_close is not None
    assert abs(snap.tickers["AAPL"].last_close - 192.53) < 0.01
    assert snap.tickers["QQQQ"].source == "offline"
    assert chain.answered_by(DataKind.BARS, "QQQQ") == "offline"


def test_csv_data_past_its_end_is_stale(shared_data: Path) -> None:
    provider = CsvFolderMarketData(shared_data / "prices")
    snap = build_snapshot(
        provider, ["AAPL"], as_of=datetime(2024, 1, 12, 22, tzinfo=UTC), lookback_days=30
    )
    assert snap.tickers["AAPL"].quality.issues == (DataIssue.STALE_LAST_BAR,)


class NaiveNewsFor(OfflineMarketData):
    """Returns a news item with a naive timestamp for NVDA (a provider bug the checks trip on)."""

    name = "naive"

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        if ticker == "NVDA":
            return [
                NewsItem(ticker=ticker, title="t", source="s", published_at=datetime(2026, 11, 20))
            ]
        return super().news(ticker, as_of=as_of, limit=limit)


def test_an_unexpected_provider_bug_is_recorded_per_ticker() -> None:
    snap = build_snapshot(NaiveNewsFor(), ["AAPL", "NVDA"], as_of=AS_OF)
    assert snap.tickers["NVDA"].quality.issues == (DataIssue.NO_BARS,)
    assert "snapshot failed: TypeError" in snap.tickers["NVDA"].quality.detail[0]
    assert snap.tickers["AAPL"].quality.tradable


def test_a_fallback_is_visible_in_the_quality_detail() -> None:
    chain = FallbackMarketData([FailingForMsft(), OfflineMarketData()])
    snap = build_snapshot(chain, ["MSFT", "AAPL"], as_of=AS_OF)
    msft = snap.tickers["MSFT"]
    assert msft.source == "offline,flaky"
    assert msft.quality.tradable  # the data itself is complete; the note tells the operator
    assert any(
        d.startswith("bars answered by offline after: flaky: upstream 503")
        for d in msft.quality.detail
    )
    assert snap.tickers["AAPL"].quality.detail == ()
