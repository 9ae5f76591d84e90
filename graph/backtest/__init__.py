"""The backtester: the production graph run over each exchange session through a simulated broker.

``run_backtest`` is the one entry point (the CLI's ``hedgegraph backtest`` and the tests call it);
``BacktestConfig`` says what to run and ``BacktestResult`` is what it did, session by session.

The names are loaded on first use (PEP 562): ``python -m graph.backtest.risk_ratios``, the
statistics worker, must start without importing the graph.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.backtest.config import BacktestConfig
    from graph.backtest.results import BacktestResult, EquityPoint, SessionRecord, TradeRecord
    from graph.backtest.session import run_backtest

__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "EquityPoint",
    "SessionRecord",
    "TradeRecord",
    "run_backtest",
]

_HOME = {
    "BacktestConfig": "graph.backtest.config",
    "BacktestResult": "graph.backtest.results",
    "EquityPoint": "graph.backtest.results",
    "SessionRecord": "graph.backtest.results",
    "TradeRecord": "graph.backtest.results",
    "run_backtest": "graph.backtest.session",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)
