"""The stop and target each open position was entered with, read back from the ledger."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from domain import ProtectiveLevels
from tools.persistence.schema import OrderIntentRow, OrderRow
from tools.persistence.store import Store

__all__ = ["entry_levels"]


def entry_levels(store: Store, symbols: Iterable[str]) -> dict[str, ProtectiveLevels]:
    """Levels of the latest filled entry per symbol that carried a stop or a target."""
    wanted = list(symbols)
    if not wanted:
        return {}
    query = (
        select(OrderIntentRow.ticker, OrderIntentRow.stop_loss, OrderIntentRow.take_profit)
        .join(OrderRow, OrderRow.client_order_id == OrderIntentRow.client_order_id)
        .where(
            OrderIntentRow.ticker.in_(wanted),
            ~OrderIntentRow.reduces_position,
            OrderRow.filled_qty > 0,
            (OrderIntentRow.stop_loss.is_not(None)) | (OrderIntentRow.take_profit.is_not(None)),
        )
        .order_by(OrderIntentRow.created_at)
    )
    out: dict[str, ProtectiveLevels] = {}
    with store.sessions() as session:
        for ticker, stop, target in session.execute(query):
            out[ticker] = ProtectiveLevels(stop, target)  # later rows win
    return out
