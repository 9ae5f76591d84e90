"""Exits: why a position must go, and the protective levels that decide it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.orders import OrderSide

__all__ = ["ExitReason", "ExitSignal", "ProtectiveLevels"]


class ExitReason(StrEnum):
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    EMERGENCY_STOP = "emergency_stop"
    PROTECTIVE_STOP = "protective_stop"
    """Not an exit now: a resting stop order restored at the broker for an unguarded position."""


@dataclass(frozen=True, slots=True)
class ProtectiveLevels:
    stop_loss: Decimal | None
    take_profit: Decimal | None


@dataclass(frozen=True, slots=True)
class ExitSignal:
    symbol: str
    side: OrderSide
    qty: Decimal
    """Always positive: the whole position."""
    reason: ExitReason
    price: Decimal
    level: Decimal | None
