"""The account as an operator reads it: cash, equity, positions with P/L, stop and target, open
orders and today's loss against its limit, as numbers.

Why its own model: ``status --json`` and the summary after a cycle are read by scripts; a loss
given as a sentence ("0.12% of 3.00% (ok)") cannot be compared with a threshold. Money stays
Decimal here and becomes a JSON number only at the edge.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from api.operator_view import DailyLossLevel, Number, OperatorView
from domain import Order, Position, TradingStatus
from graph.schedule.heartbeats import HeartbeatView

if TYPE_CHECKING:
    from config.settings import RiskParameters
    from tools.brokers.base import Broker
    from tools.clock import Clock
    from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "AccountView",
    "DailyLossView",
    "OpenOrderView",
    "PositionView",
    "TradingStatusView",
    "account_view",
    "trading_status_view",
]


class PositionView(OperatorView):
    symbol: str
    qty: Number
    avg_entry_price: Number
    market_price: Number | None
    market_value: Number
    unrealized_pl: Number | None
    unrealized_pl_pct: Number | None
    """Fraction of the cost basis (0.05 is 5 %)."""
    stop_loss: Number | None = None
    take_profit: Number | None = None


class OpenOrderView(OperatorView):
    client_order_id: str
    symbol: str
    side: str
    qty: Number
    order_type: str
    status: str
    limit_price: Number | None = None


class DailyLossView(DailyLossLevel):
    """Today's loss with the baseline it is measured from, as ``status`` shows it."""

    baseline: Number | None
    high_water_mark: Number | None


class AccountView(OperatorView):
    cash: Number
    equity: Number
    buying_power: Number
    positions: list[PositionView]
    open_orders: list[OpenOrderView]
    daily_loss: DailyLossView


class TradingStatusView(OperatorView):
    """The trading state with the account flattened in; account fields are ``None`` (and
    ``broker_error`` says why) when the broker could not answer."""

    status: TradingStatus
    reason: str
    changed_at: datetime | None
    broker: str
    broker_error: str | None = None
    cash: Number | None = None
    equity: Number | None = None
    buying_power: Number | None = None
    positions: list[PositionView] = Field(default_factory=list)
    open_orders: list[OpenOrderView] = Field(default_factory=list)
    daily_loss: DailyLossView | None = None
    heartbeats: list[HeartbeatView] = Field(default_factory=list)
    """The scheduler's and the position monitor's last beats (empty: no scheduler ever ran)."""
    monitor_stale: bool = False
    """The monitor's beat is stale while positions are open: the gate blocks new entries
    (``monitor_stale``) until it beats again."""

    @property
    def account(self) -> AccountView | None:
        if self.cash is None or self.equity is None or self.daily_loss is None:
            return None
        return AccountView(
            cash=self.cash,
            equity=self.equity,
            buying_power=self.buying_power or Decimal(0),
            positions=self.positions,
            open_orders=self.open_orders,
            daily_loss=self.daily_loss,
        )


def _position_views(
    positions: list[Position], ledger: SqlLedger, limits: RiskParameters
) -> list[PositionView]:
    from graph.monitor.entry_levels import entry_levels
    from graph.monitor.levels import effective_levels

    given = entry_levels(ledger, [p.symbol for p in positions])
    out = []
    for p in sorted(positions, key=lambda p: p.symbol):
        levels = effective_levels(p, given.get(p.symbol), limits)
        pl = (p.market_price - p.avg_entry_price) * p.qty if p.market_price is not None else None
        basis = abs(p.avg_entry_price * p.qty)
        out.append(
            PositionView(
                symbol=p.symbol,
                qty=p.qty,
                avg_entry_price=p.avg_entry_price,
                market_price=p.market_price,
                market_value=p.market_value,
                unrealized_pl=pl,
                unrealized_pl_pct=(pl / basis) if pl is not None and basis else None,
                stop_loss=levels.stop_loss,
                take_profit=levels.take_profit,
            )
        )
    return out


def _open_order_view(order: Order) -> OpenOrderView:
    return OpenOrderView(
        client_order_id=order.client_order_id,
        symbol=order.ticker,
        side=order.side.value,
        qty=order.qty,
        order_type=order.order_type.value,
        status=order.status.value,
        limit_price=order.limit_price,
    )


def account_view(
    *, broker: Broker, ledger: SqlLedger, limits: RiskParameters, clock: Clock
) -> AccountView:
    """Read-only: records nothing (raises ``BrokerError`` when the broker cannot answer)."""
    from graph.monitor.loss_guard import daily_loss_status
    from graph.risk.memory import RiskMemory

    portfolio = broker.portfolio()
    orders = broker.open_orders()
    baseline, hwm = RiskMemory(ledger).current(clock.now())
    loss = daily_loss_status(portfolio.equity, baseline, limits)
    return AccountView(
        cash=portfolio.cash,
        equity=portfolio.equity,
        buying_power=portfolio.buying_power,
        positions=_position_views(list(portfolio.positions.values()), ledger, limits),
        open_orders=[_open_order_view(o) for o in orders],
        daily_loss=DailyLossView.of(loss, baseline=baseline, high_water_mark=hwm),
    )


def trading_status_view(
    *, broker: Broker, ledger: SqlLedger, limits: RiskParameters, clock: Clock
) -> TradingStatusView:
    """The trading state plus the account; a broker that cannot answer is reported, not raised."""
    from graph.schedule.heartbeats import MONITOR_HEARTBEAT, heartbeat_views
    from tools.brokers.base import BrokerError

    state = ledger.trading_state()
    beats = heartbeat_views(
        ledger, now=clock.now(), max_age_seconds=limits.monitor_heartbeat_max_age_seconds
    )
    base = {
        "status": state.status,
        "reason": state.reason,
        "changed_at": state.changed_at,
        "broker": broker.name,
        "heartbeats": beats,
    }
    try:
        account = account_view(broker=broker, ledger=ledger, limits=limits, clock=clock)
    except BrokerError as exc:
        return TradingStatusView(**base, broker_error=str(exc))
    stale = any(b.component == MONITOR_HEARTBEAT and b.stale for b in beats)
    return TradingStatusView(
        **base, **dict(account), monitor_stale=stale and bool(account.positions)
    )
