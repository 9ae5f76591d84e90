"""Fundamentals and news in a backtest: asked at each session's clock, never later, and the same
backtest with a source that also holds the following year's filings and news decides the same.

The source here is the real price folder plus a synthetic filing and headline per session. It
honours the provider contract (nothing published after ``as_of``), like every provider must;
what is under test is the backtester: that it asks with the simulated clock (a session's open),
so a headline published at noon never reaches that morning's decision, and that nothing of the
following year changes a decision.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import load_settings
from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem
from graph.backtest import BacktestConfig, run_backtest
from tools.market_data.csv_folder import CsvFolderMarketData
from tools.market_data.sessions import NEW_YORK, nyse_sessions

TICKERS = ("AAPL", "MSFT")
START, END = date(2022, 10, 3), date(2022, 11, 30)


class FilingsAndNews:
    """CSV bars, plus per session a filing at its close and a headline at noon (recording calls)."""

    name = "csv+filings"

    def __init__(self, prices: Path, last: date) -> None:
        self._bars = CsvFolderMarketData(prices)
        days = nyse_sessions().between(date(2021, 6, 1), last)
        self._metrics = [
            FinancialMetrics(
                ticker=t,
                report_period=d,
                available_at=nyse_sessions().close_at(d),
                revenue_growth=0.3 if d.toordinal() % 3 else -0.3,
                net_margin=0.25,
                price_to_earnings_ratio=18.0,
            )
            for t in TICKERS
            for d in days
        ]
        self._news = [
            NewsItem(
                ticker=t,
                title=f"{t} headline {d}",
                source="wire",
                published_at=datetime.combine(d, time(12), NEW_YORK).astimezone(UTC),
                sentiment=0.8 if d.toordinal() % 2 else -0.8,
            )
            for t in TICKERS
            for d in days
        ]
        self.asked: list[datetime] = []

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        return self._bars.bars(ticker, start=start, as_of=as_of)

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        self.asked.append(as_of)
        found = [m for m in self._metrics if m.ticker == ticker and m.available_at <= as_of]
        return sorted(found, key=lambda m: m.available_at, reverse=True)[:limit]

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        self.asked.append(as_of)
        found = [n for n in self._news if n.ticker == ticker and n.published_at <= as_of]
        return sorted(found, key=lambda n: n.published_at, reverse=True)[:limit]

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        self.asked.append(as_of)
        return []


async def test_filings_and_news_are_read_at_the_simulated_clock(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THRESHOLDS__MIN_ANALYST_COVERAGE", "1")
    settings = load_settings(hedgegraph_home=tmp_path / "home")
    config = BacktestConfig(
        tickers=TICKERS,
        start=START,
        end=END,
        data_dir=shared_data / "prices",
        analysts=("technicals", "sentiment", "fundamentals"),
        benchmark=None,
        commission_per_share=Decimal("0.005"),
    )
    stopped = FilingsAndNews(shared_data / "prices", END)
    with_future = FilingsAndNews(shared_data / "prices", END + timedelta(days=365))
    runs = [await run_backtest(config, settings, market_data=p) for p in (stopped, with_future)]

    table = nyse_sessions()
    opens = {table.open_at(d) for d in table.between(START, END)}
    assert set(with_future.asked) == opens  # every filing and news read at a session's open
    sentiment = [
        v for s in runs[0].sessions for v in s.analyst_verdicts if v.analyst == "sentiment"
    ]
    assert sentiment and all(v.signal.is_directional for v in sentiment), "precondition"
    a, b = runs
    assert [(s.analyst_verdicts, s.decisions, s.gate_verdicts) for s in a.sessions] == [
        (s.analyst_verdicts, s.decisions, s.gate_verdicts) for s in b.sessions
    ]
    assert a.trades == b.trades and a.equity == b.equity
