"""analysts: one LangGraph task per analyst (Send fan-out); verdicts merge through the reducer.

Each task carries its tickers and references only (the snapshot's ``market_ref``, the candidates'
signals and research), never a copy of the market: LangGraph checkpoints every ``Send`` payload,
and a copy per analyst multiplied the checkpoint by the roster. Tasks read the snapshot through
the context's store, so all of them (and a resume) see the one snapshot ``load_context`` took.
Every task's calls start at once (bounded only by the LLM concurrency limit). An analyst that
raises is recorded as NO_SIGNAL with the reason; the rest of the roster runs on.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import NotRequired, TypedDict

from langgraph.runtime import Runtime
from langgraph.types import Send

from agents.analysts.base import AnalystRequest
from agents.analysts.registry import analyst_roster
from domain import (
    AnalystVerdict,
    MarketSnapshot,
    ResearchFinding,
    StrategySignal,
    VerdictSignal,
)
from graph.context import TradingContext
from graph.state import CycleState
from tools.llm.routing import grant_budget
from tools.market_data.snapshot_store import SnapshotRef

__all__ = ["AnalystTask", "fan_out_analysts", "run_analyst"]


class AnalystTask(TypedDict):
    analyst: str
    tickers: list[str]
    market_ref: SnapshotRef | None
    """The run's snapshot, read through ``TradingContext.snapshots``."""
    market: NotRequired[MarketSnapshot]
    """Only for threads checkpointed before snapshots moved out of the state."""
    signals: list[StrategySignal]
    research: dict[str, ResearchFinding]
    as_of: datetime


def fan_out_analysts(state: CycleState) -> list[Send]:
    ref = state.get("market_ref")
    legacy = state.get("market")
    if ref is not None:
        as_of = datetime.fromisoformat(ref["as_of"])
    else:
        assert legacy is not None, "routed here only after load_context took a snapshot"
        as_of = legacy.as_of
    tickers = state.get("candidates", [])
    wanted = set(tickers)
    research = {t: f for t, f in state.get("research", {}).items() if t in wanted}
    signals = [s for s in state.get("signals", []) if s.ticker in wanted]
    tasks = []
    for analyst in analyst_roster(list(state["request"].analysts) or None):
        task = AnalystTask(
            analyst=analyst.name,
            tickers=tickers,
            market_ref=ref,
            signals=signals,
            research=research,
            as_of=as_of,
        )
        if ref is None and legacy is not None:
            task["market"] = MarketSnapshot(
                as_of=legacy.as_of,
                tickers={t: legacy.tickers[t] for t in tickers if t in legacy.tickers},
            )
        tasks.append(Send("analyst", task))
    return tasks


def _market_of(task: AnalystTask, runtime: Runtime[TradingContext]) -> MarketSnapshot:
    inline = task.get("market")
    if inline is not None:
        return inline
    ref = task["market_ref"]
    assert ref is not None
    return runtime.context.snapshots.get(ref)


async def run_analyst(task: AnalystTask, runtime: Runtime[TradingContext]) -> CycleState:
    (analyst,) = analyst_roster([task["analyst"]])
    llm = runtime.context.llm
    market = _market_of(task, runtime)
    as_of = task["as_of"]
    if isinstance(as_of, str):  # JSON savers (Redis) give a Send payload's datetime back as text
        as_of = datetime.fromisoformat(as_of)
    grant_budget(llm, f"analyst:{analyst.name}", len(task["tickers"]))

    async def one(ticker: str) -> AnalystVerdict:
        data = market.get(ticker)
        if data is None:
            return AnalystVerdict(
                analyst=analyst.name,
                ticker=ticker,
                signal=VerdictSignal.INSUFFICIENT_DATA,
                confidence=0.0,
                reasoning="no market data for ticker",
            )
        request = AnalystRequest(
            ticker=ticker,
            data=data,
            signals=tuple(s for s in task["signals"] if s.ticker == ticker),
            research=task["research"].get(ticker),
            as_of=as_of,
        )
        try:
            return await analyst.analyze(request, llm)
        except Exception as exc:  # fail closed: an analyst crash is "no signal", never a trade
            return AnalystVerdict(
                analyst=analyst.name,
                ticker=ticker,
                signal=VerdictSignal.NO_SIGNAL,
                confidence=0.0,
                failure_reason=f"{type(exc).__name__}: {exc}",
            )

    verdicts = await asyncio.gather(*(one(t) for t in task["tickers"]))
    return {"analyst_verdicts": list(verdicts)}
