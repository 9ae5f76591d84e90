"""Financial Datasets behind the ``MarketDataProvider`` interface, point in time.

Why estimated filing times: the API's metrics and line items carry only ``report_period``, not the
filing date. To keep backtests honest we treat a period as public only after the SEC deadline
(45 days for quarterly/TTM, 90 for annual; most large filers are earlier), at 22:00 New York,
when EDGAR stops accepting filings for the day. Insider trades use their ``filing_date`` at
22:00 New York for the same reason. Everything is also filtered locally, so a server that ignores
the ``*_lte`` parameters still cannot leak the future.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from domain import Bar, FinancialMetrics, InsiderTrade, LineItems, NewsItem
from tools.market_data.financialdatasets.client import FinancialDatasetsClient
from tools.market_data.financialdatasets.wire import (
    CompanyFacts,
    WireFinancialMetrics,
    WireInsiderTrade,
    WireNews,
)
from tools.market_data.sessions import NEW_YORK, nyse_sessions

__all__ = ["FinancialDatasetsMarketData", "public_after_period", "public_on_filing_day"]

_FILING_LAG_DAYS = {"annual": 90, "quarterly": 45, "ttm": 45}
_SENTIMENT = {"positive": 1.0, "bullish": 1.0, "negative": -1.0, "bearish": -1.0, "neutral": 0.0}
_METRIC_FIELDS = tuple(
    name
    for name in FinancialMetrics.model_fields
    if name not in {"ticker", "report_period", "available_at", "period", "currency"}
)


def public_on_filing_day(day: date) -> datetime:
    """22:00 New York on ``day`` (EDGAR's daily cut-off), in UTC."""
    return datetime.combine(day, time(22, 0), NEW_YORK).astimezone(UTC)


def public_after_period(report_period: date, period: str) -> datetime:
    """Conservative public time of a report period: its SEC filing deadline."""
    return public_on_filing_day(report_period + timedelta(days=_FILING_LAG_DAYS.get(period, 90)))


def _sentiment(raw: str | float | None) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, float | int):
        return max(-1.0, min(1.0, float(raw)))
    return _SENTIMENT.get(raw.strip().lower())


def _metrics(wire: WireFinancialMetrics) -> FinancialMetrics:
    return FinancialMetrics(
        ticker=wire.ticker,
        report_period=wire.report_period,
        available_at=public_after_period(wire.report_period, wire.period),
        period=wire.period,
        currency=wire.currency or "USD",
        **{name: getattr(wire, name) for name in _METRIC_FIELDS},
    )


def _news(wire: WireNews) -> NewsItem:
    return NewsItem(
        ticker=wire.ticker,
        title=wire.title,
        source=wire.source or "unknown",
        published_at=wire.date.astimezone(UTC),
        url=wire.url,
        sentiment=_sentiment(wire.sentiment),
    )


def _insider(wire: WireInsiderTrade) -> InsiderTrade:
    return InsiderTrade(
        ticker=wire.ticker,
        name=wire.name,
        title=wire.title,
        transaction_date=wire.transaction_date,
        available_at=public_on_filing_day(wire.filing_date),
        shares=wire.transaction_shares,
        price_per_share=wire.transaction_price_per_share,
        security_title=wire.security_title,
    )


class FinancialDatasetsMarketData:
    """``MarketDataProvider`` over a ``FinancialDatasetsClient``; adds line items and facts."""

    name = "financialdatasets"

    def __init__(self, client: FinancialDatasetsClient) -> None:
        self.client = client

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        """Daily bars ``start``..last session closed at ``as_of``; ``ts`` is the session open."""
        table = nyse_sessions()
        last = table.last_closed(as_of)
        if last is None or last < start:
            return []
        by_day: dict[date, Bar] = {}
        for wire in self.client.prices(ticker, start_date=start, end_date=last):
            day = wire.time.astimezone(NEW_YORK).date()
            if start <= day <= last:
                by_day[day] = Bar(
                    ts=table.open_at(day),
                    open=wire.open,
                    high=wire.high,
                    low=wire.low,
                    close=wire.close,
                    volume=wire.volume,
                )
        return [by_day[d] for d in sorted(by_day)]

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8, period: str = "ttm"
    ) -> list[FinancialMetrics]:
        """Most recent first; only periods past their filing deadline at ``as_of``."""
        cutoff = as_of.astimezone(NEW_YORK).date()
        wire = self.client.financial_metrics(
            ticker, period=period, limit=limit + 2, report_period_lte=cutoff
        )
        public = [m for m in map(_metrics, wire) if m.available_at <= as_of]
        public.sort(key=lambda m: m.report_period, reverse=True)
        return public[:limit]

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        """Most recent first; only items published at or before ``as_of``."""
        wire = self.client.news(
            ticker, end_date=as_of.astimezone(NEW_YORK).date(), limit=limit + 20
        )
        public = [n for n in map(_news, wire) if n.published_at <= as_of]
        public.sort(key=lambda n: n.published_at, reverse=True)
        return public[:limit]

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        """Most recent filing first; only trades filed by ``as_of``."""
        cutoff = as_of.astimezone(NEW_YORK).date()
        wire = self.client.insider_trades(ticker, limit=limit, filing_date_lte=cutoff)
        public = [t for t in map(_insider, wire) if t.available_at <= as_of]
        public.sort(key=lambda t: t.available_at, reverse=True)
        return public[:limit]

    def line_items(
        self,
        ticker: str,
        names: Sequence[str],
        *,
        as_of: datetime,
        period: str = "ttm",
        limit: int = 4,
    ) -> list[LineItems]:
        """Statement lines for ``ticker``, most recent public period first."""
        rows = self.client.search_line_items([ticker], names, period=period, limit=limit + 2)
        out = [
            LineItems(
                ticker=row.ticker,
                report_period=row.report_period,
                period=row.period,
                currency=row.currency,
                available_at=public_after_period(row.report_period, row.period),
                values=row.values(),
            )
            for row in rows
            if row.ticker.upper() == ticker.upper()
        ]
        public = [r for r in out if r.available_at <= as_of]
        public.sort(key=lambda r: r.report_period, reverse=True)
        return public[:limit]

    def company_facts(self, ticker: str) -> CompanyFacts:
        """The company profile. Not point in time (``market_cap`` is today's): no backtest use."""
        return self.client.company_facts(ticker)
