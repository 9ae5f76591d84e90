"""The emergency stop's arithmetic and its cancel loop, pinned where mutation found them loose.

Why: ``tests.mutation.run --group exit_path --only 'graph.monitor.emergency.*'`` left the
covering arithmetic of ``_uncovered_exits`` alive (an exit of position + in-flight instead of
position - in-flight would flip a long into a short) and the cancel loop's ``continue`` (a
``break`` would leave every order listed after one of our own exits working under HALTED).

``_uncovered_exits`` is a pure function of the account and our working exits, tested on values
worked by hand; the cancel loop through ``emergency_stop`` on the real paper broker and ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import (
    ExitReason,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    PortfolioSnapshot,
    Position,
)
from graph.monitor.emergency import EMERGENCY_THREAD, _uncovered_exits, emergency_stop
from tests.unit.risk.factory import intent, limits
from tools.brokers.base import BrokerError
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

T0 = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _position(symbol: str, qty: str, avg: str, market: str | None) -> Position:
    return Position(
        symbol=symbol,
        qty=Decimal(qty),
        avg_entry_price=Decimal(avg),
        market_price=Decimal(market) if market is not None else None,
    )


def _exit(symbol: str, qty: str, filled: str, n: int) -> Order:
    """One of our earlier emergency exits, still working with ``filled`` of ``qty`` done."""
    return Order(
        broker_order_id=f"b-{symbol}-{n}",
        client_order_id=f"hg-exit-{symbol}-{n}",
        ticker=symbol,
        side=SELL,
        qty=Decimal(qty),
        status=OrderStatus.PARTIALLY_FILLED if filled != "0" else OrderStatus.ACCEPTED,
        filled_qty=Decimal(filled),
        submitted_at=T0,
        updated_at=T0,
    )


def test_only_the_part_our_working_exits_do_not_cover_is_sent() -> None:
    account = PortfolioSnapshot(
        as_of=T0,
        cash=Decimal(0),
        equity=Decimal(0),
        buying_power=Decimal(0),
        positions={
            p.symbol: p
            for p in (
                _position("AAPL", "10", "100", "101"),  # 4 working, 1 of them filled: 3 cover
                _position("MSFT", "-6", "50", None),  # a short, no price from the broker
                _position("NVDA", "3", "20", "21"),  # fully covered by working exits
                _position("TSLA", "5", "30", "31"),  # two working exits: 3 + 1 cover
                _position("GOOGL", "1", "40", "41"),  # one share, nothing working
            )
        },
    )
    working = [
        _exit("AAPL", "4", "1", 1),
        _exit("NVDA", "3", "0", 1),
        _exit("TSLA", "4", "1", 1),
        _exit("TSLA", "1", "0", 2),
    ]
    exits = {e.symbol: e for e in _uncovered_exits(account, working)}
    # AAPL 10 - (4 - 1) = 7 at the market price; MSFT buys back 6 at its entry price (no mark);
    # NVDA 3 - 3 = 0: nothing; TSLA 5 - (3 + 1) = 1; GOOGL 1 - 0 = 1.
    assert {s: (e.side, e.qty, e.price) for s, e in exits.items()} == {
        "AAPL": (SELL, Decimal(7), Decimal(101)),
        "MSFT": (BUY, Decimal(6), Decimal(50)),
        "TSLA": (SELL, Decimal(1), Decimal(31)),
        "GOOGL": (SELL, Decimal(1), Decimal(41)),
    }
    assert {e.reason for e in exits.values()} == {ExitReason.EMERGENCY_STOP}
    assert {e.level for e in exits.values()} == {None}


def test_with_nothing_working_every_position_is_closed_whole() -> None:
    account = PortfolioSnapshot(
        as_of=T0,
        cash=Decimal(0),
        equity=Decimal(0),
        buying_power=Decimal(0),
        positions={"AAPL": _position("AAPL", "2", "100", "99")},
    )
    (only,) = _uncovered_exits(account, [])
    assert (only.symbol, only.side, only.qty, only.price) == ("AAPL", SELL, Decimal(2), Decimal(99))


# -- the cancel loop, on the paper broker ------------------------------------------------------


class RestingEmergencyExits(PaperBroker):
    """A venue where the emergency stop's market exits rest (a halted symbol): they stay working,
    and cancelling ``refuse_cancel`` fails at the broker."""

    refuse_cancel: set[str]

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        if intent.thread_id == EMERGENCY_THREAD:
            intent = intent.model_copy(
                update={"order_type": OrderType.LIMIT, "limit_price": Decimal("10000")}
            )
        return super().submit_order(intent, qty)

    def cancel_order(self, broker_order_id: str) -> None:
        if broker_order_id in self.refuse_cancel:
            raise BrokerError(f"cancel refused for {broker_order_id}")
        super().cancel_order(broker_order_id)


@dataclass
class Account:
    broker: RestingEmergencyExits
    ledger: SqlLedger
    clock: FixedClock

    def stop(self) -> object:
        return emergency_stop(
            reason="test", broker=self.broker, ledger=self.ledger, limits=limits(), clock=self.clock
        )

    def resting_buy_behind_the_ledger(self, ticker: str, n: int) -> Order:
        """An order placed at the broker by someone else (set-up only)."""
        entry = intent(
            ticker,
            qty="2",
            order_type=OrderType.LIMIT,
            limit_price=Decimal("1"),
            created_at=self.clock.now(),
            decision_id=f"outside-{n}",
        )
        order = self.broker.submit_order(entry, entry.qty)
        assert not order.status.is_terminal
        return order


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Account]:
    clock = FixedClock(T0)
    broker = RestingEmergencyExits(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal("100000"),
        slippage_bps=0,
        price_source=lambda _ticker: Decimal("100"),
        clock=clock,
    )
    broker.refuse_cancel = set()
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    yield Account(broker, ledger, clock)
    ledger.close()


def _held_aapl(account: Account) -> None:
    it = intent("AAPL", qty="9", created_at=account.clock.now(), decision_id="held")
    order = account.broker.submit_order(it, Decimal(9))
    assert order.status is OrderStatus.FILLED


def test_orders_listed_after_our_own_working_exit_are_still_cancelled(account: Account) -> None:
    _held_aapl(account)
    first = account.stop()
    (our_exit,) = [o.order for o in first.exits]  # type: ignore[attr-defined]
    assert our_exit is not None and not our_exit.status.is_terminal  # it rests
    later = [account.resting_buy_behind_the_ledger("MSFT", n) for n in (1, 2)]
    listed = [o.client_order_id for o in account.broker.open_orders()]
    assert listed.index(our_exit.client_order_id) < listed.index(later[0].client_order_id)

    again = account.stop()
    assert sorted(again.cancelled) == sorted(o.client_order_id for o in later)  # type: ignore[attr-defined]
    still = [o.client_order_id for o in account.broker.open_orders()]
    assert still == [our_exit.client_order_id]  # only our own exit keeps working


def test_a_cancel_the_broker_refuses_is_reported_by_order(account: Account) -> None:
    stuck = account.resting_buy_behind_the_ledger("MSFT", 1)
    account.broker.refuse_cancel = {stuck.broker_order_id}
    report = account.stop()
    assert report.cancelled == ()  # type: ignore[attr-defined]
    assert report.errors == (  # type: ignore[attr-defined]
        f"cancel {stuck.client_order_id} failed: cancel refused for {stuck.broker_order_id}",
    )


# -- the HALT record and a broker that cannot list its orders ----------------------------------


def test_the_halt_records_why_and_when_and_a_second_halt_keeps_the_first(
    account: Account,
) -> None:
    first = account.stop()
    assert first.reason == "test" and first.already_halted is False  # type: ignore[attr-defined]
    state = account.ledger.trading_state()
    assert (state.status.value, state.reason, state.changed_at) == ("halted", "test", T0)
    account.clock.advance(timedelta(minutes=5))
    again = emergency_stop(
        reason="again", broker=account.broker, ledger=account.ledger, limits=limits(),
        clock=account.clock,
    )  # fmt: skip
    assert again.already_halted is True and again.reason == "again"
    kept = account.ledger.trading_state()
    assert (kept.reason, kept.changed_at) == ("test", T0), "the first halt's reason and time stay"


class NoOrderList(RestingEmergencyExits):
    def open_orders(self) -> list[Order]:
        raise BrokerError("orders endpoint 503")


def test_an_order_list_that_fails_is_reported_and_positions_still_close(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    broker = NoOrderList(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal("100000"),
        slippage_bps=0,
        price_source=lambda _ticker: Decimal("100"),
        clock=clock,
    )
    broker.refuse_cancel = set()
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    try:
        held = Account(broker, ledger, clock)
        _held_aapl(held)
        report = held.stop()
        assert "listing open orders failed: orders endpoint 503" in report.errors  # type: ignore[attr-defined]
        assert [o.signal.symbol for o in report.exits] == ["AAPL"]  # type: ignore[attr-defined]
    finally:
        ledger.close()


def test_the_alert_says_what_was_cancelled_sent_and_left(account: Account) -> None:
    from tools.alerts.dispatcher import AlertDispatcher
    from tools.alerts.model import Alert as AlertModel

    got: list[AlertModel] = []

    class Inbox:
        name = "inbox"

        def deliver(self, alert: AlertModel) -> None:
            got.append(alert)

    _held_aapl(account)
    stuck = account.resting_buy_behind_the_ledger("MSFT", 1)
    cancelled = account.resting_buy_behind_the_ledger("NVDA", 2)
    account.broker.refuse_cancel = {stuck.broker_order_id}
    emergency_stop(
        reason="drill",
        broker=account.broker,
        ledger=account.ledger,
        limits=limits(),
        clock=account.clock,
        alerts=AlertDispatcher([Inbox()], clock=account.clock),
    )
    (alert,) = got
    assert (alert.severity.value, alert.title, alert.at, alert.key) == (
        "critical",
        "emergency stop",
        T0,
        "emergency-stop:drill",
    )
    assert alert.message == (
        "Emergency stop: drill. Trading is HALTED. Cancelled 1 order(s); exits sent: AAPL 9. "
        f"Needs attention: cancel {stuck.client_order_id} failed: cancel refused for "
        f"{stuck.broker_order_id}"
    )
    assert alert.context == {"cancelled": "1", "exits": "1"}
    assert cancelled.client_order_id not in alert.message
