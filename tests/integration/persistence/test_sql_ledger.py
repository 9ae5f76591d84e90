"""SqlLedger against real SQLite and Postgres: idempotency, exactness, and refusal of bad input."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain import OrderStatus, TradingStateRecord, TradingStatus
from tests.unit.persistence.state_factory import (
    AS_OF,
    analyst_verdicts,
    decision,
    gate_verdict,
    order_for,
    order_intent,
)
from tools.persistence.errors import LedgerInputError, UnknownIntentError
from tools.persistence.ledger import Ledger
from tools.persistence.records import DecisionAuditEntry
from tools.persistence.sql_ledger import SqlLedger


@pytest.fixture
def ledger(database_url: str) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(database_url, auto_upgrade=True)
    yield opened
    opened.close()


def test_sql_ledger_implements_the_protocol(ledger: SqlLedger) -> None:
    assert isinstance(ledger, Ledger)


def test_record_intent_is_idempotent_on_client_order_id(ledger: SqlLedger) -> None:
    intent = order_intent("t-1", "d-1")
    assert ledger.record_intent(intent, "7") is True
    assert ledger.record_intent(intent, "7") is False
    assert ledger.intents_for_thread("t-1") == [intent]
    assert ledger.approved_qty(intent.client_order_id) == Decimal("7")


def test_concurrent_record_intent_has_exactly_one_winner(ledger: SqlLedger) -> None:
    intent = order_intent("t-race", "d-1")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: ledger.record_intent(intent, "10"), range(16)))
    assert results.count(True) == 1
    assert len(ledger.intents_for_thread("t-race")) == 1


def test_money_is_exact_and_times_stay_aware(ledger: SqlLedger) -> None:
    intent = order_intent("t-money", "d-1").model_copy(
        update={"reference_price": Decimal("123456789.0123456789"), "qty": Decimal("0.000001")}
    )
    ledger.record_intent(intent, "0.000001")
    [stored] = ledger.intents_for_thread("t-money")
    assert stored.reference_price == Decimal("123456789.0123456789")
    assert stored.qty == Decimal("0.000001")
    assert stored.created_at == AS_OF and stored.created_at.tzinfo is not None


def test_order_upsert_tracks_the_broker_view(ledger: SqlLedger) -> None:
    intent = order_intent("t-ord", "d-1")
    ledger.record_intent(intent, "10")
    accepted = order_for(intent, OrderStatus.ACCEPTED)
    ledger.record_order(accepted)
    filled = order_for(intent, OrderStatus.FILLED).model_copy(
        update={"updated_at": AS_OF + timedelta(minutes=1)}
    )
    ledger.record_order(filled)
    assert ledger.orders_for_thread("t-ord") == [filled]
    assert ledger.open_orders() == []


def test_stale_report_never_reopens_a_terminal_order(ledger: SqlLedger) -> None:
    intent = order_intent("t-stale", "d-1")
    ledger.record_intent(intent, "10")
    filled = order_for(intent, OrderStatus.FILLED)
    ledger.record_order(filled)
    ledger.record_order(order_for(intent, OrderStatus.NEW))
    assert ledger.order(intent.client_order_id) == filled


def test_order_without_a_persisted_intent_is_refused(ledger: SqlLedger) -> None:
    orphan = order_for(order_intent("t-orphan", "d-1"), OrderStatus.NEW)
    with pytest.raises(UnknownIntentError, match="no persisted intent"):
        ledger.record_order(orphan)
    assert ledger.order(orphan.client_order_id) is None


@pytest.mark.parametrize("bad", ["ten", "-1", "NaN", "11"])
def test_bad_approved_qty_is_a_typed_error_and_writes_nothing(ledger: SqlLedger, bad: str) -> None:
    intent = order_intent("t-bad", "d-1")
    with pytest.raises(LedgerInputError):
        ledger.record_intent(intent, bad)
    assert ledger.intents_for_thread("t-bad") == []


def test_decision_audit_is_idempotent_per_thread_and_decision(ledger: SqlLedger) -> None:
    intent = order_intent("t-aud", "d-1")
    verdict = gate_verdict(intent)
    kwargs = {
        "thread_id": "t-aud",
        "decision": decision("d-1"),
        "verdicts": analyst_verdicts(),
        "gate_verdict": verdict,
        "inputs_digest": "sha256:abc",
        "model": "rules",
        "prompt_hash": None,
        "order_client_ids": [intent.client_order_id],
    }
    ledger.record_decision(**kwargs)  # type: ignore[arg-type]
    ledger.record_decision(**kwargs)  # type: ignore[arg-type]
    [audit] = ledger.decisions_for_thread("t-aud")
    assert audit.gate_reason_codes == verdict.reason_codes
    assert audit.gate_outcome is verdict.outcome
    assert audit.order_client_ids == (intent.client_order_id,)
    assert audit.quantity == Decimal("10")
    assert audit.analyst_verdicts[1]["failure_reason"] == "llm timeout"


def _hold(thread_id: str, decision_id: str, recorded_at: datetime | None) -> DecisionAuditEntry:
    """A decision that reached no gate (a hold): its time must be given."""
    return DecisionAuditEntry(
        thread_id=thread_id,
        decision=decision(decision_id),
        verdicts=[],
        gate_verdict=None,
        inputs_digest="x",
        model="rules",
        prompt_hash=None,
        order_client_ids=[],
        recorded_at=recorded_at,
    )


def test_decision_without_gate_verdict_needs_an_explicit_time(ledger: SqlLedger) -> None:
    hold = _hold("t-hold", "d-9", None)
    with pytest.raises(LedgerInputError, match="recorded_at"):
        ledger.record_decision(
            thread_id=hold.thread_id,
            decision=hold.decision,
            verdicts=hold.verdicts,
            gate_verdict=hold.gate_verdict,
            inputs_digest=hold.inputs_digest,
            model=hold.model,
            prompt_hash=hold.prompt_hash,
            order_client_ids=hold.order_client_ids,
        )


def test_a_cycles_decisions_are_recorded_together_once_each(ledger: SqlLedger) -> None:
    held = order_intent("t-batch", "d-1")
    entries = [
        DecisionAuditEntry(
            thread_id="t-batch",
            decision=decision(f"d-{n}"),
            verdicts=analyst_verdicts(),
            gate_verdict=gate_verdict(held) if n == 1 else None,
            inputs_digest=f"sha256:{n}",
            model="rules",
            prompt_hash=None,
            order_client_ids=[held.client_order_id] if n == 1 else [],
            recorded_at=AS_OF + timedelta(seconds=n),
        )
        for n in range(1, 251)  # more rows than one INSERT statement carries
    ]
    other = replace(entries[0], thread_id="t-batch-2", recorded_at=AS_OF)
    ledger.record_decisions([*entries, other])
    ledger.record_decisions(entries[:3])  # a retried record step adds nothing
    stored = ledger.decisions_for_thread("t-batch")
    assert [a.decision_id for a in stored] == [f"d-{n}" for n in range(1, 251)]
    assert stored[0].order_client_ids == (held.client_order_id,)
    assert stored[1].order_client_ids == () and stored[1].gate_outcome is None
    assert [a.decision_id for a in ledger.decisions_for_thread("t-batch-2")] == ["d-1"]


def test_a_batch_with_one_bad_decision_records_none_of_it(ledger: SqlLedger) -> None:
    good, undated = _hold("t-atomic", "d-1", AS_OF), _hold("t-atomic", "d-2", None)
    with pytest.raises(LedgerInputError, match="recorded_at"):
        ledger.record_decisions([good, undated])
    assert ledger.decisions_for_thread("t-atomic") == []


def test_trading_state_persists_across_reopen(database_url: str) -> None:
    first = SqlLedger.from_url(database_url, auto_upgrade=True)
    assert first.trading_state() == TradingStateRecord()
    halted = TradingStateRecord(
        status=TradingStatus.HALTED,
        reason="kill switch",
        changed_at=datetime(2024, 3, 8, tzinfo=UTC),
    )
    first.set_trading_state(halted)
    first.close()
    second = SqlLedger.from_url(database_url)
    assert second.trading_state() == halted
    second.set_trading_state(TradingStateRecord(status=TradingStatus.ACTIVE, changed_at=AS_OF))
    assert second.trading_state().status is TradingStatus.ACTIVE
    second.close()
