"""The broker-only emergency stop: flatten at the broker when the ledger cannot be read.

Why these tests: this path sends orders with no ledger record, so everything that keeps it
exactly-once lives in the client order ids it derives, the lookups it makes and the report it
writes. Each test pins one promise of ``graph/execution/broker_only.py`` on the real paper broker
(a SQLite book with the broker's own order states), with venues that rest, lose answers or fail.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain import EventSeverity, Order, OrderIntent, OrderSide, OrderStatus, OrderType
from graph.execution import broker_only
from graph.execution.broker_only import BROKER_ONLY_THREAD, flatten_at_broker
from tests.unit.risk.factory import NOW, intent
from tools.alerts.model import Alert
from tools.brokers.base import AmbiguousSubmissionError, BrokerError
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock

CLOCK = FixedClock(NOW)


def _broker(tmp_path: Path, cls: type[PaperBroker] = PaperBroker) -> PaperBroker:
    return cls(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal("100000"),
        slippage_bps=0,
        price_source=lambda _ticker: Decimal("100"),
        clock=CLOCK,
    )


def _buy(broker: PaperBroker, ticker: str, qty: str) -> Order:
    order = broker.submit_order(intent(ticker=ticker, qty=qty), Decimal(qty))
    assert order.status is OrderStatus.FILLED
    return order


def _resting_buy(broker: PaperBroker, ticker: str) -> Order:
    entry = intent(ticker=ticker, qty="2", order_type=OrderType.LIMIT, limit_price=Decimal("1"))
    order = broker.submit_order(entry, entry.qty)
    assert not order.status.is_terminal
    return order


def _flatten(
    broker: PaperBroker, alerts: list[Alert] | None = None
) -> broker_only.BrokerOnlyStopReport:
    return flatten_at_broker(
        reason="operator pulled the brake",
        ledger_problem="ledger file is corrupt",
        broker=broker,
        clock=CLOCK,
        send_alert=alerts.append if alerts is not None else None,
    )


def _held(broker: PaperBroker) -> dict[str, Decimal]:
    return {s: p.qty for s, p in broker.portfolio().positions.items() if p.qty != 0}


def _attempt(symbol: str, attempt: int) -> str:
    return broker_only._attempt_id(symbol, attempt)


def test_every_position_is_closed_and_every_working_order_cancelled(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    _buy(broker, "AAPL", "9")
    _buy(broker, "MSFT", "5")
    resting = _resting_buy(broker, "NVDA")
    alerts: list[Alert] = []
    report = _flatten(broker, alerts)
    assert _held(broker) == {}
    assert report.cancelled == (resting.client_order_id,)
    assert report.exits == (
        {"symbol": "AAPL", "qty": "9", "order": _attempt("AAPL", 0), "error": None},
        {"symbol": "MSFT", "qty": "5", "order": _attempt("MSFT", 0), "error": None},
    )
    assert report.flat and report.errors == ()
    assert (report.reason, report.ledger_problem) == (
        "operator pulled the brake",
        "ledger file is corrupt",
    )
    nvda = broker.get_order_by_client_id(resting.client_order_id)
    assert nvda is not None and nvda.status is OrderStatus.CANCELED
    sells = [o for o in broker.all_orders() if o.side is OrderSide.SELL]
    assert sorted((o.ticker, o.qty, o.status) for o in sells) == [
        ("AAPL", Decimal(9), OrderStatus.FILLED),
        ("MSFT", Decimal(5), OrderStatus.FILLED),
    ]
    (alert,) = alerts
    assert alert.severity is EventSeverity.CRITICAL
    assert alert.title == "emergency stop without the ledger"
    assert alert.key == "emergency-stop-broker-only:operator pulled the brake"
    assert alert.at == NOW
    assert "operator pulled the brake" in alert.message
    assert "(ledger file is corrupt)" in alert.message
    assert "cancelled 1 order(s) and sent 2 exit(s)" in alert.message
    assert "adopt-broker-book" in alert.message


def test_the_exit_ids_come_from_the_broker_only_thread_and_the_symbol(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    _buy(broker, "AAPL", "9")
    report = _flatten(broker)
    order = broker.get_order_by_client_id(_attempt("AAPL", 0))
    assert order is not None and order.qty == Decimal(9) and order.side is OrderSide.SELL
    assert report.exits[0]["order"] == order.client_order_id
    assert _attempt("AAPL", 0) != _attempt("MSFT", 0) != _attempt("AAPL", 1)
    assert BROKER_ONLY_THREAD == "emergency-stop-broker-only"


def test_a_rerun_after_a_filled_exit_uses_the_next_attempt(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    _buy(broker, "AAPL", "9")
    _flatten(broker)
    _buy(broker, "AAPL", "3")  # a new position after the first halt
    report = _flatten(broker)
    assert report.exits == (
        {"symbol": "AAPL", "qty": "3", "order": _attempt("AAPL", 1), "error": None},
    )
    assert _held(broker) == {} and report.flat


def test_a_flat_book_sends_nothing_and_is_flat(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    alerts: list[Alert] = []
    report = _flatten(broker, alerts)
    assert report.exits == () and report.cancelled == () and report.flat
    assert broker.all_orders() == []
    assert "cancelled 0 order(s) and sent 0 exit(s)" in alerts[0].message


class RestingExits(PaperBroker):
    """A venue where market exits rest (a halted symbol): the exit stays working."""

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        if intent.thread_id == BROKER_ONLY_THREAD:
            intent = intent.model_copy(
                update={"order_type": OrderType.LIMIT, "limit_price": Decimal("10000")}
            )
        return super().submit_order(intent, qty)


def test_a_working_exit_is_adopted_not_sent_again_and_not_cancelled(tmp_path: Path) -> None:
    broker = _broker(tmp_path, RestingExits)
    _buy(broker, "AAPL", "9")
    first = _flatten(broker)
    assert first.exits[0]["order"] == _attempt("AAPL", 0)
    orders_before = len(broker.all_orders())
    again = _flatten(broker)
    assert len(broker.all_orders()) == orders_before  # nothing new at the broker
    assert again.cancelled == ()  # our own working exit is kept
    assert again.exits == (
        {"symbol": "AAPL", "qty": "9", "order": _attempt("AAPL", 0), "error": None},
    )
    working = broker.get_order_by_client_id(_attempt("AAPL", 0))
    assert working is not None and not working.status.is_terminal
    assert again.flat


class LostAnswer(PaperBroker):
    """A venue that takes the exit but loses the answer (a timeout after the order arrived)."""

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        order = super().submit_order(intent, qty)
        if intent.thread_id == BROKER_ONLY_THREAD:
            raise AmbiguousSubmissionError("read timed out")
        return order


def test_an_ambiguous_exit_is_found_by_its_id_and_counts_as_sent(tmp_path: Path) -> None:
    broker = _broker(tmp_path, LostAnswer)
    _buy(broker, "AAPL", "9")
    report = _flatten(broker)
    assert report.exits[0]["order"] == _attempt("AAPL", 0)
    assert report.flat and _held(broker) == {}


class NeverArrives(PaperBroker):
    """A venue that times out and never took the exit."""

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        if intent.thread_id == BROKER_ONLY_THREAD:
            raise AmbiguousSubmissionError("connection reset")
        return super().submit_order(intent, qty)


def test_an_exit_the_broker_never_took_is_an_error_and_not_flat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = _broker(tmp_path, NeverArrives)
    _buy(broker, "AAPL", "9")
    report = _flatten(broker)
    (exit_row,) = report.exits
    assert exit_row["order"] is None and exit_row["symbol"] == "AAPL" and exit_row["qty"] == "9"
    assert exit_row["error"] is not None and "unresolved" in exit_row["error"]
    assert report.errors == (f"exit AAPL: {exit_row['error']}",)
    assert not report.flat
    assert _held(broker) == {"AAPL": Decimal(9)}


class BlindBroker(PaperBroker):
    """A venue whose positions endpoint is down (orders still work)."""

    def portfolio(self):  # type: ignore[no-untyped-def]
        raise BrokerError("positions endpoint unreachable")


def test_unreadable_positions_still_cancel_orders_and_are_not_flat(tmp_path: Path) -> None:
    broker = _broker(tmp_path, BlindBroker)
    resting = _resting_buy(broker, "NVDA")
    report = _flatten(broker)
    assert report.cancelled == (resting.client_order_id,)
    assert report.errors == ("reading positions failed: positions endpoint unreachable",)
    assert not report.flat


class NoOrderList(PaperBroker):
    def open_orders(self) -> list[Order]:
        raise BrokerError("orders endpoint unreachable")


def test_an_unlisted_book_is_an_error_but_the_exits_still_go(tmp_path: Path) -> None:
    broker = _broker(tmp_path, NoOrderList)
    _buy(broker, "AAPL", "9")
    report = _flatten(broker)
    assert report.errors == ("listing open orders failed: orders endpoint unreachable",)
    assert report.exits[0]["order"] == _attempt("AAPL", 0)
    assert _held(broker) == {} and not report.flat


class StuckCancels(PaperBroker):
    def cancel_order(self, broker_order_id: str) -> None:
        raise BrokerError("cancel refused")


def test_a_refused_cancel_is_an_error_and_the_others_go_on(tmp_path: Path) -> None:
    broker = _broker(tmp_path, StuckCancels)
    _buy(broker, "AAPL", "9")
    resting = _resting_buy(broker, "NVDA")
    report = _flatten(broker)
    assert report.cancelled == ()
    assert report.errors == (f"cancel {resting.client_order_id} failed: cancel refused",)
    assert _held(broker) == {} and not report.flat


def test_too_many_earlier_attempts_is_an_error_for_that_symbol_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broker_only, "MAX_ATTEMPTS", 2)
    broker = _broker(tmp_path)
    for _ in range(2):  # two earlier halts of AAPL used attempts 0 and 1
        _buy(broker, "AAPL", "1")
        _flatten(broker)
    _buy(broker, "AAPL", "4")
    _buy(broker, "MSFT", "5")
    report = _flatten(broker)
    assert report.errors == ("exit AAPL: AAPL: 2 earlier broker-only exits; resolve by hand",)
    assert report.exits == (
        {"symbol": "MSFT", "qty": "5", "order": _attempt("MSFT", 0), "error": None},
    )
    assert _held(broker) == {"AAPL": Decimal(4)} and not report.flat


def test_a_kept_exit_does_not_spare_the_working_orders_listed_after_it(tmp_path: Path) -> None:
    broker = _broker(tmp_path, RestingExits)
    _buy(broker, "AAPL", "9")
    _buy(broker, "MSFT", "5")
    _flatten(broker)  # both exits rest
    resting = _resting_buy(broker, "NVDA")  # listed after our exits
    again = _flatten(broker)
    assert again.cancelled == (resting.client_order_id,)
    assert [e["order"] for e in again.exits] == [_attempt("AAPL", 0), _attempt("MSFT", 0)]
