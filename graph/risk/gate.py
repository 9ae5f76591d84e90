"""The risk gate: approve, resize or veto each order intent, in order, deterministically.

Every intent is split into a closing part (it shrinks an existing position) and an opening part (it
creates or extends exposure). The closing part is an exit: no cap, no state, no data rule blocks it;
only the position bounds it. The opening part must pass every entry rule in
``graph.risk.rules.ENTRY_RULES``; each rule is an upper bound and the smallest bound wins. Approvals
are charged to a running ``ExposureBook`` so a batch can never break a cap that each intent alone
respects.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from config.settings import RiskParameters
from domain import GateOutcome, GateReason, GateVerdict, OrderIntent, OrderSide, ReasonCode
from graph.risk.book import ExposureBook
from graph.risk.check import EntryCheck, dec, floor_to_step, reason
from graph.risk.pricing import sizing_price
from graph.risk.rules import ENTRY_RULES
from graph.risk.snapshot import GateSnapshot

__all__ = ["evaluate_intents", "qty_step"]


def qty_step(limits: RiskParameters) -> Decimal:
    """Resized openings round down to whole shares (or to a fractional ``min_order_qty``)."""
    minimum = dec(limits.min_order_qty)
    return Decimal(1) if minimum >= 1 else minimum


def evaluate_intents(
    intents: Sequence[OrderIntent], snapshot: GateSnapshot, limits: RiskParameters
) -> list[GateVerdict]:
    """One verdict per intent, in order; pure: same inputs, same verdicts."""
    book = ExposureBook.from_snapshot(snapshot)
    return [_evaluate_one(intent, snapshot, limits, book) for intent in intents]


def _evaluate_one(
    intent: OrderIntent, snapshot: GateSnapshot, limits: RiskParameters, book: ExposureBook
) -> GateVerdict:
    sign = 1 if intent.side is OrderSide.BUY else -1
    held = book.held(intent.ticker)
    closes = held != 0 and (held > 0) != (sign > 0)
    closing = min(intent.qty, book.closable(intent.ticker)) if closes else Decimal(0)
    opening = intent.qty - closing
    reasons: list[GateReason] = []
    allowed_opening = opening
    if opening > 0:
        allowed_opening, reasons = _judge_opening(
            intent, opening, closes, held, sign, snapshot, limits, book
        )
    approved = closing + allowed_opening
    if closing > 0:
        book.charge_exit(intent.ticker, sign * closing)
    if allowed_opening > 0:
        book.charge_entry(
            intent.ticker,
            sign * allowed_opening,
            sizing_price(intent, snapshot.quotes.get(intent.ticker)),
            snapshot.now,
        )
    if approved == 0:
        outcome = GateOutcome.VETOED
    elif approved < intent.qty:
        outcome = GateOutcome.RESIZED
    else:
        outcome = GateOutcome.APPROVED
    return GateVerdict(
        intent=intent, outcome=outcome, approved_qty=approved, reasons=tuple(reasons)
    )


def _judge_opening(
    intent: OrderIntent,
    opening: Decimal,
    closes: bool,
    held: Decimal,
    sign: int,
    snapshot: GateSnapshot,
    limits: RiskParameters,
    book: ExposureBook,
) -> tuple[Decimal, list[GateReason]]:
    """Largest opening quantity every entry rule allows, and the reasons of the bounds that bit."""
    ctx = {"requested": intent.qty, "held": held}
    if intent.reduces_position:
        return Decimal(0), [
            reason(ReasonCode.EXIT_EXCEEDS_POSITION, "exit larger than the position", **ctx)
        ]
    if sign < 0 and not limits.allow_shorts:
        code = ReasonCode.FLIP_THROUGH_ZERO if closes else ReasonCode.SHORTING_DISABLED
        return Decimal(0), [reason(code, "shorting is disabled", **ctx)]
    if closes and not limits.allow_shorts:
        return Decimal(0), [
            reason(ReasonCode.FLIP_THROUGH_ZERO, "flip through zero refused", **ctx)
        ]
    residual = Decimal(0) if closes else abs(held)
    check = EntryCheck(
        intent=intent,
        opening_qty=opening,
        residual_qty=residual,
        direction=sign,
        price=sizing_price(intent, snapshot.quotes.get(intent.ticker)),
        snapshot=snapshot,
        limits=limits,
        book=book,
    )
    allowed = opening
    reasons: list[GateReason] = []
    for rule in ENTRY_RULES:
        bound = rule(check)
        if bound is not None and bound.max_qty < opening:
            allowed = min(allowed, bound.max_qty)
            reasons.append(bound.reason)
    if allowed < opening:
        allowed = floor_to_step(allowed, qty_step(limits))
    minimum = dec(limits.min_order_qty)
    if 0 < allowed < minimum or (allowed == 0 and not reasons):
        reasons.append(
            reason(
                ReasonCode.BELOW_MIN_QTY,
                "below the minimum order size",
                allowed=allowed,
                minimum=minimum,
            )
        )
        allowed = Decimal(0)
    return allowed, reasons
