"""The LLM PM policy: the model picks an action and size; code checks it against the numbers.

Why the consensus guard: the model reads analyst reasoning and research summaries, which quote
untrusted text. An entry the analysts' numbers do not point to (a buy on a bearish consensus,
or any entry with too little coverage or against research) is clamped to hold and recorded, so a
prompt injection can change nothing beyond what the numbers justify.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from agents.portfolio_manager.clamp import RawChoice
from agents.portfolio_manager.consensus import Consensus
from agents.prompts import PM_ANSWER, PM_ROLE, data_rules, research_brief
from config.settings import Thresholds
from domain import (
    AllowedActions,
    AnalystVerdict,
    ResearchFinding,
    ResearchStance,
    StrategySignal,
    TradeAction,
)
from tools.llm.base import LLMError, StructuredLLM

__all__ = ["PMAnswer", "consensus_guard", "llm_choice", "pm_prompt"]

PM_SYSTEM = f"{PM_ROLE}\n\n{data_rules(PM_ANSWER)}"


class PMAnswer(BaseModel):
    """The PM model's raw answer; clamped afterwards, so loose types are accepted here."""

    model_config = ConfigDict(extra="ignore")

    action: str = Field(max_length=64)
    quantity: float
    confidence: float = 0.5
    reasoning: str = Field(default="", max_length=4000)


def pm_prompt(
    allowed: AllowedActions,
    consensus: Consensus,
    verdicts: Sequence[AnalystVerdict],
    signals: Sequence[StrategySignal],
    research: ResearchFinding | None,
) -> tuple[str, str]:
    payload = {
        "ticker": allowed.ticker,
        "reference_price": str(allowed.reference_price),
        "allowed_max_quantity": {a.value: str(q) for a, q in allowed.max_qty.items()},
        "consensus_score": round(consensus.score, 4),
        "directional_coverage": consensus.coverage,
        "analysts": [
            {
                "analyst": v.analyst,
                "signal": v.signal.value,
                "confidence": v.confidence,
                "reasoning": v.reasoning[:500],
            }
            # by analyst: fan-out tasks finish in any order, and the prompt (so its cache key
            # and audit hash) must depend only on what the analysts said, not when
            for v in sorted(verdicts, key=lambda v: v.analyst)
            if v.ticker == allowed.ticker
        ],
        "strategy_signals": [
            s.model_dump(mode="json") for s in signals if s.ticker == allowed.ticker
        ],
        "research": None if research is None else research_brief(research),
    }
    user = (
        f"Decide for {allowed.ticker}.\n<data>\n"
        + json.dumps(payload, sort_keys=True)
        + "\n</data>"
    )
    return PM_SYSTEM, user


def consensus_guard(
    choice: RawChoice,
    consensus: Consensus,
    research: ResearchFinding | None,
    thresholds: Thresholds,
) -> tuple[RawChoice, tuple[str, ...]]:
    """Turn an entry the numbers do not support into hold, recording why."""
    action = str(choice.action).strip().lower()
    wanted = {"buy": 1.0, "short": -1.0}.get(action)
    if wanted is None:
        return choice, ()
    reason = None
    if consensus.coverage < thresholds.min_analyst_coverage:
        reason = f"entry_without_coverage:{action}->hold"
    elif consensus.score * wanted <= 0:
        reason = f"entry_against_consensus:{action}({consensus.score:+.2f})->hold"
    elif research is not None and research.stance is ResearchStance.DISAGREES:
        reason = f"entry_against_research:{action}->hold"
    if reason is None:
        return choice, ()
    return RawChoice(TradeAction.HOLD, 0, choice.confidence, choice.reasoning), (reason,)


async def llm_choice(
    llm: StructuredLLM,
    allowed: AllowedActions,
    consensus: Consensus,
    verdicts: Sequence[AnalystVerdict],
    signals: Sequence[StrategySignal],
    research: ResearchFinding | None,
    thresholds: Thresholds,
) -> tuple[RawChoice, tuple[str, ...]]:
    """The model's choice after the guard; an LLM failure is a recorded no-trade, never a trade."""
    system, user = pm_prompt(allowed, consensus, verdicts, signals, research)
    try:
        answer = await llm.ainvoke_structured(
            system=system,
            user=user,
            schema=PMAnswer,
            purpose=f"portfolio_manager:{allowed.ticker}",
        )
    except LLMError as exc:
        return (
            RawChoice(TradeAction.HOLD, 0, 0.0, f"no trade: portfolio-manager LLM failed ({exc})"),
            (f"llm_failure:{exc.reason}->no_trade",),
        )
    raw = RawChoice(answer.action, answer.quantity, answer.confidence, answer.reasoning)
    return consensus_guard(raw, consensus, research, thresholds)
