"""The trading ledger interface: what execution, the gate and the operator commands persist.

Why a protocol: the graph depends on these operations only; the SQL implementation (SQLite
embedded, Postgres in production) lives beside it and tests use the real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from domain import (
    AnalystVerdict,
    GateVerdict,
    Order,
    OrderIntent,
    TradeDecision,
    TradingStateRecord,
)

__all__ = ["DecisionAudit", "Ledger"]


class DecisionAudit(Protocol):
    """Marker for the audit row type an implementation returns."""


@runtime_checkable
class Ledger(Protocol):
    def record_intent(self, intent: OrderIntent, approved_qty: str) -> bool:
        """Persist an intent before submission. Idempotent: returns False if it already existed."""
        ...

    def record_order(self, order: Order) -> None:
        """Upsert the broker's view of an order, keyed by client_order_id."""
        ...

    def orders_for_thread(self, thread_id: str) -> list[Order]: ...

    def intents_for_thread(self, thread_id: str) -> list[OrderIntent]: ...

    def record_decision(
        self,
        *,
        thread_id: str,
        decision: TradeDecision,
        verdicts: Sequence[AnalystVerdict],
        gate_verdict: GateVerdict | None,
        inputs_digest: str,
        model: str,
        prompt_hash: str | None,
        order_client_ids: Sequence[str],
        recorded_at: datetime | None = None,
    ) -> None:
        """Write the decision audit row (invariant 6). Idempotent per (thread, decision_id)."""
        ...

    def trading_state(self) -> TradingStateRecord: ...

    def set_trading_state(self, record: TradingStateRecord) -> None: ...
