"""Specifications the mutation run showed missing: the LLM PM's research guard and the clamp's
confidence and text handling (issue 9 item 14; see tests/mutation/README.md).

Every row here kills a mutant that survived the rest of the suite: the LLM portfolio manager
buying against research that disagrees was one of them.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel

from agents.portfolio_manager import RawChoice, clamp_choice, compute_allowed_actions, decide
from agents.portfolio_manager.consensus import Consensus
from agents.portfolio_manager.llm_policy import consensus_guard
from domain import (
    AllowedActions,
    AnalystVerdict,
    ResearchFinding,
    ResearchStance,
    TradeAction,
    TradeDecision,
    VerdictSignal,
)
from tests.unit.agents._factories import portfolio, risk, thresholds

T = TypeVar("T", bound=BaseModel)

FLAT = compute_allowed_actions("TEST", Decimal("100"), portfolio(), risk())
BULLISH = Consensus(score=0.8, coverage=3, failed=(), insufficient=())
BEARISH = Consensus(score=-0.8, coverage=3, failed=(), insufficient=())


def finding(stance: ResearchStance) -> ResearchFinding:
    return ResearchFinding(ticker="TEST", stance=stance, summary="research summary")


class AnsweringLLM:
    """The PM model's answer, fixed: the code under test is the guard around it."""

    model_name = "scripted"

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    async def ainvoke_structured(
        self, *, system: str, user: str, schema: type[T], purpose: str
    ) -> T:
        return schema.model_validate(self.answer)


async def llm_decision(answer: dict[str, Any], research: ResearchFinding | None) -> TradeDecision:
    verdicts = [
        AnalystVerdict(analyst=f"a{i}", ticker="TEST", signal=VerdictSignal.BULLISH, confidence=0.8)
        for i in range(3)
    ]
    return await decide(
        decision_id="dec-m",
        allowed=FLAT,
        verdicts=verdicts,
        signals=(),
        research=research,
        thresholds=thresholds(),
        risk=risk(),
        llm=AnsweringLLM(answer),
    )


async def test_the_llm_pm_never_buys_against_research_that_disagrees() -> None:
    decision = await llm_decision(
        {"action": "buy", "quantity": 30, "confidence": 0.9}, finding(ResearchStance.DISAGREES)
    )
    assert decision.action is TradeAction.HOLD and decision.quantity == 0
    assert "entry_against_research:buy->hold" in decision.clamps


@pytest.mark.parametrize("stance", [ResearchStance.AGREES, None])
async def test_the_llm_pm_buys_when_research_agrees_or_is_absent(
    stance: ResearchStance | None,
) -> None:
    research = finding(stance) if stance is not None else None
    decision = await llm_decision({"action": "buy", "quantity": 30, "confidence": 0.9}, research)
    assert decision.action is TradeAction.BUY and decision.quantity == 30
    assert decision.clamps == ()


GUARD_ROWS = [
    # action, consensus, research stance, expected action after the guard, expected note
    ("buy", BULLISH, ResearchStance.DISAGREES, TradeAction.HOLD, "entry_against_research:buy"),
    ("short", BEARISH, ResearchStance.DISAGREES, TradeAction.HOLD, "entry_against_research:short"),
    (" BUY ", BULLISH, ResearchStance.DISAGREES, TradeAction.HOLD, "entry_against_research:buy"),
    ("buy", BULLISH, ResearchStance.AGREES, None, None),
    ("buy", BULLISH, None, None, None),
    ("short", BEARISH, None, None, None),
    ("sell", BEARISH, ResearchStance.DISAGREES, None, None),  # exits never need research
    ("buy", BEARISH, None, TradeAction.HOLD, "entry_against_consensus:buy(-0.80)"),
    ("short", BULLISH, None, TradeAction.HOLD, "entry_against_consensus:short(+0.80)"),
]


@pytest.mark.parametrize(("action", "consensus", "stance", "want", "note"), GUARD_ROWS)
def test_consensus_guard_table(
    action: str,
    consensus: Consensus,
    stance: ResearchStance | None,
    want: TradeAction | None,
    note: str | None,
) -> None:
    choice = RawChoice(action, 30, 0.7, "model says so")
    research = finding(stance) if stance is not None else None
    guarded, notes = consensus_guard(choice, consensus, research, thresholds())
    if want is None:
        assert guarded is choice and notes == ()
        return
    assert guarded.action is want and guarded.quantity == 0
    assert guarded.confidence == 0.7 and guarded.reasoning == "model says so"
    assert notes == (f"{note}->hold",)


def test_too_little_coverage_holds_before_anything_else() -> None:
    thin = Consensus(score=0.9, coverage=1, failed=(), insufficient=())
    guarded, notes = consensus_guard(
        RawChoice("buy", 30), thin, finding(ResearchStance.DISAGREES), thresholds()
    )
    assert guarded.action is TradeAction.HOLD
    assert notes == ("entry_without_coverage:buy->hold",)


CONFIDENCE_ROWS = [
    # raw confidence, clamped value, recorded note (None: no note)
    (0.42, 0.42, None),
    (1.0, 1.0, None),
    (0.0, 0.0, None),
    ("0.25", 0.25, None),
    (85, 0.85, "percent_confidence:85.0->0.85"),
    (100, 1.0, "percent_confidence:100.0->1.0"),
    (1.5, 0.015, "percent_confidence:1.5->0.015"),
    (250, 1.0, "confidence_out_of_range:250.0->1.0"),
    (-3, 0.0, "confidence_out_of_range:-3.0->0.0"),
    (float("nan"), 0.0, "nan_confidence->0"),
    ("high", 0.0, "unparsable_confidence->0"),
    (None, 0.0, "unparsable_confidence->0"),
]


@pytest.mark.parametrize(("raw", "value", "note"), CONFIDENCE_ROWS)
def test_confidence_is_clamped_to_its_exact_value(
    raw: object, value: float, note: str | None
) -> None:
    decision = clamp_choice(
        decision_id="d", allowed=FLAT, choice=RawChoice("buy", 5, raw, "why"), policy="t"
    )
    assert math.isclose(decision.confidence, value, abs_tol=1e-12)
    assert decision.clamps == ((note,) if note is not None else ())


# -- one-share bounds (pm_clamp mutation run) -------------------------------------------------


def _allowed(buy: str) -> AllowedActions:
    return AllowedActions(
        ticker="TEST", reference_price=Decimal("100"), max_qty={TradeAction.BUY: Decimal(buy)}
    )


def _clamped(buy_limit: str, qty: object) -> TradeDecision:
    return clamp_choice(
        decision_id="d",
        allowed=_allowed(buy_limit),
        choice=RawChoice(action="buy", quantity=qty, confidence=0.5),
        policy="llm:test",
    )


def test_an_allowance_of_one_share_buys_one_share() -> None:
    decision = _clamped("1", 3)
    assert (decision.action, decision.quantity) == (TradeAction.BUY, Decimal(1))
    assert decision.clamps == ("quantity_above_max:buy:3->1",)


def test_a_one_share_choice_is_bought_as_chosen() -> None:
    decision = _clamped("10", 1)
    assert (decision.action, decision.quantity, decision.clamps) == (
        TradeAction.BUY,
        Decimal(1),
        (),
    )


def test_a_choice_exactly_at_the_allowance_is_not_clamped() -> None:
    decision = _clamped("7", 7)
    assert (decision.action, decision.quantity, decision.clamps) == (
        TradeAction.BUY,
        Decimal(7),
        (),
    )
