"""The session loop: the production graph, built and compiled once, run at each session's open.

For every NYSE session ``D`` from ``start`` to ``end``:

1. the clock is set to ``D``'s open; the broker marks every ticker at the last close the clock
   may know (``D-1``'s), which is also what the paper broker would quote at that moment;
2. the graph runs one cycle, exactly as a live cycle runs it (load_context, strategies, analysts,
   PM, risk gate, the one execution road, record), deciding on the bars through ``D-1``'s close;
   its orders rest at the simulated broker;
3. the clock moves to ``D``'s close, whose bar is now public, and the broker trades it: the
   orders fill at ``D``'s open plus slippage and commission, resting stops and targets are worked
   on the bar's range (gaps fill at the open);
4. what changed at the broker is written to the backtest's own ledger as the monitor would write
   it (fills, bracket legs), so the gate's memory (cooldowns, baselines) stays true; the account
   at ``D``'s close becomes a point of the equity curve.

Why no checkpointer: a closed day is never resumed, and the checkpoint writes were most of a
cycle's cost. The supervised approval needs one, so a backtest always runs autonomous. Why its
own store: the backtest's ledger lives in a folder of its own (a temporary one unless the caller
names one) and its broker is in memory: nothing reaches the live ledger, the paper account or any
broker client.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from agents.analysts.registry import UnknownAnalystError, analyst_roster
from config.settings import Settings
from domain import Order, RunRequest
from graph.backtest.config import BacktestConfig
from graph.backtest.data import PreloadedMarketData
from graph.backtest.ledger_sync import LedgerSync
from graph.backtest.results import BacktestResult, EquityPoint, SessionRecord
from graph.backtest.store import LEDGER_FILE, open_backtest_ledger
from graph.backtest.trades import TradeBook
from graph.builder import build_graph
from graph.checkpoints.locks import InProcessThreadLocks
from graph.context import TradingContext
from graph.cycle_result import thread_config
from graph.modes import WorkflowMode
from mazo_bridge.placeholder import RulesResearch
from tools.brokers.simulated import SimulatedBroker
from tools.clock import FixedClock
from tools.llm.base import StructuredLLM
from tools.llm.factory import build_llm
from tools.llm.guarded import GuardedLLM
from tools.llm.routing import RoutedLLM, run_scoped
from tools.market_data.bar_series import indexed
from tools.market_data.factory import build_market_data
from tools.market_data.provider import MarketDataProvider
from tools.market_data.sessions import nyse_sessions
from tools.market_data.snapshot_store import InProcessSnapshotStore

__all__ = ["BacktestInputError", "SessionProgress", "backtest_settings", "run_backtest"]

SessionProgress = Callable[[int, int, SessionRecord], None]
"""Called after each session with (sessions done, sessions in all, the session's record)."""


class BacktestInputError(ValueError):
    """The backtest cannot run as asked (no sessions in range, an unknown analyst, no data)."""


def backtest_settings(settings: Settings, config: BacktestConfig, home: Path) -> Settings:
    """``settings`` pointed at the backtest's own store, with the run's data and roster.

    DATABASE_URL, CHECKPOINT_URL and REDIS_URL are dropped: nothing a backtest writes may land
    in a production database, and the broker is forced to the paper family so nothing that
    reads the settings could think a real broker is in play.
    """
    update: dict[str, Any] = {
        "hedgegraph_home": home,
        "database_url": None,
        "checkpoint_url": None,
        "broker": "paper",
        "trading_mode": "paper",
        "trading_session_mode": "autonomous",
    }
    if config.data_dir is not None:
        update["data_providers"] = ["csv"]
        update["data_dir"] = config.data_dir
    if config.analysts is not None:
        update["analysts"] = list(config.analysts)
    if config.mode is not None:
        update["workflow_mode"] = WorkflowMode(config.mode).value
    return settings.model_copy(update=update)


async def _aclose(llm: StructuredLLM | None) -> None:
    if isinstance(llm, RoutedLLM | GuardedLLM):
        await llm.aclose()


def _llm_calls(llm: StructuredLLM | None) -> int:
    """Requests this run's LLM copy sent to a provider (retries counted; cache hits are not)."""
    if isinstance(llm, RoutedLLM):
        return sum(call.attempts for call in llm.calls if call.outcome != "cached")
    if isinstance(llm, GuardedLLM):
        return llm.stats.provider_calls
    return 0


async def run_backtest(
    config: BacktestConfig,
    settings: Settings,
    *,
    store: Path | None = None,
    on_session: SessionProgress | None = None,
    market_data: MarketDataProvider | None = None,
) -> BacktestResult:
    """Run ``config`` over every NYSE session in its range and return what happened.

    Args:
        config: what to run.
        settings: the validated settings; LLM providers, thresholds and risk limits come from
            them, the store, broker and data source never do (see ``backtest_settings``).
        store: where the backtest's ledger lives (default: a temporary folder, removed after).
        on_session: progress callback (the CLI's progress bar).
        market_data: the provider to read instead of the configured one (a host's own source;
            tests record what the backtest asks of it). Its reads are point-in-time as usual.

    Raises:
        BacktestInputError: no session in range, an unknown analyst, or no bars for a ticker.
    """
    table = nyse_sessions()
    days = table.between(config.start, config.end)
    if not days:
        raise BacktestInputError(f"no NYSE session between {config.start} and {config.end}")
    with ExitStack() as stack:
        home = store or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backtest-")))
        home.mkdir(parents=True, exist_ok=True)
        if (home / LEDGER_FILE).exists():
            raise BacktestInputError(
                f"store: {home} already holds a backtest's ledger; a backtest starts from an "
                "empty account, so give it a new folder"
            )
        bt = backtest_settings(settings, config, home)
        try:
            roster = tuple(a.name for a in analyst_roster(bt.analysts))
        except UnknownAnalystError as exc:
            raise BacktestInputError(f"analysts: {exc}") from None
        mode = WorkflowMode(bt.workflow_mode)
        clock = FixedClock(table.open_at(days[0]))
        first = days[0] - timedelta(days=config.lookback_days + 7)
        symbols = [*config.tickers, *([config.benchmark] if config.benchmark else [])]
        data = PreloadedMarketData(
            market_data or build_market_data(bt),
            symbols,
            first=first,
            through=table.close_at(days[-1]),
        )
        # windows read as slices of the whole history by strategies and data checks (exact)
        stack.enter_context(indexed(data.histories()))
        missing = [t for t in config.tickers if not data.has_bars(t)]
        if missing:
            raise BacktestInputError(
                f"tickers: no bars for {', '.join(missing)} in the data ({data.name})"
            )
        notes: list[str] = []
        benchmark = config.benchmark
        if benchmark is not None and data.bar_on(benchmark, days[-1]) is None:
            notes.append(f"benchmark {benchmark}: no bars through {days[-1]} in the data")
            benchmark = None
        broker = SimulatedBroker(
            starting_cash=config.initial_cash,
            clock=clock,
            slippage_bps=config.slippage_bps,
            commission_per_share=config.commission_per_share,
        )
        ledger = open_backtest_ledger(
            home,
            template_cache=settings.hedgegraph_home / "backtest_templates",
            throwaway=store is None,
        )
        stack.callback(ledger.close)
        # The prompt cache lives in the user's home (``settings``), not the backtest's store, so
        # a re-run of the same period finds every answer and makes no call.
        llm = build_llm(settings.model_copy(update={"analysts": bt.analysts}))
        context = TradingContext(
            settings=bt,
            market_data=data,
            broker=broker,
            ledger=ledger,
            research=RulesResearch(),
            clock=clock,
            llm=llm,
            thread_locks=InProcessThreadLocks(),
            alerts=None,
            snapshots=InProcessSnapshotStore(max_entries=2),
        )
        graph = build_graph(mode, sync_nodes_on_loop=True).compile()
        sync = LedgerSync(ledger)
        book = TradeBook()
        sessions: list[SessionRecord] = []
        equity: list[EquityPoint] = []
        decision_ids: dict[str, str] = {}
        llm_calls = 0
        try:
            for n, day in enumerate(days, start=1):
                opened_at, closed_at = table.open_at(day), table.close_at(day)
                clock.advance(opened_at - clock.now())
                marks = {t: data.last_close(t, opened_at) for t in config.tickers}
                broker.mark({t: p for t, p in marks.items() if p is not None})
                run_llm = run_scoped(llm)
                record = await _cycle(
                    graph, dataclasses.replace(context, llm=run_llm), day, mode, config.tickers
                )
                llm_calls += _llm_calls(run_llm)
                for order in record.orders:
                    decision_ids[order.client_order_id] = _decision_of(record, order)
                clock.advance(closed_at - clock.now())
                bars = {t: b for t in config.tickers if (b := data.bar_on(t, day)) is not None}
                fills = broker.trade_session(bars, opened_at=opened_at, closed_at=closed_at)
                sync.record(broker)
                book.add(fills, day=day, decision_ids=decision_ids)
                portfolio = broker.portfolio()
                bench = data.bar_on(benchmark, day) if benchmark else None
                equity.append(
                    EquityPoint(
                        day=day,
                        equity=portfolio.equity,
                        cash=portfolio.cash,
                        gross_exposure=portfolio.gross_exposure,
                        benchmark_close=bench.close if bench is not None else None,
                    )
                )
                sessions.append(
                    record.model_copy(update={"closes": {t: b.close for t, b in bars.items()}})
                )
                if on_session is not None:
                    on_session(n, len(days), record)
        finally:
            await _aclose(llm)
    return BacktestResult(
        tickers=config.tickers,
        start=days[0],
        end=days[-1],
        initial_cash=config.initial_cash,
        analysts=roster,
        mode=mode.value,
        slippage_bps=config.slippage_bps,
        commission_per_share=config.commission_per_share,
        benchmark=benchmark,
        sessions=tuple(sessions),
        trades=tuple(book.records),
        equity=tuple(equity),
        hit_horizon=config.hit_horizon,
        llm_calls=llm_calls,
        notes=tuple(notes),
    )


def _decision_of(record: SessionRecord, order: Order) -> str:
    for verdict in record.gate_verdicts:
        if verdict.intent.client_order_id == order.client_order_id:
            return verdict.intent.decision_id
    return ""


async def _cycle(
    graph: Any, context: TradingContext, day: date, mode: WorkflowMode, tickers: tuple[str, ...]
) -> SessionRecord:
    """One session's cycle through the compiled graph; its final state read back as a record."""
    request = RunRequest(
        thread_id=f"backtest-{day.isoformat()}",
        tickers=tickers,
        mode=mode.value,
        session_mode="autonomous",
        analysts=tuple(context.settings.analysts or ()),
    )
    state = await graph.ainvoke(
        {"request": request}, thread_config(request.thread_id), context=context
    )
    return SessionRecord(
        day=day,
        decided_at=context.clock.now(),
        thread_id=request.thread_id,
        analyst_verdicts=tuple(state.get("analyst_verdicts", [])),
        decisions=tuple(state.get("decisions", [])),
        gate_verdicts=tuple(state.get("gate_verdicts", [])),
        orders=tuple(state.get("orders", [])),
    )
