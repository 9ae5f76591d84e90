"""Builders for gate scenarios: a calm market, a portfolio, an intent, the packaged limits."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from config.settings import RiskParameters
from domain import (
    Bar,
    MarketSnapshot,
    OrderIntent,
    OrderSide,
    PortfolioSnapshot,
    Position,
    TickerData,
    client_order_id_for,
)
from graph.risk.snapshot import GateSnapshot

NOW = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
"""A Monday 10:00 New York time: the exchange is open."""


LIMITS = RiskParameters(
    max_position_pct=0.10,
    max_order_notional=25000,
    max_gross_exposure_pct=1.00,
    max_net_exposure_pct=1.00,
    max_open_positions=10,
    min_cash_reserve_pct=0.02,
    allow_shorts=False,
    min_order_qty=1,
    decision_ttl_seconds=900,
    price_sanity_pct=0.05,
    stop_loss_pct=0.05,
    take_profit_pct=0.10,
    max_daily_loss_pct=0.03,
    max_drawdown_pct=0.15,
)
"""The scenarios' limits, written out: never the ambient environment or an operator's YAML."""


def limits(**overrides: Any) -> RiskParameters:
    return LIMITS.model_copy(update=overrides)


def bars(close: float, *, days: int = 30, vol: float = 0.01, seed: str = "") -> tuple[Bar, ...]:
    """Daily bars ending the day before NOW at ``close``; a seeded random walk of daily ``vol``."""
    rng = random.Random(seed)
    closes = [close]
    for _ in range(days - 1):
        closes.append(closes[-1] / math.exp(rng.gauss(0, vol)))
    closes.reverse()
    return tuple(
        Bar(
            ts=NOW - timedelta(days=days - i),
            open=c,
            high=c * 1.01,
            low=c * 0.99,
            close=c,
            volume=1e6,
        )
        for i, c in enumerate(closes)
    )


def market(prices: dict[str, float], **kw: Any) -> MarketSnapshot:
    return MarketSnapshot(
        as_of=NOW,
        tickers={t: TickerData(ticker=t, bars=bars(p, seed=t, **kw)) for t, p in prices.items()},
    )


def portfolio(
    cash: str = "100000", positions: dict[str, tuple[str, str]] | None = None
) -> PortfolioSnapshot:
    """``positions``: symbol -> (signed qty, price); equity is cash plus their value."""
    pos = {
        s: Position(symbol=s, qty=Decimal(q), avg_entry_price=Decimal(p), market_price=Decimal(p))
        for s, (q, p) in (positions or {}).items()
    }
    value = sum((p.market_value for p in pos.values()), Decimal(0))
    c = Decimal(cash)
    return PortfolioSnapshot(as_of=NOW, cash=c, equity=c + value, buying_power=c, positions=pos)


def snapshot(
    pf: PortfolioSnapshot | None = None, prices: dict[str, float] | None = None, **kw: Any
) -> GateSnapshot:
    kw.setdefault("now", NOW)
    return GateSnapshot(
        portfolio=pf or portfolio(),
        market=market(prices or {"AAPL": 100.0, "MSFT": 100.0}),
        **kw,
    )


_seq = iter(range(1_000_000))


def intent(
    ticker: str = "AAPL",
    side: OrderSide = OrderSide.BUY,
    qty: str = "10",
    price: str = "100",
    **kw: Any,
) -> OrderIntent:
    decision = kw.pop("decision_id", f"d{next(_seq)}")
    return OrderIntent(
        client_order_id=client_order_id_for("t1", decision, ticker),
        decision_id=decision,
        thread_id="t1",
        ticker=ticker,
        side=side,
        qty=Decimal(qty),
        reference_price=Decimal(price),
        created_at=kw.pop("created_at", NOW - timedelta(seconds=30)),
        **kw,
    )
