"""The broker interface that execution, the monitor and reconciliation use.

Both implementations (local paper, Alpaca) keep the same semantics so that tests and backtests
exercise the real execution paths:

- ``submit_order`` is idempotent on ``client_order_id``: a second submit of the same id returns the
  existing order (or raises ``DuplicateClientOrderIdError`` that the caller resolves by lookup),
  never a second order.
- An ambiguous failure (timeout, 5xx, dropped connection) raises ``AmbiguousSubmissionError``;
  the caller must look the order up by ``client_order_id`` before anything is resubmitted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, runtime_checkable

from domain import AssetStatus, Order, OrderIntent, PortfolioSnapshot, Quote

__all__ = [
    "AccountFacts",
    "AccountInfo",
    "AmbiguousSubmissionError",
    "AssetMaster",
    "Broker",
    "BrokerError",
    "ClosableBroker",
    "DuplicateClientOrderIdError",
    "EntryBlockedError",
    "MarketClock",
    "OrderRejectedError",
    "QuoteSource",
    "UnresolvedSubmissionError",
]


class BrokerError(Exception):
    """The broker refused or failed; the message says why."""


class OrderRejectedError(BrokerError):
    """The broker definitively rejected the order (it does not exist at the broker)."""


class AmbiguousSubmissionError(BrokerError):
    """We do not know whether the broker accepted the order; resolve by client_order_id lookup."""


class DuplicateClientOrderIdError(BrokerError):
    """The broker already holds an order with this client_order_id; adopt it."""


class UnresolvedSubmissionError(AmbiguousSubmissionError):
    """Lookups and same-id resubmissions all failed; reconciliation must settle this intent."""


class EntryBlockedError(BrokerError):
    """The persisted trading state (HALTED / REDUCING) forbids sending a new entry."""


@runtime_checkable
class Broker(Protocol):
    name: str

    def portfolio(self) -> PortfolioSnapshot:
        """Cash, equity, buying power and positions now."""
        ...

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        """Submit ``qty`` (the gate-approved quantity) of ``intent``; idempotent on client id."""
        ...

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        """The broker's order for our id, or ``None`` if the broker never received it."""
        ...

    def open_orders(self) -> list[Order]: ...

    def cancel_order(self, broker_order_id: str) -> None: ...


# Capabilities beyond the core protocol. A broker that has one implements the method; callers ask
# with ``isinstance(broker, AssetMaster)`` instead of probing attribute names, so a renamed method
# is a type error, not a silently skipped risk check.


@runtime_checkable
class MarketClock(Protocol):
    def market_open(self) -> bool:
        """The broker's own answer to "is the regular session open now"."""
        ...


@runtime_checkable
class AssetMaster(Protocol):
    def asset(self, symbol: str) -> AssetStatus:
        """The broker's asset entry; raises ``BrokerError`` when unknown or unreadable."""
        ...


@runtime_checkable
class ClosableBroker(Protocol):
    def close(self) -> None:
        """Release what the broker holds open (database pool, HTTP sessions); idempotent.

        Why a capability: the engine that built the broker closes it on exit, so a long-lived
        face (the API server, a test opening hundreds of engines) does not leak files and
        sockets; a broker that holds nothing need not implement it.
        """
        ...


class AccountFacts(Protocol):
    account_number: str
    daytrade_count: int
    trading_blocked: bool


@runtime_checkable
class AccountInfo(Protocol):
    def account(self) -> AccountFacts:
        """Account facts the gate and live gating need (day trades, blocks, account number)."""
        ...


@runtime_checkable
class QuoteSource(Protocol):
    def latest_quote(self, symbol: str) -> Quote | None:
        """The broker's current best bid/ask, or ``None`` when it has none for the symbol.

        Raises ``BrokerError`` when the quote endpoint fails. Entries are sized and
        sanity-checked against this quote, not against the data feed's last close.
        """
        ...
