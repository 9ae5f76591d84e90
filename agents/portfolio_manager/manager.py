"""The portfolio manager: one decision per ticker, chosen inside the code-computed envelope."""

from __future__ import annotations

from collections.abc import Sequence

from agents.portfolio_manager.clamp import clamp_choice
from agents.portfolio_manager.consensus import consensus_of
from agents.portfolio_manager.levels import protective_levels
from agents.portfolio_manager.llm_policy import llm_choice
from agents.portfolio_manager.rules_policy import rules_choice
from config.settings import RiskParameters, Thresholds
from domain import (
    AllowedActions,
    AnalystVerdict,
    ResearchFinding,
    StrategySignal,
    TradeDecision,
)
from tools.llm.base import StructuredLLM
from tools.llm.routing import llm_for

__all__ = ["decide"]


async def decide(
    *,
    decision_id: str,
    allowed: AllowedActions,
    verdicts: Sequence[AnalystVerdict],
    signals: Sequence[StrategySignal],
    research: ResearchFinding | None,
    thresholds: Thresholds,
    risk: RiskParameters,
    llm: StructuredLLM | None,
) -> TradeDecision:
    """Rules-only when ``llm`` is None; otherwise the LLM chooses and code guards and clamps.

    Never raises for LLM problems: a failed PM call is a HOLD with ``llm_failure`` in ``clamps``.
    Stop-loss and take-profit are set for entries only, from the strategy signal or the defaults.
    """
    consensus = consensus_of(allowed.ticker, verdicts)
    llm = llm_for(llm, "portfolio_manager")
    notes: tuple[str, ...] = ()
    if llm is None:
        choice = rules_choice(allowed, consensus, research, thresholds)
        policy = "rules"
    else:
        choice, notes = await llm_choice(
            llm, allowed, consensus, verdicts, signals, research, thresholds
        )
        policy = f"llm:{llm.model_name}"
    decision = clamp_choice(
        decision_id=decision_id, allowed=allowed, choice=choice, policy=policy, clamps=notes
    )
    stop, target = protective_levels(
        action=decision.action,
        ticker=allowed.ticker,
        reference_price=allowed.reference_price,
        signals=signals,
        risk=risk,
    )
    if research is not None:  # the audit row keeps the research this decision saw
        decision = decision.model_copy(update={"research": research})
    if stop is None:
        return decision
    return decision.model_copy(update={"stop_loss": stop, "take_profit": target})
