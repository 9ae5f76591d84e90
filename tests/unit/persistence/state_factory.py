"""A fully populated CycleState: every domain type the graph can checkpoint, with real values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain import (
    AnalystVerdict,
    ApprovalVerdict,
    Bar,
    DataIssue,
    DataQuality,
    Direction,
    EventSeverity,
    FinancialMetrics,
    GateOutcome,
    GateReason,
    GateVerdict,
    InsiderTrade,
    MarketSnapshot,
    NewsItem,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    PortfolioSnapshot,
    Position,
    ReasonCode,
    ResearchFinding,
    ResearchStance,
    RunEvent,
    RunRequest,
    StrategySignal,
    TickerData,
    TradeAction,
    TradeDecision,
    TradingStateRecord,
    TradingStatus,
    VerdictSignal,
    client_order_id_for,
)
from graph.state import CycleState

AS_OF = datetime(2024, 3, 8, 21, 0, tzinfo=UTC)


def order_intent(
    thread_id: str = "t-1", decision_id: str = "d-1", ticker: str = "AAPL"
) -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id_for(thread_id, decision_id, ticker),
        decision_id=decision_id,
        thread_id=thread_id,
        ticker=ticker,
        side=OrderSide.BUY,
        qty=Decimal("10"),
        reference_price=Decimal("170.73"),
        stop_loss=Decimal("160.50"),
        take_profit=Decimal("190.00"),
        created_at=AS_OF,
    )


def order_for(intent: OrderIntent, status: OrderStatus = OrderStatus.FILLED) -> Order:
    return Order(
        broker_order_id="b-" + intent.client_order_id[-8:],
        client_order_id=intent.client_order_id,
        ticker=intent.ticker,
        side=intent.side,
        qty=intent.qty,
        status=status,
        filled_qty=intent.qty if status is OrderStatus.FILLED else Decimal(0),
        filled_avg_price=Decimal("170.80") if status is OrderStatus.FILLED else None,
        submitted_at=AS_OF,
        updated_at=AS_OF,
    )


def decision(decision_id: str = "d-1", ticker: str = "AAPL") -> TradeDecision:
    return TradeDecision(
        decision_id=decision_id,
        ticker=ticker,
        action=TradeAction.BUY,
        quantity=Decimal("10"),
        confidence=0.72,
        reasoning="momentum and value agree",
        clamps=("qty clamped to 10 by allowed actions",),
        stop_loss=Decimal("160.50"),
    )


def analyst_verdicts(ticker: str = "AAPL") -> list[AnalystVerdict]:
    return [
        AnalystVerdict(
            analyst="valuation", ticker=ticker, signal=VerdictSignal.BULLISH, confidence=0.6
        ),
        AnalystVerdict(
            analyst="sentiment",
            ticker=ticker,
            signal=VerdictSignal.NO_SIGNAL,
            confidence=0.0,
            failure_reason="llm timeout",
        ),
    ]


def gate_verdict(intent: OrderIntent) -> GateVerdict:
    return GateVerdict(
        intent=intent,
        outcome=GateOutcome.RESIZED,
        approved_qty=Decimal("7"),
        reasons=(
            GateReason(
                code=ReasonCode.POSITION_SIZE_CAP,
                message="position would exceed 10% of equity",
                context={"limit": "0.10", "requested": "10", "allowed": "7"},
            ),
        ),
    )


def full_trading_state(thread_id: str = "t-1") -> CycleState:
    intent = order_intent(thread_id)
    bars = tuple(
        Bar(
            ts=datetime(2024, 3, d, 14, 30, tzinfo=UTC),
            open=170.0,
            high=172.5,
            low=169.1,
            close=170.73,
            volume=5.4e7,
        )
        for d in (6, 7, 8)
    )
    ticker = TickerData(
        ticker="AAPL",
        bars=bars,
        metrics=(
            FinancialMetrics(
                ticker="AAPL",
                report_period=date(2023, 12, 30),
                available_at=AS_OF,
                market_cap=2.6e12,
            ),
        ),
        news=(NewsItem(ticker="AAPL", title="Apple ships", source="wire", published_at=AS_OF),),
        insider_trades=(InsiderTrade(ticker="AAPL", available_at=AS_OF, shares=-1000.0),),
        quality=DataQuality(issues=(DataIssue.MISSING_SESSIONS,), detail=("2024-03-04 missing",)),
        source="offline",
    )
    return {
        "request": RunRequest(
            thread_id=thread_id, tickers=("AAPL",), mode="full", session_mode="supervised"
        ),
        "portfolio": PortfolioSnapshot(
            as_of=AS_OF,
            cash=Decimal("99999.63"),
            equity=Decimal("100305.22"),
            buying_power=Decimal("199999.26"),
            positions={
                "AAPL": Position(symbol="AAPL", qty=Decimal("1"), avg_entry_price=Decimal("305.59"))
            },
        ),
        "market": MarketSnapshot(as_of=AS_OF, tickers={"AAPL": ticker}),
        "trading_state": TradingStateRecord(
            status=TradingStatus.REDUCING, reason="drawdown", changed_at=AS_OF
        ),
        "universe": ["AAPL", "MSFT"],
        "signals": [
            StrategySignal(
                strategy="momentum",
                ticker="AAPL",
                direction=Direction.BULLISH,
                confidence=0.8,
                entry=170.7,
            )
        ],
        "candidates": ["AAPL"],
        "research": {
            "AAPL": ResearchFinding(ticker="AAPL", stance=ResearchStance.AGREES, sources=("10-K",))
        },
        "analyst_verdicts": analyst_verdicts(),
        "decisions": [decision()],
        "order_intents": [intent],
        "gate_verdicts": [gate_verdict(intent)],
        "approval": ApprovalVerdict(approved=True, approver="ops", note="ok"),
        "orders": [order_for(intent)],
        "events": [
            RunEvent(
                node="analysts", severity=EventSeverity.WARNING, message="llm timeout", at=AS_OF
            )
        ],
        "recorded": True,
    }
