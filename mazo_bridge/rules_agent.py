"""Research with no LLM: a deterministic plan over the same tools, stance from explicit rules.

Why it exists: research must run on the embedded default (no keys, no model). It is honest about
what it is: the answer is marked ``rules_only``, its summary quotes only numbers the tools
returned (it passes the same number check as a model's draft), and its key points name each rule
that moved the stance.

The rules, per ticker, each worth one point for or against:
- trend: the 60-session change above +2 % (for) or below -2 % (against);
- news tone: average provider sentiment above +0.1 or below -0.1;
- insiders: more buying than selling filings (for), more selling (against);
- valuation: a P/E below 15 (for) or above 40 (against).
Two points net make the stance bullish (or bearish); less is neutral.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mazo_bridge.answer import Outlook, ResearchAnswer, ResearchUsage, StopReason
from mazo_bridge.depth import ResearchDepth, budget_for
from mazo_bridge.evidence import unsupported_numbers
from mazo_bridge.toolbox import ResearchToolbox, ToolResult
from tools.market_data.provider import MarketDataProvider

__all__ = ["RulesResearchAgent", "rules_plan"]

_PLAN: tuple[tuple[str, dict[str, Any]], ...] = (
    ("get_prices", {"lookback_sessions": 60}),
    ("get_financial_metrics", {"periods": 1}),
    ("get_news", {"limit": 20}),
    ("get_insider_trades", {"limit": 20}),
)


def rules_plan(tickers: Sequence[str], tool_calls: int) -> list[tuple[str, dict[str, Any]]]:
    """Tool-major order (prices for every ticker first), cut at the depth's tool budget."""
    plan = [(tool, {"ticker": t, **args}) for tool, args in _PLAN for t in tickers]
    return plan[:tool_calls]


@dataclass(frozen=True, slots=True)
class _Reading:
    points: int
    notes: list[str]
    summary: list[str]
    risks: list[str]


def _read(ticker: str, outputs: dict[str, dict[str, Any]]) -> _Reading:
    points, notes, summary, risks = 0, [], [], []
    prices = outputs.get("get_prices", {})
    if prices.get("sessions"):
        change = float(prices["change_pct"])
        summary.append(
            f"last close {prices['last_close']}, {prices['sessions']}-session change "
            f"{prices['change_pct']:+}% (range {prices['low']} to {prices['high']})"
        )
        if change > 2:
            points += 1
            notes.append(f"{ticker} trend +1: {prices['change_pct']:+}% > +2%")
        elif change < -2:
            points -= 1
            notes.append(f"{ticker} trend -1: {prices['change_pct']:+}% < -2%")
    periods = outputs.get("get_financial_metrics", {}).get("periods") or []
    if periods:
        latest = periods[0]
        pe = latest.get("price_to_earnings_ratio")
        margin = latest.get("net_margin")
        if pe is not None:
            summary.append(f"P/E {pe} ({latest['report_period']})")
            if pe < 15:
                points += 1
                notes.append(f"{ticker} valuation +1: P/E {pe} < 15")
            elif pe > 40:
                points -= 1
                notes.append(f"{ticker} valuation -1: P/E {pe} > 40")
        if margin is not None:
            summary.append(f"net margin {margin}")
        debt = latest.get("debt_to_equity")
        if debt is not None and debt > 1.5:
            risks.append(f"{ticker} leverage: debt to equity {debt}")
    news = outputs.get("get_news", {})
    tone = news.get("avg_sentiment")
    if tone is not None:
        summary.append(f"news tone {tone:+} over {news['items']} items")
        if tone > 0.1:
            points += 1
            notes.append(f"{ticker} news +1: tone {tone:+} > +0.1")
        elif tone < -0.1:
            points -= 1
            notes.append(f"{ticker} news -1: tone {tone:+} < -0.1")
    insider = outputs.get("get_insider_trades", {})
    if insider.get("trades"):
        buys, sells = insider["buys"], insider["sells"]
        summary.append(f"insiders {buys} buys / {sells} sells, net {insider['net_shares']} shares")
        if buys > sells:
            points += 1
            notes.append(f"{ticker} insiders +1: {buys} buys > {sells} sells")
        elif sells > buys:
            points -= 1
            notes.append(f"{ticker} insiders -1: {sells} sells > {buys} buys")
    if not summary:
        risks.append(f"{ticker}: no data returned by the tools")
    return _Reading(points, notes, summary, risks)


class RulesResearchAgent:
    """Answers a research question from the offline (or any) data layer with no LLM."""

    def __init__(self, provider: MarketDataProvider) -> None:
        self.provider = provider

    def research(
        self,
        question: str,
        tickers: Sequence[str],
        *,
        as_of: datetime,
        depth: ResearchDepth | str = ResearchDepth.QUICK,
        toolbox: ResearchToolbox | None = None,
        progress: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> tuple[ResearchAnswer, ResearchToolbox]:
        """The answer and the toolbox that holds every tool result it read.

        ``progress`` receives the same ``(kind, detail)`` events as the native agent's.
        """
        started = time.monotonic()
        budget = budget_for(depth)
        box = toolbox or ResearchToolbox(self.provider, as_of)
        wanted = [t.strip().upper() for t in tickers if t.strip()]
        plan = rules_plan(wanted, budget.tool_calls)
        tell = progress or (lambda kind, detail: None)
        tell("plan", {"step": 1, "tasks": [{"tool": t, "ticker": a["ticker"]} for t, a in plan]})
        results: list[ToolResult] = []
        for tool, args in plan:
            result = box.call(tool, args)
            results.append(result)
            tell(
                "tool",
                {
                    "call_id": result.call_id,
                    "tool": tool,
                    "args": result.args,
                    "status": result.status,
                },
            )
        full_plan = len(rules_plan(wanted, 10**6))
        stop = StopReason.ANSWERED if len(plan) == full_plan else StopReason.TOOL_CALL_BUDGET
        by_ticker: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in wanted}
        for r in results:
            if r.ok:
                by_ticker[str(r.args["ticker"])][r.tool] = json.loads(r.output)
        readings = {t: _read(t, by_ticker[t]) for t in wanted}
        net = sum(r.points for r in readings.values())
        per = net / max(1, len(wanted))
        stance = Outlook.BULLISH if per >= 2 else Outlook.BEARISH if per <= -2 else Outlook.NEUTRAL
        summary = "; ".join(
            f"{t}: {', '.join(r.summary) or 'no data'}" for t, r in readings.items()
        )
        key_points = tuple(n for r in readings.values() for n in r.notes) or (
            "no rule moved the stance",
        )
        risks = tuple(x for r in readings.values() for x in r.risks)
        texts = [summary, *key_points, *risks]
        evidence = [question, *(r.output for r in results if r.ok)]
        missing = unsupported_numbers(texts, evidence)
        answer = ResearchAnswer(
            question=question,
            tickers=tuple(wanted),
            as_of=as_of,
            depth=str(ResearchDepth(depth)),
            summary=summary or "no tickers to research",
            stance=stance,
            confidence=min(0.9, 0.3 + 0.15 * abs(per)),
            key_points=key_points,
            risks=risks,
            sources=box.sources([r.call_id for r in results]),
            rules_only=True,
            stop_reason=stop,
            validated=not missing and bool(wanted),
            validation_errors=tuple(f"number {n} not in any tool output" for n in missing),
            usage=ResearchUsage(
                planning_steps=1,
                tool_calls=len(box.executed),
                refused_calls=len(box.refused),
                wall_seconds=round(time.monotonic() - started, 3),
            ),
        )
        tell("answer", {"answer": answer.model_dump(mode="json")})
        return answer, box
