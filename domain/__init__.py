"""The domain model: every value that crosses a node, a provider or the broker boundary.

The ground floor: this package imports nothing of the project, so every layer above can use it.
"""

from domain.approval import ApprovalRequest, ApprovalVerdict
from domain.assets import AssetStatus
from domain.caps import ExposureCaps
from domain.cycle_events import CycleEvent, CycleEventKind
from domain.decisions import AllowedActions, TradeAction, TradeDecision
from domain.events import EventSeverity, RunEvent
from domain.exits import ExitReason, ExitSignal, ProtectiveLevels
from domain.gate import GateOutcome, GateReason, GateVerdict, ReasonCode
from domain.market import (
    Bar,
    DataIssue,
    DataQuality,
    FinancialMetrics,
    InsiderTrade,
    MarketSnapshot,
    NewsItem,
    TickerData,
)
from domain.orders import (
    Fill,
    Order,
    OrderIntent,
    OrderLeg,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    client_order_id_for,
    closing_side,
)
from domain.portfolio import PortfolioSnapshot, Position
from domain.records import LineItems, Quote
from domain.research import ResearchFinding, ResearchStance
from domain.run import RunRequest
from domain.signals import Direction, StrategySignal
from domain.trading_state import TradingStateRecord, TradingStatus
from domain.verdicts import AnalystVerdict, VerdictSignal, VerdictSource

__all__ = [
    "AllowedActions",
    "AnalystVerdict",
    "ApprovalRequest",
    "ApprovalVerdict",
    "AssetStatus",
    "Bar",
    "CycleEvent",
    "CycleEventKind",
    "DataIssue",
    "DataQuality",
    "Direction",
    "EventSeverity",
    "ExitReason",
    "ExitSignal",
    "ExposureCaps",
    "Fill",
    "FinancialMetrics",
    "GateOutcome",
    "GateReason",
    "GateVerdict",
    "InsiderTrade",
    "LineItems",
    "MarketSnapshot",
    "NewsItem",
    "Order",
    "OrderIntent",
    "OrderLeg",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PortfolioSnapshot",
    "Position",
    "ProtectiveLevels",
    "Quote",
    "ReasonCode",
    "ResearchFinding",
    "ResearchStance",
    "RunEvent",
    "RunRequest",
    "StrategySignal",
    "TickerData",
    "TimeInForce",
    "TradeAction",
    "TradeDecision",
    "TradingStateRecord",
    "TradingStatus",
    "VerdictSignal",
    "VerdictSource",
    "client_order_id_for",
    "closing_side",
]
