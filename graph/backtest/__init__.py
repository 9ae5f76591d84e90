"""The backtester: the production graph run over each exchange session through a simulated broker.

``run_backtest`` is the one entry point (the CLI's ``hedgegraph backtest`` and the tests call it);
``BacktestConfig`` says what to run and ``BacktestResult`` is what it did, session by session.
"""

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
