"""Stored alerts: every alert the dispatcher sees, until someone acknowledges and resolves it.

Why one row per unresolved condition: a flapping feed raising the same alert every minute is one
thing for the operator to handle, so a repeat counts an occurrence on the open row (a partial
unique index on ``dedupe_key`` makes that atomic across processes); once resolved, the next
occurrence opens a new row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, case, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from domain import EventSeverity
from tools.alerts.model import Alert, AlertJournal
from tools.persistence.errors import LedgerInputError
from tools.persistence.records import AlertRecord, AlertStatus
from tools.persistence.schema_operations import UNRESOLVED_ALERT, AlertRow
from tools.persistence.store import Store, dialect_insert

__all__ = ["AlertStore"]

_RANK = {s.value: rank for rank, s in enumerate(EventSeverity)}


def _rank(severity: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[int]:
    return case(_RANK, value=severity, else_=-1)


def _record(row: AlertRow) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        severity=EventSeverity(row.severity),
        title=row.title,
        source=row.source,
        message=row.message,
        dedupe_key=row.dedupe_key,
        context=dict(row.context),
        thread_id=row.thread_id,
        status=AlertStatus(row.status),
        occurrences=row.occurrences,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        deliveries=dict(row.deliveries),
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
    )


class AlertStore(AlertJournal):
    """The alerts table: the dispatcher's journal and the operator's acknowledge / resolve."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record_alert(self, alert: Alert) -> int:
        """Open a row for ``alert``, or count one more occurrence on its unresolved row."""
        values = {
            "severity": alert.severity.value,
            "title": alert.title,
            "source": alert.source,
            "message": alert.message,
            "dedupe_key": alert.dedupe_key,
            "context": dict(alert.context),
            "thread_id": alert.thread_id,
            "status": AlertStatus.OPEN.value,
            "occurrences": 1,
            "created_at": alert.at,
            "last_seen_at": alert.at,
            "deliveries": {},
        }
        with self.store.write() as session:
            insert = dialect_insert(session)
            statement = insert(AlertRow).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=[AlertRow.dedupe_key],
                index_where=UNRESOLVED_ALERT,
                set_={
                    # a repeat never lowers the severity the operator sees; it may raise it
                    "severity": case(
                        (
                            _rank(statement.excluded.severity) > _rank(AlertRow.severity),
                            statement.excluded.severity,
                        ),
                        else_=AlertRow.severity,
                    ),
                    "occurrences": AlertRow.occurrences + 1,
                    "last_seen_at": statement.excluded.last_seen_at,
                    "message": statement.excluded.message,
                    "context": statement.excluded.context,
                },
            )
            alert_id = session.execute(statement.returning(AlertRow.id)).scalar_one()
            return int(alert_id)

    def record_delivery(self, alert_id: int, deliveries: Mapping[str, str]) -> None:
        with self.store.write() as session:
            session.execute(
                update(AlertRow).where(AlertRow.id == alert_id).values(deliveries=dict(deliveries))
            )

    def get(self, alert_id: int) -> AlertRecord | None:
        with self.store.sessions() as session:
            row = session.get(AlertRow, alert_id)
            return _record(row) if row is not None else None

    def acknowledge(self, alert_id: int, *, by: str, at: datetime) -> AlertRecord:
        """Someone has seen it; it stays unresolved (and keeps counting repeats)."""
        with self.store.write() as session:
            row = self._row(session, alert_id)
            if row.status == AlertStatus.OPEN.value:
                row.status = AlertStatus.ACKNOWLEDGED.value
                row.acknowledged_at, row.acknowledged_by = at, by
            return _record(row)

    def resolve(self, alert_id: int, *, by: str, at: datetime) -> AlertRecord:
        """The condition is handled; a later occurrence opens a new alert."""
        with self.store.write() as session:
            row = self._row(session, alert_id)
            if row.status != AlertStatus.RESOLVED.value:
                if row.acknowledged_at is None:
                    row.acknowledged_at, row.acknowledged_by = at, by
                row.status, row.resolved_at, row.resolved_by = AlertStatus.RESOLVED.value, at, by
            return _record(row)

    def unresolved(self) -> list[AlertRecord]:
        """Open and acknowledged alerts, newest occurrence first."""
        query = (
            select(AlertRow)
            .where(AlertRow.status != AlertStatus.RESOLVED.value)
            .order_by(AlertRow.last_seen_at.desc(), AlertRow.id.desc())
        )
        with self.store.sessions() as session:
            return [_record(r) for r in session.scalars(query)]

    def recent(self, *, limit: int = 100) -> list[AlertRecord]:
        """Every alert, resolved or not, newest first."""
        query = select(AlertRow).order_by(AlertRow.last_seen_at.desc(), AlertRow.id.desc())
        with self.store.sessions() as session:
            return [_record(r) for r in session.scalars(query.limit(limit))]

    @staticmethod
    def _row(session: Session, alert_id: int) -> AlertRow:
        row = session.get(AlertRow, alert_id)
        if row is None:
            raise LedgerInputError(f"alert {alert_id} does not exist")
        return row
