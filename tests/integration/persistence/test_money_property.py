"""Property: any amount the store accepts comes back exactly, on SQLite and Postgres alike;
anything it would have to round is refused with a typed error and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.persistence.state_factory import order_intent
from tools.persistence.errors import LedgerInputError
from tools.persistence.sql_ledger import SqlLedger

amounts = st.decimals(
    min_value=Decimal("0.0000000001"),
    max_value=Decimal("99999999999999.9999999999"),
    places=10,
    allow_nan=False,
    allow_infinity=False,
)


@pytest.fixture
def ledger(database_url: str) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(database_url, auto_upgrade=True)
    yield opened
    opened.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(price=amounts, qty=amounts)
def test_representable_amounts_round_trip_exactly(
    ledger: SqlLedger, price: Decimal, qty: Decimal
) -> None:
    thread = f"t-{price}-{qty}"
    intent = order_intent(thread, "d-1").model_copy(update={"reference_price": price, "qty": qty})
    ledger.record_intent(intent, str(qty))
    [stored] = ledger.intents_for_thread(thread)
    assert (stored.reference_price, stored.qty) == (price, qty)
    assert ledger.approved_qty(intent.client_order_id) == qty


@pytest.mark.parametrize("price", ["0.00000000001", "123.45678901234", "100000000000000"])
def test_unrepresentable_amounts_are_refused_not_rounded(ledger: SqlLedger, price: str) -> None:
    intent = order_intent("t-round", "d-1").model_copy(update={"reference_price": Decimal(price)})
    with pytest.raises(LedgerInputError, match=r"decimal places|integer digits"):
        ledger.record_intent(intent, "1")
    assert ledger.intents_for_thread("t-round") == []
