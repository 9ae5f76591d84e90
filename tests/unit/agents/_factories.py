"""Builders for bars, metrics and portfolios used by the agents' unit tests."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from config.settings import RiskParameters, Settings, Thresholds, packaged_settings
from domain import (
    Bar,
    FinancialMetrics,
    InsiderTrade,
    NewsItem,
    PortfolioSnapshot,
    Position,
    TickerData,
)

START = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
AS_OF = datetime(2025, 6, 2, 20, 0, tzinfo=UTC)


def bars_from_closes(closes: Sequence[float], volumes: Sequence[float] | None = None) -> list[Bar]:
    bars = []
    for i, close in enumerate(closes):
        prev = closes[i - 1] if i else close
        high = max(prev, close) * 1.005
        low = min(prev, close) * 0.995
        volume = volumes[i] if volumes is not None else 1_000_000.0
        bars.append(
            Bar(
                ts=START + timedelta(days=i),
                open=prev,
                high=high,
                low=low,
                close=close,
                volume=volume,
            )
        )
    return bars


def wave(n: int, *, start: float = 100.0, drift: float = 0.0, amp: float = 0.01) -> list[float]:
    """A deterministic price path: compounding drift plus a small oscillation."""
    return [start * (1 + drift) ** i * (1 + amp * math.sin(i / 3.0)) for i in range(n)]


def csv_bars(path: Path) -> list[Bar]:
    bars = []
    with path.open() as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["Date"][:10])
            bars.append(
                Bar(
                    ts=datetime(day.year, day.month, day.day, 14, 30, tzinfo=UTC),
                    open=float(row["Open"]),
                    high=float(row["High"]),
                    low=float(row["Low"]),
                    close=float(row["Close"]),
                    volume=float(row["Volume"]),
                )
            )
    return bars


def metrics(**fields: float | None) -> FinancialMetrics:
    return FinancialMetrics(
        ticker="TEST",
        report_period=date(2025, 3, 31),
        available_at=datetime(2025, 5, 1, tzinfo=UTC),
        **fields,
    )


STRONG_METRICS: dict[str, float | None] = {
    "market_cap": 1.0e11,
    "enterprise_value": 1.05e11,
    "price_to_earnings_ratio": 12.0,
    "price_to_book_ratio": 1.5,
    "price_to_sales_ratio": 2.0,
    "enterprise_value_to_ebitda_ratio": 7.0,
    "free_cash_flow_yield": 0.09,
    "gross_margin": 0.55,
    "operating_margin": 0.30,
    "net_margin": 0.24,
    "return_on_equity": 0.28,
    "return_on_assets": 0.14,
    "return_on_invested_capital": 0.22,
    "current_ratio": 2.2,
    "debt_to_equity": 0.2,
    "interest_coverage": 30.0,
    "revenue_growth": 0.18,
    "earnings_growth": 0.20,
    "free_cash_flow_growth": 0.15,
    "book_value_growth": 0.12,
    "payout_ratio": 0.2,
    "earnings_per_share": 8.0,
    "book_value_per_share": 60.0,
    "free_cash_flow_per_share": 9.0,
}

WEAK_METRICS: dict[str, float | None] = {
    "market_cap": 1.0e11,
    "enterprise_value": 1.6e11,
    "price_to_earnings_ratio": 80.0,
    "price_to_book_ratio": 12.0,
    "price_to_sales_ratio": 15.0,
    "enterprise_value_to_ebitda_ratio": 45.0,
    "free_cash_flow_yield": 0.004,
    "gross_margin": 0.15,
    "operating_margin": -0.05,
    "net_margin": -0.08,
    "return_on_equity": -0.10,
    "return_on_assets": -0.04,
    "return_on_invested_capital": -0.05,
    "current_ratio": 0.6,
    "debt_to_equity": 3.0,
    "interest_coverage": 0.8,
    "revenue_growth": -0.10,
    "earnings_growth": -0.30,
    "free_cash_flow_growth": -0.20,
    "book_value_growth": -0.10,
    "payout_ratio": 1.4,
    "earnings_per_share": -1.0,
    "book_value_per_share": 5.0,
    "free_cash_flow_per_share": 0.2,
}


def history(
    latest: dict[str, float | None], past_multiples: Sequence[float]
) -> tuple[FinancialMetrics, ...]:
    """Latest metrics first, then older periods carrying only their EV/EBITDA multiple."""
    older = tuple(
        FinancialMetrics(
            ticker="TEST",
            report_period=date(2024 - i, 12, 31),
            available_at=datetime(2025 - i, 2, 1, tzinfo=UTC),
            enterprise_value_to_ebitda_ratio=multiple,
        )
        for i, multiple in enumerate(past_multiples)
    )
    return (metrics(**latest), *older)


def ticker_data(**fields: object) -> TickerData:
    return TickerData(ticker="TEST", **fields)  # type: ignore[arg-type]


@cache
def _defaults() -> Settings:
    return packaged_settings()  # never the ambient environment or a .env


def risk(**overrides: object) -> RiskParameters:
    base = _defaults().risk.model_dump()
    base.update(overrides)
    return RiskParameters(**base)


def thresholds(**overrides: object) -> Thresholds:
    base = _defaults().thresholds.model_dump()
    base.update(overrides)
    return Thresholds(**base)


def portfolio(
    *,
    cash: str = "100000",
    equity: str | None = None,
    positions: dict[str, tuple[str, str]] | None = None,
) -> PortfolioSnapshot:
    held = {
        symbol: Position(symbol=symbol, qty=Decimal(qty), avg_entry_price=Decimal(price))
        for symbol, (qty, price) in (positions or {}).items()
    }
    exposure = sum((p.market_value for p in held.values()), Decimal(0))
    eq = Decimal(equity) if equity is not None else Decimal(cash) + exposure
    return PortfolioSnapshot(
        as_of=AS_OF,
        cash=Decimal(cash),
        equity=eq,
        buying_power=Decimal(cash),
        positions=held,
    )


def _periods(
    base: dict[str, float | None], eps_path: Sequence[float]
) -> tuple[FinancialMetrics, ...]:
    """Newest first: one report per year with ``eps_path[i]`` as EPS and a drifting multiple."""
    return tuple(
        FinancialMetrics(
            ticker="TEST",
            report_period=date(2025 - i, 3, 31),
            available_at=datetime(2025 - i, 5, 1, tzinfo=UTC),
            **{
                **base,
                "earnings_per_share": eps,
                "enterprise_value_to_ebitda_ratio": (base["enterprise_value_to_ebitda_ratio"] or 1)
                * (1 + 0.15 * i),
            },
        )
        for i, eps in enumerate(eps_path)
    )


def _insiders(shares: Sequence[float]) -> tuple[InsiderTrade, ...]:
    return tuple(
        InsiderTrade(ticker="TEST", available_at=AS_OF - timedelta(days=10 * i), shares=s)
        for i, s in enumerate(shares)
    )


def _news(sentiment: float) -> tuple[NewsItem, ...]:
    return tuple(
        NewsItem(
            ticker="TEST",
            title="Company update",
            source="wire",
            published_at=AS_OF - timedelta(days=i),
            sentiment=sentiment,
        )
        for i in range(5)
    )


def strong_company() -> TickerData:
    """Cheap, profitable, growing, unlevered, rising steadily, insiders buying, gloomy headlines."""
    return TickerData(
        ticker="TEST",
        bars=tuple(bars_from_closes(wave(260, start=30.0, drift=0.003, amp=0.002))),
        metrics=_periods({**STRONG_METRICS, "revenue_growth": 0.25}, [8.0, 7.0, 6.1, 5.3]),
        news=_news(-0.3),
        insider_trades=_insiders([5000, 3000, -500]),
    )


def weak_company() -> TickerData:
    """Expensive, loss-making, shrinking, levered, falling, insiders selling, euphoric headlines."""
    return TickerData(
        ticker="TEST",
        bars=tuple(bars_from_closes(wave(260, start=100.0, drift=-0.004, amp=0.03))),
        metrics=_periods(WEAK_METRICS, [-1.0, 0.5, 1.2, 1.5]),
        news=_news(0.6),
        insider_trades=_insiders([-8000, -4000, 200]),
    )
