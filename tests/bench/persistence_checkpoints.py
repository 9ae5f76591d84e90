"""Benchmark: checkpoint overhead per trading cycle, and concurrent cycles per second.

Run: ``python -m tests.bench.persistence_checkpoints [--cycles 20] [--rounds 5]``

A "cycle" is a graph shaped like the trading cycle (load_context -> strategy_engine -> analysts
fan-out -> portfolio_manager -> risk_gate -> execute -> record) whose nodes return realistic domain
objects (a market snapshot with bars, verdicts, intents, gate verdicts, orders), so each
checkpoint serializes what production does. Nodes do no other work: the time measured is the
graph plus the checkpointer. The script starts its own PostgreSQL and Valkey servers.

Reported, as medians over rounds measured side by side in one run (the machines are shared and
noisy, so ratios are the numbers to trust):
- per-cycle time with no checkpointer, and the overhead each saver adds per cycle;
- the same for the stock Redis saver, to price the pending-interrupt fix;
- cycles per second with 10 cycles in flight (async savers, distinct threads).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from domain import Bar, MarketSnapshot, TickerData
from graph.checkpoints.factory import aopen_checkpointer, open_checkpointer, setup_checkpointer
from graph.state import CycleState
from tests.fixtures.servers import fresh_database, running_postgres, running_redis
from tests.unit.persistence.state_factory import (
    AS_OF,
    analyst_verdicts,
    decision,
    full_trading_state,
    gate_verdict,
    order_for,
    order_intent,
)

TICKERS = ("AAPL", "MSFT", "NVDA", "GOOGL", "AMZN")
ANALYSTS = 6
BARS = 250


def _market() -> MarketSnapshot:
    start = AS_OF - timedelta(days=BARS)
    tickers = {}
    for n, ticker in enumerate(TICKERS):
        bars = tuple(
            Bar(
                ts=start + timedelta(days=d),
                open=100.0 + n + d * 0.1,
                high=101.0 + n + d * 0.1,
                low=99.0 + n + d * 0.1,
                close=100.5 + n + d * 0.1,
                volume=1e6 + d,
            )
            for d in range(BARS)
        )
        tickers[ticker] = TickerData(ticker=ticker, bars=bars, source="offline")
    return MarketSnapshot(as_of=AS_OF, tickers=tickers)


MARKET = _market()


def build_cycle(checkpointer: Any) -> Any:
    """The trading-cycle-shaped graph, compiled with ``checkpointer`` (``None`` for baseline)."""
    state = full_trading_state()

    def load_context(s: CycleState) -> dict[str, Any]:
        return {"portfolio": state["portfolio"], "market": MARKET, "universe": list(TICKERS)}

    def strategy_engine(s: CycleState) -> dict[str, Any]:
        return {"signals": state["signals"] * len(TICKERS), "candidates": list(TICKERS)}

    def fan_out(s: CycleState) -> list[Send]:
        return [Send("analyst", {"candidates": [t]}) for t in TICKERS for _ in range(ANALYSTS)]

    def analyst(s: dict[str, Any]) -> dict[str, Any]:
        return {"analyst_verdicts": analyst_verdicts(s["candidates"][0])[:1]}

    def portfolio_manager(s: CycleState) -> dict[str, Any]:
        return {"decisions": [decision(f"d-{t}", t) for t in TICKERS]}

    def risk_gate(s: CycleState) -> dict[str, Any]:
        thread = s["request"].thread_id
        intents = [order_intent(thread, f"d-{t}", t) for t in TICKERS]
        return {"order_intents": intents, "gate_verdicts": [gate_verdict(i) for i in intents]}

    def execute(s: CycleState) -> dict[str, Any]:
        return {"orders": [order_for(i) for i in s["order_intents"]]}

    def record(s: CycleState) -> dict[str, Any]:
        return {"recorded": True}

    builder = StateGraph(CycleState)
    for name, node in [
        ("load_context", load_context),
        ("strategy_engine", strategy_engine),
        ("analyst", analyst),
        ("portfolio_manager", portfolio_manager),
        ("risk_gate", risk_gate),
        ("execute", execute),
        ("record", record),
    ]:
        builder.add_node(name, node)  # type: ignore[call-overload]
    builder.add_edge(START, "load_context")
    builder.add_edge("load_context", "strategy_engine")
    builder.add_conditional_edges("strategy_engine", fan_out, ["analyst"])
    builder.add_edge("analyst", "portfolio_manager")
    for a, b in [("portfolio_manager", "risk_gate"), ("risk_gate", "execute")]:
        builder.add_edge(a, b)
    builder.add_edge("execute", "record")
    builder.add_edge("record", END)
    return builder.compile(checkpointer=checkpointer)


def _request(thread_id: str) -> dict[str, Any]:
    return {"request": full_trading_state(thread_id)["request"]}


def time_cycles(graph: Any, cycles: int) -> float:
    """Seconds per cycle, each cycle on a fresh thread."""
    started = time.perf_counter()
    for _ in range(cycles):
        thread_id = f"bench-{uuid.uuid4().hex[:12]}"
        graph.invoke(_request(thread_id), {"configurable": {"thread_id": thread_id}})
    return (time.perf_counter() - started) / cycles


async def concurrent_rate(url: str, cycles: int, in_flight: int = 10) -> float:
    """Cycles per second with ``in_flight`` cycles running at once on one async saver."""
    async with aopen_checkpointer(url, pool_size=in_flight) as saver:
        graph = build_cycle(saver)
        gate = asyncio.Semaphore(in_flight)

        async def one() -> None:
            async with gate:
                thread_id = f"conc-{uuid.uuid4().hex[:12]}"
                await graph.ainvoke(_request(thread_id), {"configurable": {"thread_id": thread_id}})

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(cycles)))
        return cycles / (time.perf_counter() - started)


def _stock_redis(url: str) -> Callable[[], Any]:
    def opened() -> Any:
        from langgraph.checkpoint.redis import RedisSaver

        from graph.checkpoints.serde import redis_checkpoint_serializer

        stack = ExitStack()
        saver = stack.enter_context(RedisSaver.from_conn_string(url))
        saver.serde = redis_checkpoint_serializer()
        saver.setup()
        return stack, saver

    return opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20, help="cycles per round per backend")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrent-cycles", type=int, default=40)
    args = parser.parse_args()

    with ExitStack() as servers:
        pg_server = servers.enter_context(running_postgres())
        redis_url = servers.enter_context(running_redis())
        pg_url = fresh_database(pg_server, "bench")
        setup_checkpointer(pg_url)
        sqlite_url = f"sqlite:////tmp/hg-bench-{uuid.uuid4().hex[:8]}.sqlite"
        urls = {"sqlite": sqlite_url, "postgres": pg_url, "redis": redis_url}

        with ExitStack() as savers:
            graphs = {"none": build_cycle(None)}
            for name, url in urls.items():
                graphs[name] = build_cycle(savers.enter_context(open_checkpointer(url)))
            stock_stack, stock_saver = _stock_redis(redis_url)()
            savers.enter_context(stock_stack)
            graphs["redis (stock saver)"] = build_cycle(stock_saver)
            for graph in graphs.values():  # warm up connections, indexes, imports
                time_cycles(graph, 2)
            samples: dict[str, list[float]] = {name: [] for name in graphs}
            for _ in range(args.rounds):
                for name, graph in graphs.items():
                    samples[name].append(time_cycles(graph, args.cycles))

        base = statistics.median(samples["none"])
        print(
            f"\nper-cycle time, median of {args.rounds} rounds x {args.cycles} cycles "
            f"({len(TICKERS)} tickers, {len(TICKERS) * ANALYSTS} analyst tasks, {BARS} bars each)"
        )
        print(f"  {'backend':<22}{'ms/cycle':>10}{'overhead ms':>13}{'x baseline':>12}")
        for name, values in samples.items():
            med = statistics.median(values)
            print(f"  {name:<22}{med * 1000:>10.1f}{(med - base) * 1000:>13.1f}{med / base:>12.2f}")

        print(
            f"\nconcurrent: {args.concurrent_cycles} cycles, 10 in flight (async savers), "
            f"median of {args.rounds} rounds"
        )
        for name, url in urls.items():
            rates = [
                asyncio.run(concurrent_rate(url, args.concurrent_cycles))
                for _ in range(args.rounds)
            ]
            print(
                f"  {name:<22}{statistics.median(rates):>8.1f} cycles/s  "
                f"(min {min(rates):.1f}, max {max(rates):.1f})"
            )
        print(f"\nmeasured at {datetime.now(UTC).isoformat(timespec='seconds')}")


if __name__ == "__main__":
    main()
