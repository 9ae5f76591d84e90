"""How far today's loss has gone toward the daily limit (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from config.settings import RiskParameters

__all__ = ["LossLevel", "LossStatus", "daily_loss_status"]


class LossLevel(StrEnum):
    OK = "ok"
    WARNING = "warning"
    """At or past ``daily_loss_warning_fraction`` of the limit: alert the operator."""
    BREACHED = "breached"
    """At or past the limit: emergency stop."""


@dataclass(frozen=True, slots=True)
class LossStatus:
    level: LossLevel
    loss_pct: Decimal
    """Loss since the session baseline, as a fraction of it (negative when up)."""
    limit_pct: Decimal


def daily_loss_status(
    equity: Decimal, baseline: Decimal | None, limits: RiskParameters
) -> LossStatus:
    limit = Decimal(str(limits.max_daily_loss_pct))
    if baseline is None or baseline <= 0:
        return LossStatus(LossLevel.OK, Decimal(0), limit)
    loss = (baseline - equity) / baseline
    if loss >= limit:
        level = LossLevel.BREACHED
    elif loss >= limit * Decimal(str(limits.daily_loss_warning_fraction)):
        level = LossLevel.WARNING
    else:
        level = LossLevel.OK
    return LossStatus(level, loss, limit)
