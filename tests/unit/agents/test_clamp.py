"""Clamping raw choices: a table of absurd inputs, each ending inside the envelope, recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agents.portfolio_manager import RawChoice, clamp_choice
from domain import AllowedActions, TradeAction

ALLOWED = AllowedActions(
    ticker="TEST",
    reference_price=Decimal("100"),
    max_qty={
        TradeAction.BUY: Decimal(40),
        TradeAction.SELL: Decimal(10),
        TradeAction.SHORT: Decimal(0),
        TradeAction.COVER: Decimal(0),
        TradeAction.HOLD: Decimal(0),
    },
)

CASES = [
    # action, qty, confidence, expected action, expected qty, clamp fragment (None: no clamp)
    ("buy", 25, 0.7, TradeAction.BUY, 25, None),
    ("BUY ", "25", 0.7, TradeAction.BUY, 25, None),
    ("buy", 1e9, 0.7, TradeAction.BUY, 40, "quantity_above_max:buy"),
    ("buy", -5, 0.7, TradeAction.HOLD, 0, "negative_quantity"),
    ("buy", 12.7, 0.7, TradeAction.BUY, 12, "fractional_quantity"),
    ("buy", "lots", 0.7, TradeAction.HOLD, 0, "unparsable_quantity"),
    ("buy", float("nan"), 0.7, TradeAction.HOLD, 0, "non_finite_quantity"),
    ("buy", float("inf"), 0.7, TradeAction.HOLD, 0, "non_finite_quantity"),
    ("buy", True, 0.7, TradeAction.HOLD, 0, "unparsable_quantity"),
    ("yolo", 10, 0.7, TradeAction.HOLD, 0, "unknown_action"),
    (None, 10, 0.7, TradeAction.HOLD, 0, "unknown_action"),
    ("short", 10, 0.7, TradeAction.HOLD, 0, "action_not_allowed:short"),
    ("cover", 10, 0.7, TradeAction.HOLD, 0, "action_not_allowed:cover"),
    ("sell", 50, 0.7, TradeAction.SELL, 10, "quantity_above_max:sell"),
    ("hold", 30, 0.7, TradeAction.HOLD, 0, "hold_quantity"),
    ("buy", 0, 0.7, TradeAction.HOLD, 0, "zero_quantity"),
    ("buy", 5, 85, TradeAction.BUY, 5, "percent_confidence"),
    ("buy", 5, -3, TradeAction.BUY, 5, "confidence_out_of_range"),
    ("buy", 5, "high", TradeAction.BUY, 5, "unparsable_confidence"),
]


@pytest.mark.parametrize(("action", "qty", "conf", "want_action", "want_qty", "clamp"), CASES)
def test_clamp_table(
    action: object,
    qty: object,
    conf: object,
    want_action: TradeAction,
    want_qty: int,
    clamp: str | None,
) -> None:
    decision = clamp_choice(
        decision_id="d-1",
        allowed=ALLOWED,
        choice=RawChoice(action, qty, conf, "why"),
        policy="test",
    )
    assert decision.action is want_action
    assert decision.quantity == Decimal(want_qty)
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.ticker == "TEST" and decision.decision_id == "d-1" and decision.policy == "test"
    if clamp is None:
        assert decision.clamps == ()
    else:
        assert any(clamp in note for note in decision.clamps), decision.clamps


def test_earlier_notes_are_kept() -> None:
    decision = clamp_choice(
        decision_id="d",
        allowed=ALLOWED,
        choice=RawChoice("hold", 0),
        policy="llm:x",
        clamps=("llm_failure:timeout->no_trade",),
    )
    assert decision.clamps == ("llm_failure:timeout->no_trade",)
