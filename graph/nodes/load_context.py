"""load_context: portfolio from the broker, the universe, and one point-in-time market snapshot.

Unknown portfolio means no trading: a broker failure here ends the cycle at ``record`` with a
critical event instead of deciding against a guessed book. The snapshot goes into the context's
snapshot store once; the state carries only its reference, so checkpoints stay small and a resumed
thread reads this snapshot, not a newer one.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from domain import EventSeverity
from graph.context import TradingContext
from graph.nodes._common import event, request_of
from graph.state import CycleState
from tools.brokers.base import BrokerError
from tools.market_data.snapshot import build_snapshot

__all__ = ["load_context"]


def load_context(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    ctx = runtime.context
    request = request_of(state)
    now = ctx.clock.now()
    trading_state = ctx.ledger.trading_state()
    try:
        portfolio = ctx.broker.portfolio()
    except BrokerError as exc:
        return {
            "portfolio": None,
            "trading_state": trading_state,
            "events": [
                event(runtime, "load_context", EventSeverity.CRITICAL, f"portfolio unknown: {exc}")
            ],
        }
    universe = sorted(set(request.tickers) | set(portfolio.positions))
    market = build_snapshot(ctx.market_data, universe, as_of=now)
    market_ref = ctx.snapshots.put(market)
    events = [
        event(
            runtime,
            "load_context",
            EventSeverity.WARNING,
            "data not tradable: " + ", ".join(data.quality.detail or data.quality.issues),
            ticker=ticker,
        )
        for ticker, data in market.tickers.items()
        if not data.quality.tradable
    ]
    return {
        "portfolio": portfolio,
        "market_ref": market_ref,
        "trading_state": trading_state,
        "universe": universe,
        "events": events,
    }
