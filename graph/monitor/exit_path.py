"""Closing positions the only allowed way: intent -> risk gate -> exactly-once submission.

The monitor and the emergency stop never talk to the broker's order entry directly (invariant 1).
Exit intents carry ``reduces_position=True``, so the gate lets them through whatever the trading
state, the data or the caps say, and bounds them by the position. Their client_order_id is derived
from (thread, reason, session, symbol, qty): a rerun of the same exit adopts the order already sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from config.settings import RiskParameters
from domain import (
    ExitReason,
    ExitSignal,
    GateVerdict,
    MarketSnapshot,
    Order,
    OrderIntent,
    OrderType,
    PortfolioSnapshot,
    TimeInForce,
    TradingStateRecord,
    client_order_id_for,
)
from graph.risk.gate import evaluate_intents
from graph.risk.memory import session_date
from graph.risk.snapshot import GateSnapshot
from tools.brokers.base import Broker, BrokerError
from tools.brokers.exactly_once import submit_exactly_once
from tools.persistence.ledger import Ledger

__all__ = ["ExitOutcome", "exit_intent", "exit_through_gate"]


@dataclass(frozen=True, slots=True)
class ExitOutcome:
    signal: ExitSignal
    verdict: GateVerdict
    order: Order | None = None
    error: str | None = None


def exit_intent(signal: ExitSignal, *, thread_id: str, now: datetime) -> OrderIntent:
    """A market exit, or for PROTECTIVE_STOP a resting GTC stop at the signal's level."""
    decision_id = f"{signal.reason.value}:{session_date(now).isoformat()}:{signal.qty}"
    protective = signal.reason is ExitReason.PROTECTIVE_STOP
    if protective:
        decision_id += f":{signal.level}"
    return OrderIntent(
        client_order_id=client_order_id_for(thread_id, decision_id, signal.symbol, "exit"),
        decision_id=decision_id,
        thread_id=thread_id,
        ticker=signal.symbol,
        side=signal.side,
        qty=signal.qty,
        reference_price=signal.price if signal.price > 0 else Decimal(1),
        reduces_position=True,
        order_type=OrderType.STOP if protective else OrderType.MARKET,
        time_in_force=TimeInForce.GTC if protective else TimeInForce.DAY,
        stop_loss=signal.level.quantize(Decimal("0.01")) if protective and signal.level else None,
        created_at=now,
    )


def exit_through_gate(
    signals: Sequence[ExitSignal],
    *,
    portfolio: PortfolioSnapshot,
    broker: Broker,
    ledger: Ledger,
    limits: RiskParameters,
    now: datetime,
    thread_id: str,
    trading_state: TradingStateRecord,
    open_orders: Sequence[Order] = (),
) -> list[ExitOutcome]:
    intents = [exit_intent(s, thread_id=thread_id, now=now) for s in signals]
    snapshot = GateSnapshot(
        now=now,
        portfolio=portfolio,
        market=MarketSnapshot(as_of=now),
        trading_state=trading_state,
        open_orders=tuple(open_orders),
    )
    outcomes = []
    for signal, verdict in zip(signals, evaluate_intents(intents, snapshot, limits), strict=True):
        if not verdict.executable:
            outcomes.append(ExitOutcome(signal, verdict, error="vetoed by the gate"))
            continue
        try:
            order = submit_exactly_once(
                verdict.intent, verdict.approved_qty, broker=broker, ledger=ledger
            )
            outcomes.append(ExitOutcome(signal, verdict, order=order))
        except BrokerError as exc:
            outcomes.append(ExitOutcome(signal, verdict, error=str(exc)))
    return outcomes
