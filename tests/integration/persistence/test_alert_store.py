"""The alerts table on SQLite and Postgres: lifecycle, one unresolved row per condition, races."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from domain import EventSeverity
from tests.unit.persistence.state_factory import AS_OF
from tools.alerts.model import Alert
from tools.persistence.errors import LedgerInputError
from tools.persistence.records import AlertStatus
from tools.persistence.sql_ledger import SqlLedger


@pytest.fixture
def ledger(database_url: str) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(database_url, auto_upgrade=True)
    yield opened
    opened.close()


def _alert(minute: int = 0, key: str = "daily-loss") -> Alert:
    return Alert(
        severity=EventSeverity.CRITICAL,
        title="daily loss limit hit",
        message=f"equity down 3.1% at minute {minute}",
        at=AS_OF + timedelta(minutes=minute),
        key=key,
        source="risk_gate",
    )


def test_alert_lifecycle(ledger: SqlLedger) -> None:
    alert_id = ledger.alerts.record_alert(_alert())
    raised = ledger.alerts.get(alert_id)
    assert raised is not None and raised.status is AlertStatus.OPEN
    acked = ledger.alerts.acknowledge(alert_id, by="ops", at=AS_OF + timedelta(minutes=1))
    assert acked.status is AlertStatus.ACKNOWLEDGED and acked.acknowledged_by == "ops"
    assert [a.id for a in ledger.alerts.unresolved()] == [alert_id]
    resolved = ledger.alerts.resolve(alert_id, by="ops", at=AS_OF + timedelta(minutes=2))
    assert resolved.status is AlertStatus.RESOLVED and resolved.resolved_by == "ops"
    assert ledger.alerts.unresolved() == []
    assert [a.id for a in ledger.alerts.recent()] == [alert_id]
    with pytest.raises(LedgerInputError):
        ledger.alerts.acknowledge(9999, by="ops", at=AS_OF)


def test_repeats_count_on_the_unresolved_row_and_keep_the_latest_text(ledger: SqlLedger) -> None:
    first = ledger.alerts.record_alert(_alert(0))
    assert ledger.alerts.record_alert(_alert(5)) == first
    other = ledger.alerts.record_alert(_alert(6, key="feed-down"))
    assert other != first
    stored = ledger.alerts.get(first)
    assert stored is not None
    assert (stored.occurrences, stored.last_seen_at) == (2, AS_OF + timedelta(minutes=5))
    assert stored.message == "equity down 3.1% at minute 5"
    assert stored.created_at == AS_OF


def test_a_repeat_may_raise_the_severity_but_never_lowers_it(ledger: SqlLedger) -> None:
    warning = _alert(0).model_copy(update={"severity": EventSeverity.WARNING})
    alert_id = ledger.alerts.record_alert(warning)
    ledger.alerts.record_alert(_alert(1))  # critical
    ledger.alerts.record_alert(warning.model_copy(update={"at": AS_OF + timedelta(minutes=2)}))
    stored = ledger.alerts.get(alert_id)
    assert stored is not None
    assert (stored.severity, stored.occurrences) == (EventSeverity.CRITICAL, 3)


def test_concurrent_raisers_of_one_condition_share_one_row(database_url: str) -> None:
    setup = SqlLedger.from_url(database_url, auto_upgrade=True)
    raisers = [SqlLedger.from_url(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(raisers))
    ids: list[int] = []
    errors: list[BaseException] = []

    def raise_alerts(ledger: SqlLedger) -> None:
        try:
            barrier.wait()
            for i in range(10):
                ids.append(ledger.alerts.record_alert(_alert(i)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=raise_alerts, args=(r,)) for r in raisers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (stored,) = setup.alerts.unresolved()
    assert set(ids) == {stored.id} and stored.occurrences == 40
    for ledger in [setup, *raisers]:
        ledger.close()
