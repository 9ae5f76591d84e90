"""The synthetic market: deterministic, point-in-time, consistent, varied across tickers."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.market_data.offline import OfflineMarketData
from tools.market_data.quality import check_missing_sessions, check_ohlc, check_positive_prices
from tools.market_data.sessions import NEW_YORK, nyse_sessions

REPO_ROOT = Path(__file__).resolve().parents[3]
AS_OF = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # Friday, after the close


@pytest.fixture(scope="module")
def market() -> OfflineMarketData:
    return OfflineMarketData()


def test_same_inputs_give_identical_outputs_across_instances(market: OfflineMarketData) -> None:
    other = OfflineMarketData(seed=7)
    start = date(2025, 1, 1)
    assert market.bars("AAPL", start=start, as_of=AS_OF) == other.bars(
        "AAPL", start=start, as_of=AS_OF
    )
    assert market.news("AAPL", as_of=AS_OF) == other.news("AAPL", as_of=AS_OF)
    assert market.financial_metrics("AAPL", as_of=AS_OF) == other.financial_metrics(
        "AAPL", as_of=AS_OF
    )
    assert market.insider_trades("AAPL", as_of=AS_OF) == other.insider_trades("AAPL", as_of=AS_OF)


def test_output_is_stable_in_a_fresh_interpreter(market: OfflineMarketData) -> None:
    """No hidden process state (hash seeds, wall clock): a new process prints the same closes."""
    code = (
        "from datetime import UTC, date, datetime\n"
        "from tools.market_data.offline import OfflineMarketData\n"
        "b = OfflineMarketData().bars('NVDA', start=date(2026, 11, 1), "
        "as_of=datetime(2026, 11, 20, 22, tzinfo=UTC))\n"
        "print([x.close for x in b])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123", "PATH": ""},
        cwd=str(REPO_ROOT),
    ).stdout.strip()
    here = market.bars("NVDA", start=date(2026, 11, 1), as_of=AS_OF)
    assert out == str([x.close for x in here])


def test_different_seed_gives_a_different_market() -> None:
    a = OfflineMarketData(seed=7).bars("AAPL", start=date(2026, 1, 1), as_of=AS_OF)
    b = OfflineMarketData(seed=8).bars("AAPL", start=date(2026, 1, 1), as_of=AS_OF)
    assert [x.close for x in a] != [x.close for x in b]


def test_a_bar_does_not_depend_on_the_as_of_it_was_asked_at(market: OfflineMarketData) -> None:
    early = market.bars("MSFT", start=date(2026, 1, 1), as_of=datetime(2026, 6, 1, 22, tzinfo=UTC))
    late = market.bars("MSFT", start=date(2026, 1, 1), as_of=AS_OF)
    assert early == late[: len(early)]


@pytest.mark.parametrize("ticker", ["AAPL", "MSFT", "NVDA", "brk.b", "ZZZZ"])
def test_bars_are_clean_nyse_sessions(market: OfflineMarketData, ticker: str) -> None:
    bars = market.bars(ticker, start=date(2025, 11, 1), as_of=AS_OF)
    assert len(bars) > 200
    assert check_ohlc(bars) is None
    assert check_positive_prices(bars) is None
    assert check_missing_sessions(bars) is None
    days = [b.ts.astimezone(NEW_YORK).date() for b in bars]
    assert days == nyse_sessions().between(days[0], days[-1])
    assert date(2025, 12, 25) not in days  # Christmas is not a session
    assert all(5.0 < b.close < 5000.0 for b in bars)


def test_bars_stop_at_the_last_closed_session(market: OfflineMarketData) -> None:
    during = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 10:00 New York, session open
    bars = market.bars("AAPL", start=date(2026, 11, 1), as_of=during)
    assert bars[-1].ts.astimezone(NEW_YORK).date() == date(2026, 11, 19)
    after = market.bars("AAPL", start=date(2026, 11, 1), as_of=AS_OF)
    assert after[-1].ts.astimezone(NEW_YORK).date() == date(2026, 11, 20)


def test_history_days_limits_how_far_back_bars_go() -> None:
    short = OfflineMarketData(history_days=60).bars("AAPL", start=date(2020, 1, 1), as_of=AS_OF)
    assert short[0].ts.date() >= (AS_OF - timedelta(days=61)).date()


def test_tickers_see_different_regimes(market: OfflineMarketData) -> None:
    """Across the demo universe and a few others, several regimes occur in the last year."""
    days = nyse_sessions().between(date(2025, 11, 21), date(2026, 11, 20))
    kinds = {market.regime_on(t, d) for t in ("AAPL", "MSFT", "NVDA", "AMZN", "TSLA") for d in days}
    assert {"trend_up", "trend_down", "range"} <= kinds
    returns = {
        t: market.bars(t, start=date(2026, 8, 1), as_of=AS_OF)[-1].close
        / market.bars(t, start=date(2026, 8, 1), as_of=AS_OF)[0].close
        for t in ("AAPL", "MSFT", "NVDA")
    }
    assert len({round(r, 3) for r in returns.values()}) == 3


def test_metrics_are_filed_after_their_period_and_honour_as_of(market: OfflineMarketData) -> None:
    metrics = market.financial_metrics("AAPL", as_of=AS_OF, limit=8)
    assert len(metrics) == 8
    assert [m.report_period for m in metrics] == sorted(
        (m.report_period for m in metrics), reverse=True
    )
    for m in metrics:
        assert m.available_at > datetime.combine(m.report_period, datetime.min.time(), UTC)
        assert m.available_at <= AS_OF
        assert m.price_to_earnings_ratio is None or 3 < m.price_to_earnings_ratio < 150
    # The quarter that ended 2026-09-30 is not yet filed on 2026-10-01.
    early = market.financial_metrics("AAPL", as_of=datetime(2026, 10, 1, tzinfo=UTC), limit=1)
    assert early[0].report_period == date(2026, 6, 30)


def test_news_and_insider_trades_honour_as_of(market: OfflineMarketData) -> None:
    cut = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
    news = market.news("NVDA", as_of=cut, limit=40)
    assert news and all(n.published_at <= cut for n in news)
    assert [n.published_at for n in news] == sorted((n.published_at for n in news), reverse=True)
    assert any(n.sentiment is not None and n.sentiment > 0 for n in news)
    assert any(n.sentiment is not None and n.sentiment < 0 for n in news)
    trades = market.insider_trades("NVDA", as_of=cut, limit=20)
    assert trades and all(t.available_at <= cut for t in trades)
    assert all(
        t.transaction_date is not None and t.transaction_date < t.available_at.date()
        for t in trades
    )
    assert [t.available_at for t in trades] == sorted(
        (t.available_at for t in trades), reverse=True
    )


def test_naive_as_of_is_rejected(market: OfflineMarketData) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        market.bars("AAPL", start=date(2026, 1, 1), as_of=datetime(2026, 11, 20, 22))


@settings(max_examples=25, deadline=None)
@given(
    ticker=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ.", min_size=1, max_size=6),
    seed=st.integers(min_value=0, max_value=10_000),
    days_after=st.integers(min_value=200, max_value=9000),
    hour=st.integers(min_value=0, max_value=23),
)
def test_property_every_answer_is_consistent_and_point_in_time(
    ticker: str, seed: int, days_after: int, hour: int
) -> None:
    as_of = datetime(2000, 1, 3, hour, tzinfo=UTC) + timedelta(days=days_after)
    market = OfflineMarketData(seed=seed, history_days=120)
    bars = market.bars(ticker, start=date(1999, 1, 1), as_of=as_of)
    table = nyse_sessions()
    assert bars
    assert all(table.close_at(b.ts.astimezone(NEW_YORK).date()) <= as_of for b in bars)
    assert check_ohlc(bars) is None and check_positive_prices(bars) is None
    assert all(m.available_at <= as_of for m in market.financial_metrics(ticker, as_of=as_of))
    assert all(n.published_at <= as_of for n in market.news(ticker, as_of=as_of))
    assert all(t.available_at <= as_of for t in market.insider_trades(ticker, as_of=as_of))
