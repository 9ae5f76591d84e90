"""What a backtest did: each session's decisions and verdicts, the fills and the equity curve.

Typed models so the statistics, the files under ``--out``, the CLI's ``--json`` and the tests all
read one shape. Money stays ``Decimal`` here; the statistics convert to floats at their edge.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain import AnalystVerdict, GateVerdict, Order, TradeDecision

__all__ = ["BacktestResult", "EquityPoint", "SessionRecord", "TradeRecord"]


class SessionRecord(BaseModel):
    """What one session's cycle decided at the open, on the bars through the last close."""

    model_config = ConfigDict(frozen=True)

    day: date
    decided_at: datetime
    thread_id: str
    analyst_verdicts: tuple[AnalystVerdict, ...]
    decisions: tuple[TradeDecision, ...]
    gate_verdicts: tuple[GateVerdict, ...]
    orders: tuple[Order, ...]
    """The orders the cycle submitted (as the broker held them when the cycle ended)."""
    closes: dict[str, float] = {}
    """Each ticker's close of this session (known only after the cycle; for hit rates)."""


class TradeRecord(BaseModel):
    """One fill, with the decision it carries out and what it cost."""

    model_config = ConfigDict(frozen=True)

    day: date
    at: datetime
    ticker: str
    side: str
    qty: Decimal
    price: Decimal
    commission: Decimal
    reason: str
    """``open`` (a market order at the open), ``stop_loss`` / ``take_profit`` (bracket legs)..."""
    gapped: bool
    decision_id: str
    client_order_id: str
    realized_pnl: Decimal | None = None
    """For a fill that closes (part of) a position: its profit against the average entry,
    net of this fill's commission and the entry commission it closes; ``None`` for openings."""


class EquityPoint(BaseModel):
    """The account at one session's close."""

    model_config = ConfigDict(frozen=True)

    day: date
    equity: Decimal
    cash: Decimal
    gross_exposure: Decimal
    benchmark_close: float | None = None


class BacktestResult(BaseModel):
    """Everything one backtest produced; ``graph.backtest.statistics`` summarises it."""

    tickers: tuple[str, ...]
    start: date
    end: date
    initial_cash: Decimal
    analysts: tuple[str, ...]
    mode: str
    slippage_bps: float
    commission_per_share: Decimal
    benchmark: str | None
    sessions: tuple[SessionRecord, ...]
    trades: tuple[TradeRecord, ...]
    equity: tuple[EquityPoint, ...]
    hit_horizon: int = 5
    llm_calls: int = 0
    """Calls that reached an LLM provider (the prompt cache answered the rest)."""
    notes: tuple[str, ...] = ()
    """What the run could not do as asked (a benchmark without bars, a ticker without data)."""
