"""The value every entry rule reads and the constraint it answers with.

Why "constraint": every rule is an upper bound on the opening quantity. The gate takes the minimum
of all bounds, so rules stay independent, order-free and individually testable, and the reason of
every bound that bit is kept for the audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from config.settings import RiskParameters
from domain import ExposureCaps, GateReason, OrderIntent, ReasonCode
from graph.risk.book import ExposureBook
from graph.risk.snapshot import GateSnapshot

__all__ = ["Constraint", "EntryCheck", "dec", "floor_to_step", "veto"]


def dec(value: float | int | str) -> Decimal:
    """Config floats to Decimal through their shortest repr (0.1 -> Decimal('0.1'))."""
    return Decimal(str(value))


def floor_to_step(qty: Decimal, step: Decimal) -> Decimal:
    """Largest multiple of ``step`` not above ``qty`` (never negative)."""
    if qty <= 0:
        return Decimal(0)
    return (qty / step).to_integral_value(rounding=ROUND_FLOOR) * step


@dataclass(frozen=True, slots=True)
class Constraint:
    """An upper bound on the opening quantity and the reason for it (0 = veto)."""

    max_qty: Decimal
    reason: GateReason


def veto(code: ReasonCode, message: str, **context: object) -> Constraint:
    return Constraint(Decimal(0), reason(code, message, **context))


def reason(code: ReasonCode, message: str, **context: object) -> GateReason:
    return GateReason(code=code, message=message, context={k: str(v) for k, v in context.items()})


@dataclass(frozen=True, slots=True)
class EntryCheck:
    """The part of an intent that opens or extends exposure, with everything rules may read."""

    intent: OrderIntent
    opening_qty: Decimal
    """Quantity that opens or extends exposure (the rest, if any, closes an existing position)."""
    residual_qty: Decimal
    """Absolute quantity already held in the opening direction once the closing part is done."""
    direction: int
    """+1 when the opening part is long, -1 when it is short."""
    price: Decimal
    """Worst-case price per share for sizing (limit price of a buy above the reference)."""
    snapshot: GateSnapshot
    limits: RiskParameters
    book: ExposureBook

    @property
    def equity(self) -> Decimal:
        return self.snapshot.portfolio.equity

    @property
    def caps(self) -> ExposureCaps:
        """The money limits at this equity, the same figures the PM's envelope was built from."""
        return self.limits.caps_at(self.equity)

    def qty_for(self, notional: Decimal) -> Decimal:
        """Shares that ``notional`` buys at the sizing price (0 when nothing is left)."""
        return max(notional / self.price, Decimal(0))
