"""The domain model: every value that crosses a node, a provider or the broker boundary."""

from graph.domain.approval import ApprovalRequest, ApprovalVerdict
from graph.domain.decisions import AllowedActions, TradeAction, TradeDecision
from graph.domain.events import EventSeverity, RunEvent
from graph.domain.gate import GateOutcome, GateReason, GateVerdict, ReasonCode
from graph.domain.market import (
    Bar,
    DataIssue,
    DataQuality,
    FinancialMetrics,
    InsiderTrade,
    MarketSnapshot,
    NewsItem,
    TickerData,
)
from graph.domain.orders import (
    Fill,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    client_order_id_for,
)
from graph.domain.portfolio import PortfolioSnapshot, Position
from graph.domain.research import ResearchFinding, ResearchStance
from graph.domain.signals import Direction, StrategySignal
from graph.domain.trading_state import TradingStateRecord, TradingStatus
from graph.domain.verdicts import AnalystVerdict, VerdictSignal, VerdictSource

__all__ = [
    "AllowedActions",
    "AnalystVerdict",
    "ApprovalRequest",
    "ApprovalVerdict",
    "Bar",
    "DataIssue",
    "DataQuality",
    "Direction",
    "EventSeverity",
    "Fill",
    "FinancialMetrics",
    "GateOutcome",
    "GateReason",
    "GateVerdict",
    "InsiderTrade",
    "MarketSnapshot",
    "NewsItem",
    "Order",
    "OrderIntent",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PortfolioSnapshot",
    "Position",
    "ReasonCode",
    "ResearchFinding",
    "ResearchStance",
    "RunEvent",
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
]
