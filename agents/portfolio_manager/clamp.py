"""Validation and clamping of a raw PM choice (from the LLM or the rules) into the envelope.

Why clamp instead of reject: the run must end in a valid decision for every ticker. Why record
every clamp: an operator auditing a trade must see that the model asked for 1e9 shares and got 40.
An unknown action, or one the envelope forbids, becomes HOLD with the reason recorded; it is never
silently replaced by another trade.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from domain import AllowedActions, TradeAction, TradeDecision

__all__ = ["RawChoice", "clamp_choice"]

ZERO = Decimal(0)
MAX_TEXT = 4000


class RawChoice:
    """An unvalidated choice: any types, straight from a model or a rule."""

    __slots__ = ("action", "confidence", "quantity", "reasoning")

    def __init__(
        self, action: object, quantity: object, confidence: object = 0.0, reasoning: object = ""
    ) -> None:
        self.action = action
        self.quantity = quantity
        self.confidence = confidence
        self.reasoning = reasoning


def _parse_action(raw: object, clamps: list[str]) -> TradeAction:
    text = str(raw).strip().lower() if raw is not None else ""
    try:
        return TradeAction(text)
    except ValueError:
        clamps.append(f"unknown_action:{text[:40]!r}->hold")
        return TradeAction.HOLD


def _parse_quantity(raw: object, clamps: list[str]) -> Decimal:
    try:
        if isinstance(raw, bool):
            raise TypeError("bool is not a quantity")
        qty = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, TypeError, ValueError):
        clamps.append(f"unparsable_quantity:{str(raw)[:40]!r}->0")
        return ZERO
    if not qty.is_finite():
        clamps.append(f"non_finite_quantity:{qty}->0")
        return ZERO
    if qty < 0:
        clamps.append(f"negative_quantity:{qty}->0")
        return ZERO
    return qty


def _parse_confidence(raw: object, clamps: list[str]) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        clamps.append("unparsable_confidence->0")
        return 0.0
    if math.isnan(value):
        clamps.append("nan_confidence->0")
        return 0.0
    if value > 1.0 and value <= 100.0:
        clamps.append(f"percent_confidence:{value}->{value / 100}")
        return value / 100.0
    if value < 0.0 or value > 1.0:
        clamped = min(max(value, 0.0), 1.0)
        clamps.append(f"confidence_out_of_range:{value}->{clamped}")
        return clamped
    return value


def _fit_quantity(
    action: TradeAction, qty: Decimal, allowed: AllowedActions, clamps: list[str]
) -> Decimal:
    limit = allowed.limit(action)
    whole = limit == limit.to_integral_value()
    if whole and qty != qty.to_integral_value():
        floored = qty.to_integral_value(rounding=ROUND_FLOOR)
        clamps.append(f"fractional_quantity:{qty}->{floored}")
        qty = floored
    if qty > limit:
        clamps.append(f"quantity_above_max:{action.value}:{qty}->{limit}")
        qty = limit
    return qty


def clamp_choice(
    *,
    decision_id: str,
    allowed: AllowedActions,
    choice: RawChoice,
    policy: str,
    clamps: tuple[str, ...] = (),
) -> TradeDecision:
    """A TradeDecision inside ``allowed``, whatever ``choice`` holds; every adjustment recorded."""
    notes = list(clamps)
    action = _parse_action(choice.action, notes)
    qty = _parse_quantity(choice.quantity, notes)
    confidence = _parse_confidence(choice.confidence, notes)
    if action is not TradeAction.HOLD:
        if allowed.limit(action) <= 0:
            notes.append(f"action_not_allowed:{action.value}->hold")
            action = TradeAction.HOLD
        else:
            qty = _fit_quantity(action, qty, allowed, notes)
            if qty <= 0:
                notes.append(f"zero_quantity:{action.value}->hold")
                action = TradeAction.HOLD
    if action is TradeAction.HOLD:
        if qty != 0 and not any(n.endswith("->hold") for n in notes):
            notes.append(f"hold_quantity:{qty}->0")
        qty = ZERO
    return TradeDecision(
        decision_id=decision_id,
        ticker=allowed.ticker,
        action=action,
        quantity=qty,
        confidence=confidence,
        reasoning=str(choice.reasoning)[:MAX_TEXT],
        policy=policy,
        clamps=tuple(notes),
    )
