"""The trading ledger interface: what execution, the gate and the operator commands persist.

Why a protocol: the graph depends on these operations only; the SQL implementation (SQLite
embedded, Postgres in production) lives beside it and tests use the real one. Everything graph/
needs from the books is asked here (risk memory, entry levels, reconciliation), so no graph
module reads the ledger's tables behind its back and ``tools.persistence`` stays their only owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from domain import (
    AnalystVerdict,
    GateVerdict,
    Order,
    OrderIntent,
    ProtectiveLevels,
    TradeDecision,
    TradingStateRecord,
)
from tools.persistence.records import (
    BookedOrder,
    DecisionAuditEntry,
    PerformanceSnapshot,
    RiskBaseline,
)

if TYPE_CHECKING:
    from tools.persistence.alert_log import AlertStore
    from tools.persistence.operations import WatchlistStore
    from tools.persistence.runs import RunStore

__all__ = ["DecisionAudit", "Ledger"]


class DecisionAudit(Protocol):
    """Marker for the audit row type an implementation returns."""


@runtime_checkable
class Ledger(Protocol):
    runs: RunStore
    """Runs of threads and their numbered events (what the engine records, the faces read)."""
    alerts: AlertStore
    """Every alert; give it to the ``AlertDispatcher`` as its journal."""
    watchlist: WatchlistStore
    """What the operator watches (``watched`` / ``watch`` / ``unwatch``), one entry per symbol."""

    def record_intent(self, intent: OrderIntent, approved_qty: str) -> bool:
        """Persist an intent before submission. Idempotent: returns False if it already existed."""
        ...

    def record_order(self, order: Order) -> None:
        """Upsert the broker's view of an order, keyed by client_order_id.

        Also books the fill its cumulative totals imply beyond the fills already booked, so the
        trade history is complete whichever path (execute, reconcile, a bracket leg) reported it.
        """
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

    def record_decisions(self, entries: Sequence[DecisionAuditEntry]) -> None:
        """``record_decision`` for many decisions at once (one transaction where it can)."""
        ...

    def trading_state(self) -> TradingStateRecord: ...

    def set_trading_state(self, record: TradingStateRecord) -> None: ...

    # -- risk memory: what the gate must remember across restarts (invariant 5) ----------------

    def observe_equity(self, session_date: date, equity: Decimal, *, at: datetime) -> RiskBaseline:
        """Record equity seen in a session; the first sighting fixes the daily-loss baseline.

        The high-water mark (drawdown limit) only rises and carries over from earlier sessions,
        so a restart after a loss never resets either limit to the already lower equity.
        """
        ...

    def risk_baseline(self, session_date: date) -> RiskBaseline | None:
        """The session's stored baseline without recording anything (operator status)."""
        ...

    def high_water_mark(self, *, through: date) -> Decimal | None:
        """The drawdown high-water mark as of the latest session up to ``through``."""
        ...

    def record_performance(self, point: PerformanceSnapshot) -> bool:
        """One equity-curve point (equity, cash, exposure, drawdown) at ``point.as_of``.

        Why the gate's sightings: every time the risk memory observes the account (a cycle's
        gate, a monitor pass) the same numbers become the equity curve the end-of-day report and
        the faces read. A second point at the same instant is refused (returns False).
        """
        ...

    def performance_between(self, start: datetime, end: datetime) -> list[PerformanceSnapshot]:
        """Equity-curve points with ``start <= as_of <= end``, oldest first."""
        ...

    def last_exits(self, *, since: datetime) -> dict[str, datetime]:
        """Per symbol, when its latest filled position-reducing order was sent (cooldowns)."""
        ...

    def entry_order_times(self, *, since: datetime) -> list[datetime]:
        """When each entry order was sent since ``since`` (the order-rate limit)."""
        ...

    # -- what the monitor and reconciliation ask ---------------------------------------------

    def entry_levels(self, symbols: Iterable[str]) -> dict[str, ProtectiveLevels]:
        """Stop and target of the latest filled entry per symbol, so exits survive a restart."""
        ...

    def unsettled_intents(self) -> list[str]:
        """client_order_ids with no recorded order or a still-working one, sorted.

        Why: after a crash these must be looked up at the broker by client id before anything
        is resubmitted or the books are compared (invariant 3).
        """
        ...

    def net_positions(self) -> dict[str, Decimal]:
        """Signed quantity per symbol the recorded orders' fills imply (non-zero only).

        Why: start-up reconciliation compares it with the broker's positions; a difference
        halts trading until an operator explains it.
        """
        ...

    # -- what the operator's views ask ---------------------------------------------------------

    def order_book(
        self, *, thread_id: str | None = None, filled_only: bool = False, limit: int = 50
    ) -> list[BookedOrder]:
        """Newest intents first with their approved quantity and broker order, if any.

        Why here: the operator's ``orders``/``history``/``audit`` list across threads; asking
        the ledger keeps api/ off the tables.
        """
        ...
