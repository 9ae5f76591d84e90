"""Portfolio-manager decisions and the code-computed envelope they must stay inside."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from domain._base import DomainModel
from domain.research import ResearchFinding

__all__ = ["AllowedActions", "TradeAction", "TradeDecision"]


class TradeAction(StrEnum):
    BUY = "buy"
    SELL = "sell"
    SHORT = "short"
    COVER = "cover"
    HOLD = "hold"

    @property
    def reduces_risk(self) -> bool:
        """Sells of a long and covers of a short only shrink exposure."""
        return self in (TradeAction.SELL, TradeAction.COVER)


class AllowedActions(DomainModel):
    """Maximum quantity per action for one ticker, computed by code before the PM chooses."""

    ticker: str
    reference_price: Decimal = Field(gt=0)
    max_qty: dict[TradeAction, Decimal]

    def limit(self, action: TradeAction) -> Decimal:
        return self.max_qty.get(action, Decimal(0))


class TradeDecision(DomainModel):
    """The PM's choice for one ticker after validation and clamping."""

    decision_id: str
    ticker: str
    action: TradeAction
    quantity: Decimal = Field(ge=0)
    confidence: float = Field(ge=0.0, le=1.0)
    reasoning: str = ""
    policy: str = "rules"
    """Which policy chose (``rules`` or ``llm:<model>``)."""
    clamps: tuple[str, ...] = ()
    """Every adjustment made to the raw choice, for the audit."""
    stop_loss: Decimal | None = Field(default=None, gt=0)
    take_profit: Decimal | None = Field(default=None, gt=0)
    research: ResearchFinding | None = Field(default=None, exclude_if=lambda v: v is None)
    """The research the PM decided with (pre_research, full), so the decision audit carries it;
    left out of a dump when there was none (records of other modes stay as they were)."""
