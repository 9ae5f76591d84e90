"""Research a trading candidate: ask the research agent about the signals' thesis, as a finding.

Why a question per candidate: research validates what the strategies claim. A candidate whose
signals lean long asks "does the evidence support a long position in T as of D?"; the answer's
stance then agrees (same direction), disagrees (the opposite, or neutral: no independent
support is not support), or the finding is unavailable when the answer did not pass validation
or stopped without one. Unavailable findings go to the configured policy (fail closed by default).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from config.settings import Settings
from domain import (
    Direction,
    MarketSnapshot,
    ResearchFinding,
    ResearchStance,
    StrategySignal,
)
from mazo_bridge.answer import Outlook, ResearchAnswer
from mazo_bridge.chat_factory import ResearchChatFactory, research_chat_factory
from mazo_bridge.rules_agent import RulesResearchAgent
from tools.market_data.provider import MarketDataProvider

__all__ = [
    "AgentResearchService",
    "Thesis",
    "candidate_question",
    "finding_from_answer",
    "thesis_of",
]

Thesis = Literal["long", "short"]


def thesis_of(signals: list[StrategySignal]) -> Thesis | None:
    """The direction most signals take; ``None`` when they are split (no thesis to validate)."""
    bulls = sum(1 for s in signals if s.direction is Direction.BULLISH)
    bears = sum(1 for s in signals if s.direction is Direction.BEARISH)
    if bulls == bears:
        return None
    return "long" if bulls > bears else "short"


def candidate_question(ticker: str, thesis: Thesis, snapshot: MarketSnapshot) -> str:
    day = snapshot.as_of.date().isoformat()
    return (
        f"Does the evidence support a {thesis} position in {ticker} as of {day}? "
        f"Check the price trend, the fundamentals, the news and insider trading."
    )


def finding_from_answer(ticker: str, thesis: Thesis, answer: ResearchAnswer) -> ResearchFinding:
    """Agrees / disagrees from a validated answer; unavailable (with why) from any other."""
    sources = answer.source_labels()
    if not answer.validated:
        why = "; ".join(answer.validation_errors) or "no validated answer"
        return ResearchFinding(
            ticker=ticker,
            stance=ResearchStance.UNAVAILABLE,
            summary=answer.summary,
            sources=sources,
            reason=f"research stopped ({answer.stop_reason.value}): {why}",
        )
    wanted = Outlook.BULLISH if thesis == "long" else Outlook.BEARISH
    agrees = answer.stance is wanted
    kind = "rules-only" if answer.rules_only else "agent"
    return ResearchFinding(
        ticker=ticker,
        stance=ResearchStance.AGREES if agrees else ResearchStance.DISAGREES,
        summary=answer.summary,
        sources=sources,
        confidence=answer.confidence,
        outlook=answer.stance.value,
        key_points=answer.key_points,
        risks=answer.risks,
        reason=(
            f"{kind} research is {answer.stance.value} vs a {thesis} thesis "
            f"({answer.stop_reason.value}, {answer.usage.tool_calls} tool calls)"
        ),
    )


class AgentResearchService:
    """``ResearchService`` over the native agent, or its rules-only path with no LLM."""

    def __init__(
        self,
        settings: Settings,
        market_data: MarketDataProvider,
        *,
        chat_for: ResearchChatFactory | None = None,
    ) -> None:
        self.settings = settings
        self.market_data = market_data
        self.chat_for = chat_for if chat_for is not None else research_chat_factory(settings)
        self.name = "native-research" if self.chat_for is not None else "rules-only-research"

    def research(
        self, question: str, tickers: list[str], snapshot: MarketSnapshot
    ) -> ResearchAnswer:
        cfg = self.settings.research
        if self.chat_for is None:
            answer, _ = RulesResearchAgent(self.market_data).research(
                question, tickers, as_of=snapshot.as_of, depth=cfg.depth
            )
            return answer
        from mazo_bridge.native_agent import NativeResearchAgent  # LangGraph only when used

        agent = NativeResearchAgent(
            self.market_data, self.chat_for, wall_cap_seconds=cfg.timeout_seconds
        )
        # one event loop per candidate: the node runs candidates on worker threads
        return asyncio.run(agent.research(question, tickers, as_of=snapshot.as_of, depth=cfg.depth))

    def validate(
        self, ticker: str, signals: list[StrategySignal], snapshot: MarketSnapshot
    ) -> ResearchFinding:
        thesis = thesis_of(signals)
        if thesis is None:
            return ResearchFinding(
                ticker=ticker,
                stance=ResearchStance.DISAGREES,
                summary="strategy signals are split; no thesis to validate",
                confidence=0.5,
                reason="no thesis",
            )
        answer = self.research(candidate_question(ticker, thesis, snapshot), [ticker], snapshot)
        return finding_from_answer(ticker, thesis, answer)
