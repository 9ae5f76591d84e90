"""Turning the simulated broker's fills into the trade list, with each closing fill's profit.

Why here and not in the broker: the profit of a closing fill depends on the average entry and the
commissions already paid to open it, which is bookkeeping about round trips, not about filling.
The average-cost method is used (the broker values positions the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain import OrderSide
from graph.backtest.results import TradeRecord
from tools.brokers.simulated import SimulatedFill

__all__ = ["TradeBook"]


@dataclass(slots=True)
class _Holding:
    qty: Decimal = Decimal(0)
    """Signed."""
    avg_price: Decimal = Decimal(0)
    commission_per_share: Decimal = Decimal(0)
    """Entry commission still attached to each open share."""


class TradeBook:
    """Follows positions fill by fill and writes one ``TradeRecord`` per fill."""

    def __init__(self) -> None:
        self._holdings: dict[str, _Holding] = {}
        self.records: list[TradeRecord] = []

    def add(
        self, fills: Iterable[SimulatedFill], *, day: date, decision_ids: Mapping[str, str]
    ) -> None:
        for fill in fills:
            order = fill.order
            cid = order.parent_client_order_id or order.client_order_id
            self.records.append(
                TradeRecord(
                    day=day,
                    at=fill.at,
                    ticker=order.ticker,
                    side=order.side.value,
                    qty=fill.qty,
                    price=fill.price,
                    commission=fill.commission,
                    reason=fill.reason.value,
                    gapped=fill.gapped,
                    decision_id=decision_ids.get(cid, ""),
                    client_order_id=order.client_order_id,
                    realized_pnl=self._book(fill),
                )
            )

    def _book(self, fill: SimulatedFill) -> Decimal | None:
        holding = self._holdings.setdefault(fill.order.ticker, _Holding())
        signed = fill.qty if fill.order.side is OrderSide.BUY else -fill.qty
        per_share_fee = fill.commission / fill.qty
        realized: Decimal | None = None
        if holding.qty != 0 and (holding.qty > 0) != (signed > 0):
            closed = min(abs(signed), abs(holding.qty))
            direction = Decimal(1) if holding.qty > 0 else Decimal(-1)
            realized = (
                closed * (fill.price - holding.avg_price) * direction
                - closed * per_share_fee
                - closed * holding.commission_per_share
            )
            remaining = abs(signed) - closed
            holding.qty += closed * (1 if signed > 0 else -1)
            if holding.qty == 0:
                holding.avg_price = holding.commission_per_share = Decimal(0)
            if remaining > 0:  # flipped through zero: the rest opens afresh
                holding.qty = remaining * (1 if signed > 0 else -1)
                holding.avg_price = fill.price
                holding.commission_per_share = per_share_fee
            return realized
        total = abs(holding.qty) + abs(signed)
        paid = abs(holding.qty) * holding.avg_price + abs(signed) * fill.price
        holding.avg_price = paid / total
        holding.commission_per_share = (
            abs(holding.qty) * holding.commission_per_share + abs(signed) * per_share_fee
        ) / total
        holding.qty += signed
        return realized
