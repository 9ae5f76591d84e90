"""Scenario tables for stop-loss, take-profit, the daily-loss guard and the emergency stop."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import (
    ExitReason,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    ProtectiveLevels,
    TradingStatus,
)
from graph.execution.exactly_once import submit_exactly_once
from graph.monitor.emergency import EMERGENCY_THREAD, emergency_stop
from graph.monitor.levels import position_exits
from graph.monitor.loss_guard import LossLevel, daily_loss_status
from graph.monitor.monitor import MONITOR_THREAD, PositionMonitor
from tests.unit.risk.factory import intent, limits
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
SL, TP = ExitReason.STOP_LOSS, ExitReason.TAKE_PROFIT
BUY, SELL = OrderSide.BUY, OrderSide.SELL


@dataclass
class ExitRow:
    name: str
    qty: str
    entry: str
    price: str | None
    reason: ExitReason | None
    side: OrderSide | None = None
    stop: str | None = None
    target: str | None = None


# defaults: stop_loss_pct 5 %, take_profit_pct 10 %
EXIT_ROWS = [
    ExitRow("long below default stop", "10", "100", "94", SL, SELL),
    ExitRow("long exactly at default stop", "10", "100", "95", SL, SELL),
    ExitRow("long between stop and target", "10", "100", "101", None),
    ExitRow("long exactly at default target", "10", "100", "110", TP, SELL),
    ExitRow("long gapped above target", "10", "100", "130", TP, SELL),
    ExitRow("long gapped far below stop", "10", "100", "50", SL, SELL),
    ExitRow("short above default stop", "-10", "100", "106", SL, BUY),
    ExitRow("short at default target", "-10", "100", "90", TP, BUY),
    ExitRow("short between levels", "-10", "100", "99", None),
    ExitRow("explicit stop tighter than default", "10", "100", "97.5", SL, SELL, stop="98"),
    ExitRow("explicit stop looser than default", "10", "100", "94", None, stop="90"),
    ExitRow("explicit target only keeps default stop", "10", "100", "94", SL, SELL, target="120"),
    ExitRow("explicit target reached", "10", "100", "105", TP, SELL, target="105"),
    ExitRow("no market price is skipped", "10", "100", None, None),
    ExitRow("flat position is ignored", "0", "100", "50", None),
    ExitRow("fractional long exits the whole position", "0.75", "200", "180", SL, SELL),
    ExitRow("short explicit stop", "-5", "50", "52", SL, BUY, stop="51.5"),
    ExitRow("short explicit target not reached", "-5", "50", "46", None, target="44"),
]


@pytest.mark.parametrize("row", EXIT_ROWS, ids=[r.name for r in EXIT_ROWS])
def test_exit_table(row: ExitRow) -> None:
    position = Position(
        symbol="AAPL",
        qty=Decimal(row.qty),
        avg_entry_price=Decimal(row.entry),
        market_price=Decimal(row.price) if row.price else None,
    )
    levels = {}
    if row.stop or row.target:
        levels["AAPL"] = ProtectiveLevels(
            Decimal(row.stop) if row.stop else None, Decimal(row.target) if row.target else None
        )
    signals = position_exits({"AAPL": position}, levels, limits())
    if row.reason is None:
        assert signals == []
        return
    (signal,) = signals
    assert signal.reason is row.reason
    assert signal.side is row.side
    assert signal.qty == abs(Decimal(row.qty))


@pytest.mark.parametrize(
    ("equity", "baseline", "level"),
    [
        ("100000", "100000", LossLevel.OK),
        ("101000", "100000", LossLevel.OK),
        ("97760", "100000", LossLevel.OK),  # 2.24 % < 75 % of 3 %
        ("97750", "100000", LossLevel.WARNING),  # exactly 75 % of the limit
        ("97100", "100000", LossLevel.WARNING),
        ("97000", "100000", LossLevel.BREACHED),  # exactly the limit
        ("80000", "100000", LossLevel.BREACHED),
        ("50", None, LossLevel.OK),  # no baseline yet: nothing to measure against
    ],
)
def test_daily_loss_table(equity: str, baseline: str | None, level: LossLevel) -> None:
    status = daily_loss_status(Decimal(equity), Decimal(baseline) if baseline else None, limits())
    assert status.level is level


# -- emergency stop and monitor against the real paper broker and ledger ----------------------


class Prices:
    def __init__(self) -> None:
        self.board = {"AAPL": Decimal("100"), "MSFT": Decimal("100")}

    def __call__(self, ticker: str) -> Decimal:
        return self.board[ticker]


class Inbox:
    name = "inbox"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.alerts.append(alert)


@dataclass
class Desk:
    broker: PaperBroker
    ledger: SqlLedger
    prices: Prices
    clock: FixedClock
    inbox: Inbox
    alerts: AlertDispatcher

    def buy(self, ticker: str, qty: str, **kw: object) -> None:
        it = intent(ticker, qty=qty, created_at=self.clock.now(), **kw)
        submit_exactly_once(it, Decimal(qty), broker=self.broker, ledger=self.ledger)

    def stop(self) -> object:
        return emergency_stop(
            reason="test",
            broker=self.broker,
            ledger=self.ledger,
            limits=limits(),
            clock=self.clock,
            alerts=self.alerts,
        )

    def monitor(self) -> PositionMonitor:
        return PositionMonitor(
            broker=self.broker,
            ledger=self.ledger,
            limits=limits(),
            clock=self.clock,
            alerts=self.alerts,
        )


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    prices, clock, inbox = Prices(), FixedClock(T0), Inbox()
    broker = PaperBroker(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal("100000"),
        slippage_bps=0,
        price_source=prices,
        clock=clock,
    )
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    yield Desk(broker, ledger, prices, clock, inbox, AlertDispatcher([inbox], clock=clock))
    ledger.close()


def test_emergency_stop_on_a_flat_account_halts_and_alerts(desk: Desk) -> None:
    report = desk.stop()
    assert desk.ledger.trading_state().status is TradingStatus.HALTED
    assert report.exits == () and report.flat
    assert [a.title for a in desk.inbox.alerts] == ["emergency stop"]


def test_emergency_stop_cancels_entries_and_closes_everything(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    desk.buy("MSFT", "5")
    desk.buy("MSFT", "5", order_type=OrderType.LIMIT, limit_price=Decimal("90"))  # resting entry
    report = desk.stop()
    assert report.flat
    assert desk.broker.portfolio().positions == {}
    assert desk.broker.open_orders() == []
    assert len(report.cancelled) == 1
    exits = desk.ledger.intents_for_thread(EMERGENCY_THREAD)
    assert sorted(i.ticker for i in exits) == ["AAPL", "MSFT"]
    assert all(i.reduces_position for i in exits)


def test_emergency_stop_closes_a_short_with_a_buy(desk: Desk) -> None:
    desk.broker.submit_order(intent(side=SELL, qty="4", created_at=T0), Decimal(4))
    report = desk.stop()
    assert [o.order.side for o in report.exits] == [BUY]
    assert desk.broker.portfolio().positions == {}


def test_emergency_stop_twice_sends_nothing_more(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    desk.stop()
    orders_after_first = len(desk.broker.all_orders())
    second = desk.stop()
    assert second.already_halted
    assert len(desk.broker.all_orders()) == orders_after_first
    assert len(desk.inbox.alerts) == 1  # the no-op rerun does not page again


def test_emergency_stop_that_cannot_exit_stays_halted_and_a_rerun_finishes(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    desk.prices.board["AAPL"] = Decimal(0)  # the price feed breaks: the broker refuses to fill
    first = desk.stop()
    assert not first.flat and first.errors
    assert desk.ledger.trading_state().status is TradingStatus.HALTED
    assert "Needs attention" in desk.inbox.alerts[-1].message
    desk.prices.board["AAPL"] = Decimal("100")
    again = desk.stop()
    assert again.flat
    assert desk.broker.portfolio().positions == {}


def test_halted_survives_reopening_the_ledger_and_blocks_entries(
    desk: Desk, tmp_path: Path
) -> None:
    desk.stop()
    reopened = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    assert reopened.trading_state().status is TradingStatus.HALTED
    with pytest.raises(Exception, match="halted"):
        submit_exactly_once(
            intent(qty="1", created_at=T0), Decimal(1), broker=desk.broker, ledger=reopened
        )
    reopened.close()


def test_monitor_stop_loss_exits_through_the_gate(desk: Desk) -> None:
    desk.buy("AAPL", "10", stop_loss=Decimal("98"), take_profit=Decimal("120"))
    desk.prices.board["AAPL"] = Decimal("97.9")
    report = desk.monitor().run_once()
    (outcome,) = report.exits
    assert outcome.signal.reason is SL
    assert outcome.order is not None and outcome.order.status is OrderStatus.FILLED
    assert desk.broker.portfolio().positions == {}
    (exit_intent,) = desk.ledger.intents_for_thread(MONITOR_THREAD)
    assert exit_intent.reduces_position and exit_intent.side is SELL


def test_monitor_take_profit(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    desk.prices.board["AAPL"] = Decimal("111")
    (outcome,) = desk.monitor().run_once().exits
    assert outcome.signal.reason is TP
    assert desk.broker.portfolio().positions == {}


def test_monitor_leaves_quiet_positions_alone(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    desk.prices.board["AAPL"] = Decimal("101")
    report = desk.monitor().run_once()
    assert report.exits == () and report.emergency is None
    assert desk.broker.portfolio().positions["AAPL"].qty == Decimal(10)


def test_monitor_skips_a_position_whose_exit_is_already_working(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    resting_exit = intent(
        side=SELL,
        qty="10",
        reduces_position=True,
        order_type=OrderType.LIMIT,
        limit_price=Decimal("150"),
        created_at=T0,
    )
    desk.broker.submit_order(resting_exit, Decimal(10))
    desk.prices.board["AAPL"] = Decimal("90")
    report = desk.monitor().run_once()
    assert report.exits == ()
    assert report.skipped == ("AAPL: exit already working",)


def test_monitor_warns_once_at_75_percent_of_the_daily_loss(desk: Desk) -> None:
    monitor = desk.monitor()
    desk.buy("AAPL", "500")  # 50k position
    monitor.run_once()  # fixes the session baseline at 100k
    desk.prices.board["AAPL"] = Decimal("95.4")  # -2.3k: 77 % of a 3 % limit, above the stop
    assert monitor.run_once().loss.level is LossLevel.WARNING
    monitor.run_once()
    warnings = [a for a in desk.inbox.alerts if a.title == "daily loss warning"]
    assert len(warnings) == 1
    assert desk.ledger.trading_state().status is TradingStatus.ACTIVE


def test_monitor_breach_runs_the_emergency_stop(desk: Desk) -> None:
    monitor = desk.monitor()
    desk.buy("AAPL", "900")
    monitor.run_once()
    desk.prices.board["AAPL"] = Decimal("96.5")  # -3.15k on 100k
    report = monitor.run_once()
    assert report.emergency is not None and report.emergency.flat
    assert desk.ledger.trading_state().status is TradingStatus.HALTED
    assert desk.broker.portfolio().positions == {}
    assert any(a.title == "emergency stop" for a in desk.inbox.alerts)


def test_monitor_still_exits_while_halted(desk: Desk) -> None:
    from domain import TradingStateRecord

    desk.buy("AAPL", "10")
    desk.ledger.set_trading_state(TradingStateRecord(status=TradingStatus.HALTED, reason="op"))
    desk.prices.board["AAPL"] = Decimal("90")
    (outcome,) = desk.monitor().run_once().exits
    assert outcome.order is not None
    assert desk.broker.portfolio().positions == {}


# -- broker-side protective stops ------------------------------------------------------------


def test_monitor_restores_a_missing_stop_once(desk: Desk) -> None:
    desk.buy("AAPL", "10", stop_loss=Decimal("97"))
    monitor = desk.monitor()
    (restored,) = monitor.run_once().restored_stops
    assert restored.order is not None
    assert restored.order.order_type is OrderType.STOP and restored.order.side is SELL
    assert restored.verdict.intent.stop_loss == Decimal("97.00")
    assert monitor.run_once().restored_stops == ()  # the working stop now guards it
    assert len(desk.broker.open_orders()) == 1


def test_a_restored_stop_fires_at_the_broker_and_nothing_else_sells(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    monitor = desk.monitor()
    monitor.run_once()  # stop at the default 95
    desk.prices.board["AAPL"] = Decimal("94")
    report = monitor.run_once()
    assert report.exits == ()  # the broker-side stop did the work
    assert desk.broker.portfolio().positions == {}
    sells = [o for o in desk.broker.all_orders() if o.side is SELL]
    assert [(o.order_type, o.status) for o in sells] == [(OrderType.STOP, OrderStatus.FILLED)]


def test_take_profit_cancels_our_stop_then_exits(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    monitor = desk.monitor()
    monitor.run_once()
    desk.prices.board["AAPL"] = Decimal("112")
    (outcome,) = monitor.run_once().exits
    assert outcome.signal.reason is TP and outcome.order is not None
    assert desk.broker.open_orders() == []
    assert desk.broker.portfolio().positions == {}
    statuses = sorted(o.status.value for o in desk.broker.all_orders() if o.side is SELL)
    assert statuses == ["canceled", "filled"]


def test_no_stop_is_restored_for_a_closed_position(desk: Desk) -> None:
    desk.buy("AAPL", "10")
    desk.broker.submit_order(intent(side=SELL, qty="10", created_at=T0), Decimal(10))
    assert desk.monitor().run_once().restored_stops == ()
    assert desk.broker.open_orders() == []


def test_a_short_gets_a_buy_stop_above(desk: Desk) -> None:
    desk.broker.submit_order(intent(side=SELL, qty="4", created_at=T0), Decimal(4))
    (restored,) = desk.monitor().run_once().restored_stops
    assert restored.order is not None and restored.order.side is BUY
    assert restored.verdict.intent.stop_loss == Decimal("105.00")


def test_drawdown_past_the_limit_turns_active_into_reducing(desk: Desk) -> None:
    from graph.risk.memory import RiskMemory

    monitor = desk.monitor()
    RiskMemory(desk.ledger).observe_equity(Decimal("120000"), T0 - timedelta(days=3))
    report = monitor.run_once()  # equity 100k: 16.7 % below the 120k mark (limit 15 %)
    assert report.emergency is None
    state = desk.ledger.trading_state()
    assert state.status is TradingStatus.REDUCING and "drawdown" in state.reason
    assert any(a.title == "max drawdown: reducing only" for a in desk.inbox.alerts)
    with pytest.raises(Exception, match="reducing"):
        desk.buy("AAPL", "1")


# -- one road: exit attempts, dead exits, decision records (issues 9.1, 9.14, 10) --------------


def _resume(desk: Desk) -> None:
    from domain import TradingStateRecord

    desk.ledger.set_trading_state(TradingStateRecord(status=TradingStatus.ACTIVE, reason="op"))


def test_a_second_halt_with_the_same_size_on_the_same_day_closes_the_new_position(
    desk: Desk,
) -> None:
    """9.1: the second exit must not adopt the first one's (filled) order and send nothing."""
    desk.buy("AAPL", "9")
    assert desk.stop().flat
    _resume(desk)
    desk.buy("AAPL", "9")
    second = desk.stop()
    assert second.flat
    assert desk.broker.portfolio().positions == {}
    exit_ids = {i.client_order_id for i in desk.ledger.intents_for_thread(EMERGENCY_THREAD)}
    assert len(exit_ids) == 2
    sells = [o for o in desk.broker.all_orders() if o.side is SELL]
    assert len(sells) == 2 and all(o.status is OrderStatus.FILLED for o in sells)


def test_an_exit_the_broker_cancelled_never_counts_as_done(desk: Desk) -> None:
    """9.1: a terminal exit with nothing filled leads to a new attempt, never to "flat"."""
    from graph.execution.intents import exit_intent
    from graph.monitor.levels import ExitSignal

    desk.buy("AAPL", "9")
    signal = ExitSignal("AAPL", SELL, Decimal(9), ExitReason.EMERGENCY_STOP, Decimal(100), None)
    first = exit_intent(signal, thread_id=EMERGENCY_THREAD, now=T0, attempt=0).model_copy(
        update={"order_type": OrderType.LIMIT, "limit_price": Decimal("500")}
    )  # accepted, rests, then the broker cancels it
    desk.ledger.record_intent(first, "9")
    resting = desk.broker.submit_order(first, Decimal(9))
    desk.ledger.record_order(resting)
    desk.broker.cancel_order(resting.broker_order_id)
    report = desk.stop()
    assert report.flat, report.errors
    assert desk.broker.portfolio().positions == {}
    (outcome,) = report.exits
    assert outcome.order is not None and outcome.order.client_order_id != first.client_order_id


def test_every_exit_leaves_a_decision_record_linked_to_its_order(desk: Desk) -> None:
    """Issue 10: monitor and emergency exits take the road, which records their decisions."""
    desk.buy("AAPL", "10", stop_loss=Decimal("98"))
    desk.buy("MSFT", "10")
    desk.prices.board["AAPL"] = Decimal("97")
    (monitor_exit,) = desk.monitor().run_once().exits
    assert monitor_exit.order is not None
    desk.prices.board["AAPL"] = Decimal("100")
    (emergency_exit,) = desk.stop().exits
    assert emergency_exit.order is not None
    for thread, order in (
        (MONITOR_THREAD, monitor_exit.order),
        (EMERGENCY_THREAD, emergency_exit.order),
    ):
        linked = [
            d
            for d in desk.ledger.decisions_for_thread(thread)
            if order.client_order_id in d.order_client_ids
        ]
        assert len(linked) == 1, thread
        assert linked[0].gate_outcome == "approved"
        assert linked[0].ticker == order.ticker


def test_the_daily_loss_stop_fires_exactly_at_the_limit(desk: Desk) -> None:
    """9.14 (c): at 100 % of the limit, not only past it, the monitor runs the emergency stop."""
    monitor = desk.monitor()
    desk.buy("AAPL", "1000")  # 100k of AAPL at 100, no cash left
    monitor.run_once()  # baseline 100k
    desk.prices.board["AAPL"] = Decimal("97")  # exactly -3 %, above the 95 stop
    report = monitor.run_once()
    assert report.loss.level is LossLevel.BREACHED
    assert report.emergency is not None and report.emergency.flat
    assert desk.ledger.trading_state().status is TradingStatus.HALTED
