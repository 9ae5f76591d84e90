"""Every alert is stored and logged whatever sinks exist (invariant 8).

Real parts: the SQLite application store (migrated), a real local SMTP server, a webhook behind
httpx's transport. De-duplication and the rate limit hold back sinks only: each occurrence is
counted on the stored alert and every one is logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import httpx
import pytest

from domain import EventSeverity
from tests.integration.alerts.conftest import Inbox, free_port
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert, AlertJournal
from tools.alerts.smtp import SmtpSink
from tools.alerts.webhook import WebhookSink
from tools.clock import FixedClock
from tools.persistence.records import AlertStatus
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration
T0 = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
ROUTES = {EventSeverity.WARNING: ["team@example.test"]}


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    yield opened
    opened.close()


def _halt(at: datetime = T0, **kw: object) -> Alert:
    return Alert(
        severity=EventSeverity.CRITICAL,
        title="order not placed",
        message="AAPL entry stayed ambiguous after 3 lookups",
        at=at,
        key="order-ambiguous:AAPL",
        source="execute",
        thread_id="t-1",
        context={"client_order_id": "hg-1"},
        **kw,  # type: ignore[arg-type]
    )


def test_the_ledger_is_an_alert_journal(ledger: SqlLedger) -> None:
    assert isinstance(ledger.alerts, AlertJournal)


def test_an_alert_with_no_sink_is_stored_and_logged(
    ledger: SqlLedger, caplog: pytest.LogCaptureFixture
) -> None:
    dispatcher = AlertDispatcher([], clock=FixedClock(T0), journal=ledger.alerts)
    with caplog.at_level(logging.INFO, logger="tools.alerts.dispatcher"):
        report = dispatcher.send(_halt())
    (record,) = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "order not placed" in record.getMessage()
    assert "stayed ambiguous" in record.getMessage()
    assert "client_order_id=hg-1" in record.getMessage()
    (stored,) = ledger.alerts.unresolved()
    assert stored.id == report.alert_id
    assert (stored.severity, stored.title, stored.source, stored.thread_id) == (
        EventSeverity.CRITICAL,
        "order not placed",
        "execute",
        "t-1",
    )
    assert stored.context == {"client_order_id": "hg-1"}
    assert stored.status is AlertStatus.OPEN and stored.created_at == T0


def test_without_a_journal_the_alert_is_still_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tools.alerts.dispatcher"):
        report = AlertDispatcher([], clock=FixedClock(T0)).send(_halt())
    assert report.alert_id is None
    assert any("order not placed" in r.getMessage() for r in caplog.records)


def test_duplicates_are_held_from_smtp_but_counted_in_storage(
    ledger: SqlLedger, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = smtp
    clock = FixedClock(T0)
    sink = SmtpSink(host="127.0.0.1", port=port, sender="hg@example.test", routes=ROUTES)
    dispatcher = AlertDispatcher([sink], clock=clock, journal=ledger.alerts, dedupe_seconds=600)
    first = dispatcher.send(_halt())
    assert first.sent_to == ("smtp",)
    assert ledger.alerts.get(first.alert_id).deliveries == {"smtp": "sent"}  # type: ignore[arg-type, union-attr]
    clock.advance(timedelta(minutes=1))
    with caplog.at_level(logging.INFO, logger="tools.alerts.dispatcher"):
        again = dispatcher.send(_halt(at=clock.now()))
    assert again.suppressed == "duplicate" and again.alert_id == first.alert_id
    assert len(inbox.messages) == 1
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)
    (stored,) = ledger.alerts.unresolved()
    assert (stored.occurrences, stored.created_at, stored.last_seen_at) == (
        2,
        T0,
        T0 + timedelta(minutes=1),
    )
    assert stored.deliveries == {"smtp": "suppressed: duplicate"}
    mail = message_from_bytes(inbox.messages[0][1])
    assert mail["Subject"] == "[hedgegraph CRITICAL] order not placed"


def test_a_dead_sink_is_recorded_on_the_alert_and_the_webhook_still_fires(
    ledger: SqlLedger,
) -> None:
    posted: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        return httpx.Response(200, text="ok")

    dead = SmtpSink(host="127.0.0.1", port=free_port(), sender="hg@example.test", routes=ROUTES)
    hook = WebhookSink(
        "https://hooks.slack.test/services/SECRET",
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    report = AlertDispatcher([dead, hook], clock=FixedClock(T0), journal=ledger.alerts).send(
        _halt()
    )
    assert len(posted) == 1
    stored = ledger.alerts.get(report.alert_id)  # type: ignore[arg-type]
    assert stored is not None
    assert stored.deliveries["webhook:slack"] == "sent"
    assert stored.deliveries["smtp"].startswith("failed: smtp 127.0.0.1")
    assert "SECRET" not in json.dumps(stored.deliveries)


def test_a_broken_store_never_stops_the_alert(
    tmp_path: Path, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = smtp
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    with ledger.store.engine.begin() as conn:
        conn.exec_driver_sql("drop table alerts")
    sink = SmtpSink(host="127.0.0.1", port=port, sender="hg@example.test", routes=ROUTES)
    dispatcher = AlertDispatcher([sink], clock=FixedClock(T0), journal=ledger.alerts)
    with caplog.at_level(logging.INFO, logger="tools.alerts.dispatcher"):
        report = dispatcher.send(_halt())
    ledger.close()
    assert report.sent_to == ("smtp",) and report.alert_id is None
    assert len(inbox.messages) == 1
    assert any("could not be stored" in r.getMessage() for r in caplog.records)


def test_a_resolved_alert_reopens_as_a_new_one(ledger: SqlLedger) -> None:
    clock = FixedClock(T0)
    dispatcher = AlertDispatcher([], clock=clock, journal=ledger.alerts)
    first = dispatcher.send(_halt())
    assert first.alert_id is not None
    ledger.alerts.acknowledge(first.alert_id, by="ops", at=T0 + timedelta(minutes=1))
    assert dispatcher.send(_halt(at=T0 + timedelta(minutes=2))).alert_id == first.alert_id
    ledger.alerts.resolve(first.alert_id, by="ops", at=T0 + timedelta(minutes=3))
    later = dispatcher.send(_halt(at=T0 + timedelta(minutes=4)))
    assert later.alert_id not in (None, first.alert_id)
    assert [a.id for a in ledger.alerts.unresolved()] == [later.alert_id]
    old = ledger.alerts.get(first.alert_id)
    assert old is not None and (old.status, old.occurrences) == (AlertStatus.RESOLVED, 2)
