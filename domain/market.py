"""Market data as the nodes see it: bars, fundamentals, news and insider trades, all as of a time.

Every record carries the time it became public (``available_at``) so that a point-in-time snapshot
can prove nothing from its future leaked in.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from domain._base import DomainModel

__all__ = [
    "Bar",
    "DataIssue",
    "DataQuality",
    "FinancialMetrics",
    "InsiderTrade",
    "MarketSnapshot",
    "NewsItem",
    "TickerData",
]


class Bar(DomainModel):
    """One daily OHLCV bar. Prices are floats: they feed analytics, never the broker directly."""

    ts: datetime
    """Session open time of the bar (timezone-aware, UTC)."""
    open: float
    high: float
    low: float
    close: float
    volume: float


class FinancialMetrics(DomainModel):
    """Trailing fundamentals for one report period (Financial Datasets' ``financial_metrics``)."""

    ticker: str
    report_period: date
    """Last day of the fiscal period the numbers describe."""
    available_at: datetime
    """When the numbers became public (filing time); point-in-time filters use this."""
    period: str = "ttm"
    currency: str = "USD"
    market_cap: float | None = None
    enterprise_value: float | None = None
    price_to_earnings_ratio: float | None = None
    price_to_book_ratio: float | None = None
    price_to_sales_ratio: float | None = None
    enterprise_value_to_ebitda_ratio: float | None = None
    free_cash_flow_yield: float | None = None
    peg_ratio: float | None = None
    gross_margin: float | None = None
    operating_margin: float | None = None
    net_margin: float | None = None
    return_on_equity: float | None = None
    return_on_assets: float | None = None
    return_on_invested_capital: float | None = None
    current_ratio: float | None = None
    debt_to_equity: float | None = None
    interest_coverage: float | None = None
    revenue_growth: float | None = None
    earnings_growth: float | None = None
    free_cash_flow_growth: float | None = None
    book_value_growth: float | None = None
    payout_ratio: float | None = None
    earnings_per_share: float | None = None
    book_value_per_share: float | None = None
    free_cash_flow_per_share: float | None = None


class NewsItem(DomainModel):
    """A headline. ``title`` is untrusted text: it is data for analysts, never an instruction."""

    ticker: str
    title: str
    source: str
    published_at: datetime
    url: str | None = None
    sentiment: float | None = None
    """Provider sentiment in [-1, 1] when the source supplies one; ``None`` is common."""


class InsiderTrade(DomainModel):
    """An insider transaction; ``available_at`` is the filing date, not the trade date."""

    ticker: str
    name: str | None = None
    title: str | None = None
    transaction_date: date | None = None
    available_at: datetime
    shares: float | None = None
    """Signed: positive for acquisitions, negative for disposals."""
    price_per_share: float | None = None
    security_title: str | None = None


class DataIssue(StrEnum):
    """Why a ticker's data cannot be trusted for trading."""

    NO_BARS = "no_bars"
    STALE_LAST_BAR = "stale_last_bar"
    MISSING_SESSIONS = "missing_sessions"
    OHLC_VIOLATION = "ohlc_violation"
    NON_POSITIVE_PRICE = "non_positive_price"
    FUTURE_DATED = "future_dated"


class DataQuality(DomainModel):
    """Verdict of the data-quality checks for one ticker; the gate refuses to trade on ``stale``."""

    issues: tuple[DataIssue, ...] = ()
    detail: tuple[str, ...] = ()

    @property
    def tradable(self) -> bool:
        return not self.issues


class TickerData(DomainModel):
    """Everything known about one ticker at the snapshot's as-of time."""

    ticker: str
    bars: tuple[Bar, ...] = ()
    metrics: tuple[FinancialMetrics, ...] = ()
    news: tuple[NewsItem, ...] = ()
    insider_trades: tuple[InsiderTrade, ...] = ()
    quality: DataQuality = Field(default_factory=DataQuality)
    source: str = "unknown"
    """Which provider answered (the composite records the one that succeeded)."""

    @property
    def last_close(self) -> float | None:
        return self.bars[-1].close if self.bars else None


class MarketSnapshot(DomainModel):
    """Point-in-time view of the universe that every node after ``load_context`` reads."""

    as_of: datetime
    tickers: dict[str, TickerData] = Field(default_factory=dict)

    def get(self, ticker: str) -> TickerData | None:
        return self.tickers.get(ticker)
