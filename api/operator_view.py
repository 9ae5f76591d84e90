"""What the operator views share: money as JSON numbers, frozen models, today's loss level.

Why apart from ``api.account_view``: ``status`` (the account) and ``monitor-once`` / ``halt``
(``api.operator_actions``) both report today's loss against its limit; one shape and one mapping
from the loss guard serve both, and ``halt`` does not import the account's views to get them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, PlainSerializer

if TYPE_CHECKING:
    from graph.monitor.loss_guard import LossStatus

__all__ = ["DailyLossLevel", "Number", "OperatorView"]

Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
"""Decimal in Python, a JSON number on the wire."""


class OperatorView(BaseModel):
    """Base of what the faces show an operator: frozen values, rendered or dumped, never edited."""

    model_config = ConfigDict(frozen=True)


class DailyLossLevel(OperatorView):
    """Today's loss against its limit, as the position monitor's pass reports it."""

    loss_pct: Number
    """Loss since the session baseline as a fraction of it (negative when up)."""
    limit_pct: Number
    level: str
    """``ok``, ``warning`` (near the limit) or ``breached``."""

    @classmethod
    def of(cls, loss: LossStatus, **more: Any) -> Self:
        """The view of the loss guard's answer (``more``: a subclass's own fields)."""
        return cls(loss_pct=loss.loss_pct, limit_pct=loss.limit_pct, level=loss.level.value, **more)
