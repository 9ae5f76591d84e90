"""The ``rules`` research backend (the default): a quick deterministic evidence check.

The research agent (``research.backend: native``, see ``native_agent`` and ``rules_agent``) is
the fuller alternative; this check stays the default so a cycle's research costs nothing.

It answers the question research is asked ("does independent evidence support this candidate?")
with the evidence it can compute without an LLM: the direction of the 60-session trend and the
recent news tone must not contradict the majority of the strategy signals. It is honest about
what it cannot see: no bars means UNAVAILABLE, which the fail-closed policy turns into no trade.
"""

from __future__ import annotations

from domain import (
    Direction,
    MarketSnapshot,
    ResearchFinding,
    ResearchStance,
    StrategySignal,
)

__all__ = ["RulesResearch"]

_TREND_WINDOW = 60


class RulesResearch:
    name = "rules-research"

    def validate(
        self, ticker: str, signals: list[StrategySignal], snapshot: MarketSnapshot
    ) -> ResearchFinding:
        data = snapshot.get(ticker)
        if data is None or len(data.bars) < _TREND_WINDOW:
            return ResearchFinding(
                ticker=ticker,
                stance=ResearchStance.UNAVAILABLE,
                reason=f"fewer than {_TREND_WINDOW} bars to research",
            )
        bulls = sum(1 for s in signals if s.direction is Direction.BULLISH)
        bears = sum(1 for s in signals if s.direction is Direction.BEARISH)
        if bulls == bears:
            return ResearchFinding(
                ticker=ticker,
                stance=ResearchStance.DISAGREES,
                summary="strategy signals are split; no thesis to validate",
                confidence=0.5,
            )
        start, end = data.bars[-_TREND_WINDOW].close, data.bars[-1].close
        trend = (end - start) / start
        tones = [n.sentiment for n in data.news[:20] if n.sentiment is not None]
        tone = sum(tones) / len(tones) if tones else 0.0
        thesis_up = bulls > bears
        evidence_up = trend + 0.05 * tone
        agrees = (evidence_up > 0) == thesis_up
        summary = (
            f"{_TREND_WINDOW}-session trend {trend:+.1%}, news tone {tone:+.2f} over "
            f"{len(tones)} items vs thesis {'long' if thesis_up else 'short'}"
        )
        return ResearchFinding(
            ticker=ticker,
            stance=ResearchStance.AGREES if agrees else ResearchStance.DISAGREES,
            summary=summary,
            sources=(f"bars:{data.source}", f"news:{len(data.news)} items"),
            confidence=min(1.0, abs(trend) * 4 + 0.3),
        )
