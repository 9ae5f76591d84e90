"""Risk memory: the session baseline is fixed by the first look, the high-water mark only rises,
both survive reopening the store, and recent exits and entries come back from the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain import Order, OrderSide, OrderStatus
from graph.risk.memory import RiskMemory, session_date
from tests.unit.risk.factory import intent, portfolio
from tools.persistence.sql_ledger import SqlLedger

MON = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)


def test_baseline_and_high_water_mark_persist(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    ledger = SqlLedger.from_url(url)
    memory = RiskMemory(ledger)
    assert memory.observe_equity(Decimal(100_000), MON) == (Decimal(100_000), Decimal(100_000))
    assert memory.observe_equity(Decimal(104_000), MON + timedelta(hours=1)) == (
        Decimal(100_000),
        Decimal(104_000),
    )
    assert memory.observe_equity(Decimal(97_000), MON + timedelta(hours=2)) == (
        Decimal(100_000),
        Decimal(104_000),
    )
    ledger.close()
    reopened = RiskMemory(SqlLedger.from_url(url))
    # a restart later the same session keeps the morning baseline
    assert reopened.observe_equity(Decimal(96_000), MON + timedelta(hours=3)) == (
        Decimal(100_000),
        Decimal(104_000),
    )
    # the next session starts from its own first equity and keeps the mark
    assert reopened.observe_equity(Decimal(95_000), MON + timedelta(days=1)) == (
        Decimal(95_000),
        Decimal(104_000),
    )


def test_session_date_is_new_york() -> None:
    late_evening_ny = datetime(2024, 3, 5, 2, 0, tzinfo=UTC)  # 21:00 on the 4th in New York
    assert session_date(late_evening_ny).isoformat() == "2024-03-04"


def test_account_state_reads_recent_exits_and_entries(tmp_path: Path) -> None:
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    entry = intent("MSFT", qty="5")
    exit_ = intent("AAPL", side=OrderSide.SELL, qty="5", reduces_position=True)
    for it, at in ((entry, MON - timedelta(seconds=20)), (exit_, MON - timedelta(minutes=30))):
        ledger.record_intent(it, "5")
        ledger.record_order(
            Order(
                broker_order_id=f"b-{it.ticker}",
                client_order_id=it.client_order_id,
                ticker=it.ticker,
                side=it.side,
                qty=Decimal(5),
                status=OrderStatus.FILLED,
                filled_qty=Decimal(5),
                filled_avg_price=Decimal(100),
                submitted_at=at,
            )
        )
    state = RiskMemory(ledger).account_state(
        portfolio=portfolio("100000"), now=MON, day_trade_count=2, cooldown_seconds=3600
    )
    assert state.last_exit_at == {"AAPL": MON - timedelta(minutes=30)}
    assert state.recent_order_times == (MON - timedelta(seconds=20),)
    assert state.day_trade_count == 2
    assert state.session_baseline_equity == Decimal(100_000)


def test_a_sessions_high_water_mark_comes_only_from_sessions_before_it(tmp_path: Path) -> None:
    """One owner of ``risk_baselines``: a replay that visits a later session first must not
    carry that session's mark back into an earlier one (the old second owner did)."""
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    memory = RiskMemory(ledger)
    memory.observe_equity(Decimal(120_000), MON + timedelta(days=4))
    assert memory.observe_equity(Decimal(100_000), MON) == (Decimal(100_000), Decimal(100_000))
    # the gate's memory and the operator's status read the same row
    stored = ledger.risk_baseline(session_date(MON))
    assert stored is not None
    assert (stored.start_equity, stored.high_water_mark) == memory.current(MON)
    assert memory.current(MON - timedelta(days=3)) == (None, None)
    ledger.close()


def test_every_account_sighting_is_a_point_on_the_equity_curve(tmp_path: Path) -> None:
    from domain import PortfolioSnapshot, Position

    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    memory = RiskMemory(ledger)

    def book(cash: str, price: str) -> PortfolioSnapshot:
        p = Position(
            symbol="AAPL",
            qty=Decimal(-100),
            avg_entry_price=Decimal(100),
            market_price=Decimal(price),
        )
        return PortfolioSnapshot(
            as_of=MON, cash=Decimal(cash), equity=Decimal(cash) + p.market_value,
            buying_power=Decimal(cash), positions={"AAPL": p},
        )  # fmt: skip

    memory.observe_account(book("110000", "100"), MON)  # equity 100,000: the high-water mark
    memory.observe_account(book("110000", "120"), MON + timedelta(hours=1))  # 98,000
    memory.observe_account(book("110000", "130"), MON + timedelta(hours=1))  # same instant
    curve = ledger.performance_between(MON, MON + timedelta(days=1))
    assert [p.equity for p in curve] == [Decimal(100_000), Decimal(98_000)]
    assert [p.cash for p in curve] == [Decimal(110_000)] * 2
    assert [p.gross_exposure for p in curve] == [Decimal(10_000), Decimal(12_000)]
    assert [p.net_exposure for p in curve] == [Decimal(-10_000), Decimal(-12_000)]
    assert curve[0].drawdown_pct == 0.0
    assert abs(curve[1].drawdown_pct - 0.02) < 1e-12
    ledger.close()
