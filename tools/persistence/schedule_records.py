"""What the scheduler keeps: heartbeats, the job slots it ran, and the config changes it applied.

Why in the database: ``hedgegraph status``, the API's ``/ready`` and the risk gate read the
monitor's heartbeat from another process; a slot that a SIGTERM or a crash interrupted must be
found by the next start (resumed or reported), and every hot-reloaded config change is part of the
audit (invariant 8). A slot is unique per (job, slot time), so two processes sharing one database
cannot both record the same slot as theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tools.persistence.schema import Base
from tools.persistence.store import Store
from tools.persistence.types import UtcDateTime

__all__ = [
    "ConfigChangeRow",
    "ConfigChangeStore",
    "HeartbeatRow",
    "HeartbeatStore",
    "JobSlotRow",
    "JobSlotStore",
    "SlotState",
]


class HeartbeatRow(Base):
    """The last beat of one component (``scheduler``, ``monitor``)."""

    __tablename__ = "heartbeats"

    component: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UtcDateTime)
    owner: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JobSlotRow(Base):
    """One scheduled slot of one job: who claimed it, how it ended."""

    __tablename__ = "job_slots"
    __table_args__ = (UniqueConstraint("job", "slot_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    slot_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), index=True)
    owner: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class ConfigChangeRow(Base):
    """A hot-reloaded configuration change, with the keys that changed (secrets masked)."""

    __tablename__ = "config_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    source: Mapped[str] = mapped_column(Text)
    diff: Mapped[dict[str, Any]] = mapped_column(JSON)


class SlotState:
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    """A stop signal ended it at a step boundary; the next start resumes it."""


class HeartbeatStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def beat(
        self, component: str, at: datetime, *, owner: str = "", detail: dict[str, Any] | None = None
    ) -> None:
        with self._store.write() as session:
            row = session.get(HeartbeatRow, component)
            if row is None:
                session.add(
                    HeartbeatRow(component=component, beat_at=at, owner=owner, detail=detail or {})
                )
            else:
                row.beat_at, row.owner, row.detail = at, owner, detail or {}

    def last(self, component: str) -> HeartbeatRow | None:
        with self._store.sessions() as session:
            return session.get(HeartbeatRow, component)

    def all(self) -> list[HeartbeatRow]:
        with self._store.sessions() as session:
            return list(session.scalars(select(HeartbeatRow).order_by(HeartbeatRow.component)))


class JobSlotStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def claim(self, job: str, slot_at: datetime, *, owner: str, at: datetime) -> bool:
        """Record the slot as running under ``owner``; False when any process recorded it first.

        An ``interrupted`` slot is claimed again (the next start resumes it); a running, done or
        failed one is not.
        """
        try:
            with self._store.write() as session:
                row = session.scalars(
                    select(JobSlotRow).where(JobSlotRow.job == job, JobSlotRow.slot_at == slot_at)
                ).first()
                if row is None:
                    session.add(
                        JobSlotRow(
                            job=job,
                            slot_at=slot_at,
                            state=SlotState.RUNNING,
                            owner=owner,
                            started_at=at,
                        )
                    )
                    return True
                if row.state != SlotState.INTERRUPTED:
                    return False
                row.state, row.owner, row.started_at, row.finished_at = (
                    SlotState.RUNNING,
                    owner,
                    at,
                    None,
                )
                row.note = f"resumed after: {row.note}"
                return True
        except IntegrityError:
            return False  # another process inserted the same slot between our read and write

    def finish(self, job: str, slot_at: datetime, *, state: str, at: datetime, note: str) -> None:
        with self._store.write() as session:
            row = session.scalars(
                select(JobSlotRow).where(JobSlotRow.job == job, JobSlotRow.slot_at == slot_at)
            ).one()
            row.state, row.finished_at, row.note = state, at, note[:4000]

    def slot(self, job: str, slot_at: datetime) -> JobSlotRow | None:
        with self._store.sessions() as session:
            return session.scalars(
                select(JobSlotRow).where(JobSlotRow.job == job, JobSlotRow.slot_at == slot_at)
            ).first()

    def unfinished(self) -> list[JobSlotRow]:
        """Slots left running (a crashed process) or interrupted (a stop signal)."""
        with self._store.sessions() as session:
            return list(
                session.scalars(
                    select(JobSlotRow)
                    .where(JobSlotRow.state.in_([SlotState.RUNNING, SlotState.INTERRUPTED]))
                    .order_by(JobSlotRow.slot_at)
                )
            )

    def for_job(self, job: str) -> list[JobSlotRow]:
        with self._store.sessions() as session:
            return list(
                session.scalars(
                    select(JobSlotRow).where(JobSlotRow.job == job).order_by(JobSlotRow.slot_at)
                )
            )


class ConfigChangeStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, *, at: datetime, source: str, diff: dict[str, Any]) -> None:
        with self._store.write() as session:
            session.add(ConfigChangeRow(applied_at=at, source=source, diff=diff))

    def recent(self, limit: int = 20) -> list[ConfigChangeRow]:
        with self._store.sessions() as session:
            return list(
                session.scalars(
                    select(ConfigChangeRow).order_by(ConfigChangeRow.id.desc()).limit(limit)
                )
            )
