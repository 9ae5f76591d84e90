"""Risk-gate verdicts: approve, resize or veto, always with named reason codes and context."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from domain._base import DomainModel
from domain.orders import OrderIntent

__all__ = ["GateOutcome", "GateReason", "GateVerdict", "ReasonCode"]


class ReasonCode(StrEnum):
    """Why the gate vetoed or resized an intent. Stable strings: they are stored in the audit."""

    POSITION_SIZE_CAP = "position_size_cap"
    ORDER_NOTIONAL_CAP = "order_notional_cap"
    INSUFFICIENT_CASH = "insufficient_cash"
    GROSS_EXPOSURE_CAP = "gross_exposure_cap"
    NET_EXPOSURE_CAP = "net_exposure_cap"
    MAX_OPEN_POSITIONS = "max_open_positions"
    SHORTING_DISABLED = "shorting_disabled"
    EXIT_EXCEEDS_POSITION = "exit_exceeds_position"
    STALE_DATA = "stale_data"
    NO_TRUSTED_PRICE = "no_trusted_price"
    PRICE_SANITY = "price_sanity"
    DECISION_EXPIRED = "decision_expired"
    TRADING_HALTED = "trading_halted"
    TRADING_REDUCING = "trading_reducing"
    BELOW_MIN_QTY = "below_min_qty"
    HUMAN_REJECTED = "human_rejected"
    FLIP_THROUGH_ZERO = "flip_through_zero"
    SECTOR_CAP = "sector_cap"
    CORRELATION_CAP = "correlation_cap"
    BUYING_POWER = "buying_power"
    ACTIVE_ENTRY_EXISTS = "active_entry_exists"
    ASSET_NOT_TRADABLE = "asset_not_tradable"
    ASSET_UNKNOWN = "asset_unknown"
    """The broker's asset master does not know the ticker, or could not be read: fail closed."""
    MARKET_CLOSED = "market_closed"
    SYMBOL_COOLDOWN = "symbol_cooldown"
    ORDER_RATE_THROTTLE = "order_rate_throttle"
    PATTERN_DAY_TRADER = "pattern_day_trader"
    DAILY_LOSS_LIMIT = "daily_loss_limit"
    MAX_DRAWDOWN = "max_drawdown"
    NON_POSITIVE_EQUITY = "non_positive_equity"
    MONITOR_STALE = "monitor_stale"
    """The position monitor's heartbeat is stale while positions are open: no new entries."""


class GateOutcome(StrEnum):
    APPROVED = "approved"
    RESIZED = "resized"
    VETOED = "vetoed"


class GateReason(DomainModel):
    code: ReasonCode
    message: str
    context: dict[str, str] = Field(default_factory=dict)
    """Numbers behind the decision (limit, requested, allowed) as strings, for the audit."""


class GateVerdict(DomainModel):
    intent: OrderIntent
    outcome: GateOutcome
    approved_qty: Decimal = Field(ge=0)
    reasons: tuple[GateReason, ...] = ()

    @property
    def executable(self) -> bool:
        return self.outcome is not GateOutcome.VETOED and self.approved_qty > 0

    @property
    def reason_codes(self) -> tuple[ReasonCode, ...]:
        return tuple(r.code for r in self.reasons)
