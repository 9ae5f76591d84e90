"""The money limits of one account at one equity: one home for the PM's envelope and the gate.

Why one home: the portfolio manager's envelope (what it may choose) and the risk gate (what may
reach the broker) used to turn the same percentages into money each on its own. Two copies of
arithmetic drift apart; then the PM proposes sizes the gate cuts, or, worse, the gate is changed
to agree with a looser envelope. Both now read these figures. The gate still applies its own
volatility and correlation scaling on top of the position cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["ExposureCaps"]


def _money(fraction: float) -> Decimal:
    """Config floats to Decimal through their shortest repr (0.1 -> Decimal('0.1'))."""
    return Decimal(str(fraction))


@dataclass(frozen=True, slots=True)
class ExposureCaps:
    """Notional caps in account currency at a given equity (fractions already applied)."""

    position: Decimal
    """Largest |position value| per symbol before volatility/correlation scaling."""
    order_notional: Decimal
    """Largest notional of one opening order (an absolute amount, not a fraction)."""
    gross: Decimal
    """Largest sum of |position values|."""
    net: Decimal
    """Largest |long value - short value|."""
    sector: Decimal
    """Largest gross value per sector."""
    cash_reserve: Decimal
    """Cash that entries may never spend."""

    @classmethod
    def at_equity(
        cls,
        equity: Decimal,
        *,
        position_pct: float,
        order_notional: float,
        gross_pct: float,
        net_pct: float,
        sector_pct: float,
        cash_reserve_pct: float,
    ) -> ExposureCaps:
        return cls(
            position=_money(position_pct) * equity,
            order_notional=_money(order_notional),
            gross=_money(gross_pct) * equity,
            net=_money(net_pct) * equity,
            sector=_money(sector_pct) * equity,
            cash_reserve=_money(cash_reserve_pct) * equity,
        )
