"""The one way a node reads the cycle's market snapshot: through its reference in the state.

Why one accessor: the snapshot lives in the runtime context's store, not in the checkpoints, and
every node (and every resume, in any process) must read the same snapshot that ``load_context``
took. Threads checkpointed before the snapshot moved out still carry it inline under ``market``;
they resume on that copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.runtime import Runtime

from domain import MarketSnapshot
from graph.context import TradingContext
from tools.market_data.snapshot_store import SnapshotRef

__all__ = ["market_of"]


def market_of(
    state: Mapping[str, Any], runtime: Runtime[TradingContext] | TradingContext
) -> MarketSnapshot | None:
    """The snapshot this cycle decided on, or ``None`` when ``load_context`` took none.

    ``runtime`` is the node's runtime, or its context for helpers that only hold the context.

    Raises ``SnapshotMissingError`` when the reference names a snapshot the store no longer has:
    a cycle must not go on against a different market than the one it started with.
    """
    ref: SnapshotRef | None = state.get("market_ref")
    if ref is not None:
        ctx = runtime if isinstance(runtime, TradingContext) else runtime.context
        return ctx.snapshots.get(ref)
    inline = state.get("market")
    return inline if isinstance(inline, MarketSnapshot) else None
