"""The PM: rules-policy scenarios, LLM-policy guards and the envelope property."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from agents.portfolio_manager import compute_allowed_actions, decide
from agents.portfolio_manager.llm_policy import PMAnswer
from domain import (
    AllowedActions,
    AnalystVerdict,
    Direction,
    ResearchFinding,
    ResearchStance,
    StrategySignal,
    TradeAction,
    TradeDecision,
    VerdictSignal,
)
from tests.unit.agents._factories import portfolio, risk, thresholds
from tools.llm.base import LLMError

T = TypeVar("T", bound=BaseModel)


def verdict(name: str, signal: VerdictSignal, confidence: float = 0.8) -> AnalystVerdict:
    return AnalystVerdict(analyst=name, ticker="TEST", signal=signal, confidence=confidence)


BULL, BEAR, NEUT = VerdictSignal.BULLISH, VerdictSignal.BEARISH, VerdictSignal.NEUTRAL
NOSIG, INSUF = VerdictSignal.NO_SIGNAL, VerdictSignal.INSUFFICIENT_DATA
FLAT = compute_allowed_actions("TEST", Decimal("100"), portfolio(), risk())
LONG = compute_allowed_actions(
    "TEST", Decimal("100"), portfolio(cash="95000", positions={"TEST": ("50", "100")}), risk()
)
SHORT_OK = compute_allowed_actions("TEST", Decimal("100"), portfolio(), risk(allow_shorts=True))
SHORTED = compute_allowed_actions(
    "TEST",
    Decimal("100"),
    portfolio(cash="105000", positions={"TEST": ("-50", "100")}),
    risk(allow_shorts=True),
)
BULL_SIGNAL = StrategySignal(
    strategy="momentum", ticker="TEST", direction=Direction.BULLISH, confidence=0.7,
    entry=100.0, stop=94.0, target=115.0,
)  # fmt: skip


async def run(
    allowed: AllowedActions,
    verdicts: list[AnalystVerdict],
    *,
    research: ResearchFinding | None = None,
    signals: tuple[StrategySignal, ...] = (),
    llm: Any = None,
) -> TradeDecision:
    return await decide(
        decision_id="dec-1",
        allowed=allowed,
        verdicts=verdicts,
        signals=signals,
        research=research,
        thresholds=thresholds(),
        risk=risk(),
        llm=llm,
    )


RULES_SCENARIOS = [
    ("bullish consensus buys, sized by strength", FLAT, [BULL, BULL, NEUT], TradeAction.BUY, 53),
    ("strong consensus buys near the max", FLAT, [BULL, BULL], TradeAction.BUY, 80),
    ("one directional verdict is not coverage", FLAT, [BULL, NOSIG, INSUF], TradeAction.HOLD, 0),
    ("failures carry no weight", FLAT, [BULL, BULL, NOSIG, NOSIG, NOSIG], TradeAction.BUY, 80),
    ("insufficient data carries no weight", FLAT, [BEAR, BEAR, INSUF, INSUF], TradeAction.HOLD, 0),
    ("bearish consensus exits a long in full", LONG, [BEAR, BEAR], TradeAction.SELL, 50),
    ("bearish consensus, shorts off: hold", FLAT, [BEAR, BEAR], TradeAction.HOLD, 0),
    ("bearish consensus shorts when allowed", SHORT_OK, [BEAR, BEAR], TradeAction.SHORT, 80),
    ("bullish consensus covers a short", SHORTED, [BULL, BULL], TradeAction.COVER, 50),
    ("mixed views hold", FLAT, [BULL, BEAR, NEUT], TradeAction.HOLD, 0),
    ("all failed: no trade", FLAT, [NOSIG, NOSIG, NOSIG], TradeAction.HOLD, 0),
]


@pytest.mark.parametrize(
    ("title", "allowed", "signals", "action", "qty"),
    RULES_SCENARIOS,
    ids=[s[0] for s in RULES_SCENARIOS],
)
async def test_rules_policy(
    title: str,
    allowed: AllowedActions,
    signals: list[VerdictSignal],
    action: TradeAction,
    qty: int,
) -> None:
    verdicts = [verdict(f"a{i}", s) for i, s in enumerate(signals)]
    decision = await run(allowed, verdicts)
    assert decision.action is action, decision.reasoning
    assert decision.quantity == Decimal(qty)
    assert decision.policy == "rules" and decision.decision_id == "dec-1"
    assert decision.quantity <= allowed.limit(decision.action)


async def test_entry_levels_come_from_the_signal_else_the_defaults() -> None:
    with_signal = await run(FLAT, [verdict("a", BULL), verdict("b", BULL)], signals=(BULL_SIGNAL,))
    assert (with_signal.stop_loss, with_signal.take_profit) == (Decimal("94.00"), Decimal("115.00"))
    default = await run(FLAT, [verdict("a", BULL), verdict("b", BULL)])
    assert (default.stop_loss, default.take_profit) == (Decimal("95.00"), Decimal("110.00"))
    short = await run(SHORT_OK, [verdict("a", BEAR), verdict("b", BEAR)], signals=(BULL_SIGNAL,))
    assert short.action is TradeAction.SHORT
    assert (short.stop_loss, short.take_profit) == (Decimal("105.00"), Decimal("90.00"))
    exit_ = await run(LONG, [verdict("a", BEAR), verdict("b", BEAR)])
    assert exit_.stop_loss is None and exit_.take_profit is None


async def test_research_disagreement_blocks_entries_not_exits() -> None:
    disagree = ResearchFinding(ticker="TEST", stance=ResearchStance.DISAGREES, summary="no")
    blocked = await run(FLAT, [verdict("a", BULL), verdict("b", BULL)], research=disagree)
    assert blocked.action is TradeAction.HOLD and "research disagrees" in blocked.reasoning
    exit_ = await run(LONG, [verdict("a", BEAR), verdict("b", BEAR)], research=disagree)
    assert exit_.action is TradeAction.SELL


class ScriptedLLM:
    """A StructuredLLM stand-in for the PM's unit tests: returns a fixed answer or raises."""

    model_name = "scripted"

    def __init__(self, answer: dict[str, Any] | LLMError) -> None:
        self.answer = answer
        self.prompts: list[tuple[str, str]] = []

    async def ainvoke_structured(
        self, *, system: str, user: str, schema: type[T], purpose: str
    ) -> T:
        self.prompts.append((system, user))
        if isinstance(self.answer, LLMError):
            raise self.answer
        return schema.model_validate(self.answer)


LLM_CASES = [
    ({"action": "buy", "quantity": 30, "confidence": 0.8}, [BULL, BULL], TradeAction.BUY, 30, None),
    (
        {"action": "buy", "quantity": 1e9, "confidence": 0.8},
        [BULL, BULL],
        TradeAction.BUY,
        100,
        "quantity_above_max",
    ),
    (
        {"action": "buy", "quantity": -4, "confidence": 0.8},
        [BULL, BULL],
        TradeAction.HOLD,
        0,
        "negative_quantity",
    ),
    (
        {"action": "liquidate_all", "quantity": 5},
        [BULL, BULL],
        TradeAction.HOLD,
        0,
        "unknown_action",
    ),
    ({"action": "short", "quantity": 5}, [BEAR, BEAR], TradeAction.HOLD, 0, "action_not_allowed"),
    (
        {"action": "buy", "quantity": 30},
        [BEAR, BEAR],
        TradeAction.HOLD,
        0,
        "entry_against_consensus",
    ),
    (
        {"action": "buy", "quantity": 30},
        [BULL, NOSIG],
        TradeAction.HOLD,
        0,
        "entry_without_coverage",
    ),
    (
        LLMError("timeout", "no answer in 5 s"),
        [BULL, BULL],
        TradeAction.HOLD,
        0,
        "llm_failure:timeout",
    ),
]


@pytest.mark.parametrize(("answer", "signals", "action", "qty", "clamp"), LLM_CASES)
async def test_llm_policy_is_guarded_and_clamped(
    answer: dict[str, Any] | LLMError,
    signals: list[VerdictSignal],
    action: TradeAction,
    qty: int,
    clamp: str | None,
) -> None:
    llm = ScriptedLLM(answer)
    decision = await run(FLAT, [verdict(f"a{i}", s) for i, s in enumerate(signals)], llm=llm)
    assert decision.action is action
    assert decision.quantity == Decimal(qty)
    assert decision.policy == "llm:scripted"
    if clamp is None:
        assert decision.clamps == ()
    else:
        assert any(clamp in note for note in decision.clamps), decision.clamps
    assert len(llm.prompts) == 1


ENVELOPES = [FLAT, LONG, SHORT_OK, SHORTED]
any_action = st.one_of(
    st.sampled_from([a.value for a in TradeAction]),
    st.text(max_size=12),
    st.sampled_from(["BUY", " Sell "]),
)
any_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.decimals(allow_nan=False, allow_infinity=False),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    envelope=st.sampled_from(ENVELOPES),
    action=any_action,
    quantity=any_number,
    confidence=any_number,
    signals=st.lists(st.sampled_from(list(VerdictSignal)), max_size=6),
)
async def test_no_decision_leaves_the_envelope(
    envelope: AllowedActions,
    action: str,
    quantity: object,
    confidence: object,
    signals: list[VerdictSignal],
) -> None:
    """Whatever the LLM answers, the decision is an allowed action within its max quantity."""
    raw = {"action": action, "quantity": quantity, "confidence": confidence}
    try:
        PMAnswer.model_validate(raw)
        llm: Any = ScriptedLLM(raw)
    except ValueError:
        llm = ScriptedLLM(LLMError("invalid_answer", "schema mismatch"))
    verdicts = [verdict(f"a{i}", s) for i, s in enumerate(signals)]
    for policy_llm in (llm, None):
        decision = await run(envelope, verdicts, llm=policy_llm)
        assert decision.quantity >= 0
        assert decision.quantity == decision.quantity.to_integral_value()
        if decision.action is TradeAction.HOLD:
            assert decision.quantity == 0
        else:
            assert 0 < decision.quantity <= envelope.limit(decision.action)
        assert 0.0 <= decision.confidence <= 1.0


async def test_a_signal_with_levels_on_the_wrong_side_falls_back_to_the_defaults() -> None:
    stale = StrategySignal(
        strategy="breakout", ticker="TEST", direction=Direction.BULLISH, confidence=0.9,
        entry=120.0, stop=110.0, target=130.0,
    )  # fmt: skip  # levels from an old price: the stop sits above today's 100
    other_ticker = BULL_SIGNAL.model_copy(update={"ticker": "OTHER"})
    decision = await run(
        FLAT, [verdict("a", BULL), verdict("b", BULL)], signals=(stale, other_ticker)
    )
    assert decision.action is TradeAction.BUY
    assert (decision.stop_loss, decision.take_profit) == (Decimal("95.00"), Decimal("110.00"))
