"""The rules-only PM policy: trade on a confident, covered consensus; size by its strength."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from agents.portfolio_manager.clamp import RawChoice
from agents.portfolio_manager.consensus import Consensus
from config.settings import Thresholds
from domain import AllowedActions, ResearchFinding, ResearchStance, TradeAction

__all__ = ["rules_choice"]


def _sized(limit: Decimal, strength: float) -> Decimal:
    fraction = Decimal(str(round(min(max(strength, 0.0), 1.0), 4)))
    return (limit * fraction).to_integral_value(rounding=ROUND_FLOOR)


def rules_choice(
    allowed: AllowedActions,
    consensus: Consensus,
    research: ResearchFinding | None,
    thresholds: Thresholds,
) -> RawChoice:
    """Exits first (they only reduce risk), then entries that pass coverage and research."""
    score = consensus.score
    why = consensus.describe()
    strength = min(1.0, abs(score))
    long_qty, short_qty = allowed.limit(TradeAction.SELL), allowed.limit(TradeAction.COVER)
    if long_qty > 0 and consensus.coverage >= 1 and score <= thresholds.sell_score:
        return RawChoice(TradeAction.SELL, long_qty, strength, f"exit long: {why}")
    if short_qty > 0 and consensus.coverage >= 1 and score >= thresholds.buy_score:
        return RawChoice(TradeAction.COVER, short_qty, strength, f"cover short: {why}")
    if research is not None and research.stance is ResearchStance.DISAGREES:
        return RawChoice(TradeAction.HOLD, 0, 0.0, f"no entry: research disagrees; {why}")
    if consensus.coverage < thresholds.min_analyst_coverage:
        return RawChoice(
            TradeAction.HOLD,
            0,
            0.0,
            f"no entry: coverage {consensus.coverage} < {thresholds.min_analyst_coverage}; {why}",
        )
    if score >= thresholds.buy_score and allowed.limit(TradeAction.BUY) > 0:
        qty = _sized(allowed.limit(TradeAction.BUY), strength)
        return RawChoice(TradeAction.BUY, qty, strength, f"enter long: {why}")
    if score <= thresholds.sell_score and allowed.limit(TradeAction.SHORT) > 0:
        qty = _sized(allowed.limit(TradeAction.SHORT), strength)
        return RawChoice(TradeAction.SHORT, qty, strength, f"enter short: {why}")
    return RawChoice(TradeAction.HOLD, 0, 1.0 - strength, f"no action: {why}")
