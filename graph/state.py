"""The graph's state schema and its reducers.

Fan-out nodes (the analysts) append through reducers instead of sharing a mutable dict; everything
else is replaced by the node that owns it. Every value is a frozen domain model so checkpoints
hold exactly what the nodes saw. The market snapshot is the exception by design: the state holds
its reference (``market_ref``: content hash, as-of, source) and the snapshot itself lives once per
run in the context's ``SnapshotStore``, so checkpoints stay small and a resume reads the very
snapshot the cycle started with (``graph.nodes.market_access.market_of``).
"""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from domain import (
    AnalystVerdict,
    ApprovalVerdict,
    GateVerdict,
    MarketSnapshot,
    Order,
    OrderIntent,
    PortfolioSnapshot,
    ResearchFinding,
    RunEvent,
    RunRequest,
    StrategySignal,
    TradeDecision,
    TradingStateRecord,
)
from tools.market_data.snapshot_store import SnapshotRef

__all__ = ["CycleState", "RunRequest"]


def _merge_dicts(left: dict[str, object], right: dict[str, object]) -> dict[str, object]:
    return {**left, **right}


class CycleState(TypedDict, total=False):
    request: RunRequest
    portfolio: PortfolioSnapshot | None
    market: MarketSnapshot | None
    """Inline snapshot of threads checkpointed before ``market_ref``; new cycles never set it."""
    market_ref: SnapshotRef | None
    trading_state: TradingStateRecord
    universe: list[str]
    signals: list[StrategySignal]
    candidates: list[str]
    research: Annotated[dict[str, ResearchFinding], _merge_dicts]
    analyst_verdicts: Annotated[list[AnalystVerdict], operator.add]
    decisions: list[TradeDecision]
    order_intents: list[OrderIntent]
    gate_verdicts: list[GateVerdict]
    approval: ApprovalVerdict | None
    orders: list[Order]
    events: Annotated[list[RunEvent], operator.add]
    recorded: bool
