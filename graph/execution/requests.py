"""What callers hand the execution road, and what it hands back.

Why typed requests: the road records a decision-audit row for every order it sends (invariant 6),
so each request carries the decision and what it was made from, whoever sent it (a cycle's
portfolio manager, the position monitor, the emergency stop).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain import AnalystVerdict, ExitSignal, GateVerdict, Order, OrderIntent, TradeDecision

__all__ = ["DecisionContext", "ExecutionOutcome", "OrderRequest"]


@dataclass(frozen=True, slots=True)
class DecisionContext:
    """The decision behind an order and what it saw, for its audit row."""

    decision: TradeDecision
    inputs_digest: str
    """Hash of exactly what the decision saw."""
    analyst_verdicts: tuple[AnalystVerdict, ...] = ()
    model: str = "rules"
    prompt_hash: str | None = None


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order intent to take down the road."""

    intent: OrderIntent
    audit: DecisionContext
    approved_qty: Decimal | None = None
    """The most an earlier verdict (the cycle's gate, a human approval) allowed; the fresh gate may
    lower it, never raise it. ``None`` means the fresh gate alone decides."""
    exit_signal: ExitSignal | None = None
    """For exits: the signal, so a dead attempt (terminal, nothing filled) can be retried under the
    next attempt id."""


@dataclass(frozen=True, slots=True)
class ExecutionOutcome:
    """What became of one request: the fresh verdict, the broker's order, or why there is none."""

    request: OrderRequest
    verdict: GateVerdict
    order: Order | None = None
    error: str | None = None
    """Why nothing working or filled came of it (a veto, a broker failure, a dead order)."""
    attempts: tuple[Order, ...] = ()
    """Earlier dead attempts of an exit (terminal, nothing filled) before ``order``."""

    @property
    def intent(self) -> OrderIntent:
        return self.verdict.intent

    @property
    def placed(self) -> bool:
        """An order is working or filled at the broker for this request."""
        return self.order is not None and self.error is None
