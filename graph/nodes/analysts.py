"""analysts: one LangGraph task per analyst (Send fan-out); verdicts merge through the reducer.

Each task carries only the candidates' data, so a task's checkpointed input stays small. An analyst
that raises is recorded as NO_SIGNAL with the reason; the rest of the roster runs on.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TypedDict

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

__all__ = ["AnalystTask", "fan_out_analysts", "run_analyst"]


class AnalystTask(TypedDict):
    analyst: str
    tickers: list[str]
    market: MarketSnapshot
    signals: list[StrategySignal]
    research: dict[str, ResearchFinding]
    as_of: datetime


def fan_out_analysts(state: CycleState) -> list[Send]:
    market = state["market"]
    assert market is not None
    tickers = state.get("candidates", [])
    subset = MarketSnapshot(
        as_of=market.as_of, tickers={t: market.tickers[t] for t in tickers if t in market.tickers}
    )
    research = dict(state.get("research", {}))
    return [
        Send(
            "analyst",
            AnalystTask(
                analyst=analyst.name,
                tickers=tickers,
                market=subset,
                signals=[s for s in state.get("signals", []) if s.ticker in tickers],
                research=research,
                as_of=market.as_of,
            ),
        )
        for analyst in analyst_roster(list(state["request"].analysts) or None)
    ]


async def run_analyst(task: AnalystTask, runtime: Runtime[TradingContext]) -> CycleState:
    (analyst,) = analyst_roster([task["analyst"]])
    llm = runtime.context.llm

    async def one(ticker: str) -> AnalystVerdict:
        data = task["market"].get(ticker)
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
            as_of=task["as_of"],
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
