"""The local paper broker: simulated fills, persisted in SQLite through SQLAlchemy.

Same semantics as the Alpaca broker so tests and backtests exercise the real execution path:
submit is idempotent on ``client_order_id`` (a unique constraint, not a check-then-insert), market
orders fill at once at the price source adjusted by slippage, marketable limit orders fill at the
better of price and limit, others rest until ``work_open_orders`` finds them marketable, a cancel
never undoes a fill, and cash, positions and orders survive a process restart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from domain import (
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    PortfolioSnapshot,
    Position,
    Quote,
)
from tools.brokers._paper_schema import ACCOUNT, METADATA, ORDERS, POSITIONS
from tools.brokers.base import BrokerError, OrderRejectedError
from tools.clock import Clock

__all__ = ["PaperBroker"]

_PRICE_QUANTUM = Decimal("0.0001")
_OPEN = tuple(s.value for s in OrderStatus if not s.is_terminal)
"""Statuses the simulated exchange may still fill (``OrderStatus.is_terminal`` is the home)."""


def _sqlite_engine(database_url: str) -> Engine:
    engine = create_engine(database_url, connect_args={"timeout": 30})
    if engine.dialect.name == "sqlite":
        # Serialise writers across processes: BEGIN IMMEDIATE takes the write lock up front, so two
        # processes submitting the same client_order_id cannot both pass the existence check.
        @event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class PaperBroker:
    """A simulated cash account. ``price_source`` answers the current price of a ticker."""

    name = "paper"

    def __init__(
        self,
        *,
        database_url: str,
        starting_cash: Decimal,
        slippage_bps: float,
        price_source: Callable[[str], Decimal],
        clock: Clock,
    ) -> None:
        if starting_cash <= 0:
            raise ValueError("starting_cash must be positive")
        if not 0 <= slippage_bps <= 500:
            raise ValueError("slippage_bps must be within [0, 500]")
        self._engine = _sqlite_engine(database_url)
        self._slippage = Decimal(str(slippage_bps)) / Decimal(10_000)
        self._price_source = price_source
        self._clock = clock
        METADATA.create_all(self._engine)
        _add_missing_columns(self._engine)
        with self._engine.begin() as conn:
            if conn.execute(select(ACCOUNT.c.id)).first() is None:
                conn.execute(
                    insert(ACCOUNT).values(id=1, cash=starting_cash, created_at=clock.now())
                )

    def close(self) -> None:
        """Close the account database's pooled connections (its file is no longer held open)."""
        self._engine.dispose()

    # -- reads ---------------------------------------------------------------------------------

    def portfolio(self) -> PortfolioSnapshot:
        with self._engine.connect() as conn:
            cash = conn.execute(select(ACCOUNT.c.cash)).scalar_one()
            rows = conn.execute(select(POSITIONS)).mappings().all()
        positions = {
            r["symbol"]: Position(
                symbol=r["symbol"],
                qty=r["qty"],
                avg_entry_price=r["avg_entry_price"],
                market_price=self._price(r["symbol"]),
            )
            for r in rows
            if r["qty"] != 0
        }
        equity = cash + sum((p.market_value for p in positions.values()), Decimal(0))
        return PortfolioSnapshot(
            as_of=self._clock.now(),
            cash=cash,
            equity=equity,
            buying_power=max(cash, Decimal(0)),
            positions=positions,
            account_id="paper-local",
        )

    def latest_quote(self, symbol: str) -> Quote | None:
        """The price source's current price as a zero-spread quote (the simulated market's own).

        Raises ``BrokerError`` when the price source has no positive price, like every read.
        """
        price = float(self._price(symbol))
        return Quote(
            ticker=symbol, ts=self._clock.now(), bid=price, ask=price, bid_size=0, ask_size=0
        )

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        with self._engine.connect() as conn:
            row = (
                conn.execute(select(ORDERS).where(ORDERS.c.client_order_id == client_order_id))
                .mappings()
                .first()
            )
        return None if row is None else _order(row)

    def open_orders(self) -> list[Order]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(ORDERS).where(ORDERS.c.status.in_(_OPEN)).order_by(ORDERS.c.seq)
            ).mappings()
            return [_order(r) for r in rows]

    def all_orders(self) -> list[Order]:
        """Every order ever placed, oldest first (reconciliation and tests)."""
        with self._engine.connect() as conn:
            return [
                _order(r) for r in conn.execute(select(ORDERS).order_by(ORDERS.c.seq)).mappings()
            ]

    # -- writes --------------------------------------------------------------------------------

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        if qty <= 0:
            raise OrderRejectedError(f"quantity must be positive, got {qty}")
        existing = self.get_order_by_client_id(intent.client_order_id)
        if existing is not None:
            return existing
        stop_price = _stop_price(intent)
        price = self._price(intent.ticker)  # outside the write lock: the source may be slow
        now = self._clock.now()
        try:
            with self._engine.begin() as conn:
                row = (
                    conn.execute(
                        select(ORDERS).where(ORDERS.c.client_order_id == intent.client_order_id)
                    )
                    .mappings()
                    .first()
                )
                if row is not None:
                    return _order(row)
                broker_id = _broker_order_id(intent.client_order_id)
                conn.execute(
                    insert(ORDERS).values(
                        broker_order_id=broker_id,
                        client_order_id=intent.client_order_id,
                        ticker=intent.ticker,
                        side=intent.side.value,
                        qty=qty,
                        order_type=intent.order_type.value,
                        limit_price=intent.limit_price
                        if intent.order_type is OrderType.LIMIT
                        else None,
                        stop_price=stop_price,
                        status=OrderStatus.NEW.value,
                        filled_qty=Decimal(0),
                        submitted_at=now,
                        updated_at=now,
                    )
                )
                self._try_fill(conn, broker_id, price)
        except IntegrityError:
            pass  # another process inserted the same client_order_id first: adopt it below
        order = self.get_order_by_client_id(intent.client_order_id)
        if order is None:
            raise BrokerError(f"paper order {intent.client_order_id} vanished after submit")
        return order

    def cancel_order(self, broker_order_id: str) -> None:
        """Cancel a working order; a filled or already closed order is left as it is."""
        with self._engine.begin() as conn:
            row = (
                conn.execute(select(ORDERS).where(ORDERS.c.broker_order_id == broker_order_id))
                .mappings()
                .first()
            )
            if row is None:
                raise BrokerError(f"paper broker has no order {broker_order_id}")
            if row["status"] in _OPEN:
                conn.execute(
                    update(ORDERS)
                    .where(ORDERS.c.broker_order_id == broker_order_id)
                    .values(status=OrderStatus.CANCELED.value, updated_at=self._clock.now())
                )

    def work_open_orders(self) -> list[Order]:
        """Fill resting limit and stop orders the price now reaches; returns those that filled."""
        filled: list[Order] = []
        for order in self.open_orders():
            price = self._price(order.ticker)
            with self._engine.begin() as conn:
                if self._try_fill(conn, order.broker_order_id, price):
                    row = (
                        conn.execute(
                            select(ORDERS).where(ORDERS.c.broker_order_id == order.broker_order_id)
                        )
                        .mappings()
                        .one()
                    )
                    filled.append(_order(row))
        return filled

    # -- internals -----------------------------------------------------------------------------

    def _price(self, ticker: str) -> Decimal:
        price = self._price_source(ticker)
        if price <= 0:
            raise BrokerError(f"paper broker got a non-positive price for {ticker}: {price}")
        return price

    def _try_fill(self, conn: Connection, broker_order_id: str, price: Decimal) -> bool:
        """Fill the whole order if it is marketable at ``price``; True when it filled."""
        row = (
            conn.execute(select(ORDERS).where(ORDERS.c.broker_order_id == broker_order_id))
            .mappings()
            .one()
        )
        if row["status"] not in _OPEN:
            return False
        side = OrderSide(row["side"])
        slip = Decimal(1) + self._slippage if side is OrderSide.BUY else Decimal(1) - self._slippage
        fill_price = (price * slip).quantize(_PRICE_QUANTUM)
        limit = row["limit_price"]
        if limit is not None and not _marketable(side, fill_price, limit):
            return False
        stop = row["stop_price"]
        if stop is not None and not _stop_triggered(side, price, stop):
            return False
        qty: Decimal = row["qty"] - row["filled_qty"]
        signed = qty if side is OrderSide.BUY else -qty
        cash = conn.execute(select(ACCOUNT.c.cash)).scalar_one()
        if side is OrderSide.BUY and qty * fill_price > cash:
            conn.execute(
                update(ORDERS)
                .where(ORDERS.c.broker_order_id == broker_order_id)
                .values(status=OrderStatus.REJECTED.value, updated_at=self._clock.now())
            )
            return False
        conn.execute(update(ACCOUNT).values(cash=cash - signed * fill_price))
        self._apply_position(conn, row["ticker"], signed, fill_price)
        conn.execute(
            update(ORDERS)
            .where(ORDERS.c.broker_order_id == broker_order_id)
            .values(
                status=OrderStatus.FILLED.value,
                filled_qty=row["qty"],
                filled_avg_price=fill_price,
                updated_at=self._clock.now(),
            )
        )
        return True

    @staticmethod
    def _apply_position(conn: Connection, symbol: str, signed: Decimal, price: Decimal) -> None:
        row = conn.execute(select(POSITIONS).where(POSITIONS.c.symbol == symbol)).mappings().first()
        if row is None:
            conn.execute(insert(POSITIONS).values(symbol=symbol, qty=signed, avg_entry_price=price))
            return
        held: Decimal = row["qty"]
        new_qty = held + signed
        if held == 0 or ((held > 0) != (new_qty > 0) and new_qty != 0):
            avg = price  # opened afresh or flipped through zero
        elif (held > 0) == (signed > 0):
            avg = (held * row["avg_entry_price"] + signed * price) / new_qty
        else:
            avg = row["avg_entry_price"]  # a reduction keeps the entry price
        conn.execute(
            update(POSITIONS)
            .where(POSITIONS.c.symbol == symbol)
            .values(qty=new_qty, avg_entry_price=avg.quantize(_PRICE_QUANTUM))
        )


def _stop_price(intent: OrderIntent) -> Decimal | None:
    if intent.order_type is not OrderType.STOP:
        return None
    if intent.stop_loss is None:
        raise OrderRejectedError(f"stop order {intent.client_order_id} has no stop_loss price")
    return intent.stop_loss


def _stop_triggered(side: OrderSide, price: Decimal, stop: Decimal) -> bool:
    """A sell stop fires at or below its price, a buy stop at or above."""
    return price <= stop if side is OrderSide.SELL else price >= stop


def _add_missing_columns(engine: Engine) -> None:
    """Files written before ``stop_price`` existed get the column (nullable, no data to move)."""
    columns = {c["name"] for c in inspect(engine).get_columns("paper_orders")}
    if "stop_price" not in columns:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE paper_orders ADD COLUMN stop_price VARCHAR(64)")


def _marketable(side: OrderSide, fill_price: Decimal, limit: Decimal) -> bool:
    return fill_price <= limit if side is OrderSide.BUY else fill_price >= limit


def _broker_order_id(client_order_id: str) -> str:
    return "paper-" + hashlib.sha256(client_order_id.encode()).hexdigest()[:24]


def _order(row: Any) -> Order:
    return Order(
        broker_order_id=row["broker_order_id"],
        client_order_id=row["client_order_id"],
        ticker=row["ticker"],
        side=OrderSide(row["side"]),
        qty=row["qty"],
        order_type=OrderType(row["order_type"]),
        status=OrderStatus(row["status"]),
        filled_qty=row["filled_qty"],
        filled_avg_price=row["filled_avg_price"],
        limit_price=row["limit_price"],
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
    )
