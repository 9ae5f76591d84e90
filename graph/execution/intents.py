"""Every order intent hedgegraph builds to send, in one place: a decision's and an exit's.

Why one home: the client order id scheme (thread, decision, symbol, role) is what makes a
submission exactly-once, and the side, the protective levels and the reduces-position flag are
what the risk gate judges. Two factories that drifted apart (an entry built one way by the
portfolio manager, an exit another way by the monitor) would let one road gate what the other
sends differently.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain import (
    ExitReason,
    ExitSignal,
    OrderIntent,
    OrderSide,
    OrderType,
    TimeInForce,
    TradeAction,
    TradeDecision,
    client_order_id_for,
)
from graph.execution.exits import exit_decision_id

__all__ = ["decision_intent", "exit_intent"]

_SIDE = {
    TradeAction.BUY: OrderSide.BUY,
    TradeAction.COVER: OrderSide.BUY,
    TradeAction.SELL: OrderSide.SELL,
    TradeAction.SHORT: OrderSide.SELL,
}


def decision_intent(
    decision: TradeDecision,
    *,
    thread_id: str,
    reference_price: Decimal,
    now: datetime,
) -> OrderIntent | None:
    """The order intent that carries out ``decision``, or ``None`` for a hold or zero quantity."""
    if decision.action is TradeAction.HOLD or decision.quantity <= 0:
        return None
    reduces = decision.action.reduces_risk
    return OrderIntent(
        client_order_id=client_order_id_for(
            thread_id, decision.decision_id, decision.ticker, "exit" if reduces else "entry"
        ),
        decision_id=decision.decision_id,
        thread_id=thread_id,
        ticker=decision.ticker,
        side=_SIDE[decision.action],
        qty=decision.quantity,
        reference_price=reference_price,
        reduces_position=reduces,
        stop_loss=None if reduces else decision.stop_loss,
        take_profit=None if reduces else decision.take_profit,
        created_at=now,
    )


def exit_intent(
    signal: ExitSignal, *, thread_id: str, now: datetime, attempt: int = 0
) -> OrderIntent:
    """A market exit, or for PROTECTIVE_STOP a resting GTC stop at the signal's level."""
    decision_id = exit_decision_id(signal.reason, signal.symbol, attempt)
    protective = signal.reason is ExitReason.PROTECTIVE_STOP
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
