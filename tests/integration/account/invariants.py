"""What must hold for the whole account after every step, each as a list of violations.

Each check reads the truth from the broker fake (what Alpaca would hold) and the ledger (what
hedgegraph believes), never from the engine's own reports, so a step that lies about what it did
cannot pass them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from domain import TradingStatus
from tests.integration.account.world import Placement, ProbedAlpaca
from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "books_ahead_of_the_broker",
    "cap_breaches",
    "entries_under_halt",
    "orders_without_decision",
]

_CAP_ROUNDING = Decimal("1.001")


def cap_breaches(
    fake: ProbedAlpaca,
    *,
    max_position_pct: float,
    lowest_price: Mapping[str, Decimal],
    highest_equity: Decimal,
) -> list[str]:
    """Positions larger than the cap allowed when their last share was bought.

    Prices move only when the test moves them, so the last buy of a position was sized at a price
    no lower than the lowest this symbol has had and against equity no higher than the highest the
    account has had: ``qty * lowest price <= cap * highest equity`` must hold whatever moved since.
    """
    limit = Decimal(str(max_position_pct)) * highest_equity * _CAP_ROUNDING
    out = []
    for symbol, position in sorted(fake.positions.items()):
        value = abs(position["qty"]) * lowest_price[symbol]
        if value > limit:
            out.append(
                f"{symbol}: {position['qty']} shares worth at least {value:.2f} against a cap of "
                f"{limit:.2f} ({max_position_pct:.0%} of equity at most {highest_equity:.2f})"
            )
    return out


def orders_without_decision(fake: ProbedAlpaca, ledger: SqlLedger) -> list[str]:
    """Orders at the broker that the ledger has no intent for, or no decision row linked to.

    A bracket leg is the broker's own order: it answers through its parent entry.
    """
    out = []
    threads: dict[str, set[str]] = {}
    for order in list(fake.orders.values()):
        parent = fake.orders.get(order.get("parent_id") or "")
        ours = parent if parent is not None else order
        cid = ours["client_order_id"]
        intent = ledger.intent(cid)
        if intent is None:
            out.append(f"{cid} ({ours['side']} {ours['symbol']} {ours['qty']}): no intent")
            continue
        if intent.thread_id not in threads:
            threads[intent.thread_id] = {
                linked
                for row in ledger.decisions_for_thread(intent.thread_id)
                for linked in row.order_client_ids
            }
        if cid not in threads[intent.thread_id]:
            out.append(
                f"{cid} ({ours['side']} {ours['symbol']} {ours['qty']}, status "
                f"{ours['status']}, thread {intent.thread_id}): no decision record links it"
            )
    return sorted(set(out))


def entries_under_halt(placements: Iterable[Placement]) -> list[str]:
    """Orders that add risk and reached the broker while HALTED or REDUCING, or in an asset the
    broker does not know. A submission already in flight when a racing halt began may land; the
    halt must then unwind it, which the other invariants check."""
    out = []
    for p in placements:
        if not p.opening:
            continue
        if p.status is not TradingStatus.ACTIVE and not p.racing_halt:
            out.append(f"{p.client_order_id}: {p.side} {p.qty} {p.symbol} under {p.status.value}")
        if p.asset_unknown:
            out.append(f"{p.client_order_id}: {p.side} {p.qty} {p.symbol}, an unknown asset")
    return out


def books_ahead_of_the_broker(fake: ProbedAlpaca, ledger: SqlLedger) -> list[str]:
    """Symbols where the ledger's positions differ from the broker's by more than the fills the
    ledger has not heard of yet.

    Read-only, so it can run after every step: the ledger may lag the broker (a bracket leg the
    exchange filled is learnt at the next settlement, which ``reconcile`` checks), but it must
    never hold fills, orders or sides the broker does not.
    """
    expected: dict[str, Decimal] = dict(ledger.net_positions())
    for order in list(fake.orders.values()):
        known = ledger.order(order["client_order_id"])
        unheard = Decimal(order["filled_qty"]) - (known.filled_qty if known is not None else 0)
        signed = unheard if order["side"] == "buy" else -unheard
        expected[order["symbol"]] = expected.get(order["symbol"], Decimal(0)) + signed
    held = {s: p["qty"] for s, p in fake.positions.items()}
    return [
        f"{symbol}: ledger plus unheard fills imply {expected.get(symbol, 0)}, broker holds "
        f"{held.get(symbol, 0)}"
        for symbol in sorted(set(expected) | set(held))
        if expected.get(symbol, Decimal(0)) != held.get(symbol, Decimal(0))
    ]
