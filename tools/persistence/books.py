"""The books beyond intents and orders: fills, portfolio snapshots, and runs of threads.

Why separate from ``SqlLedger``: the ledger is the protocol the graph depends on; these records
feed reconciliation, performance and the operator's run history, and grow on their own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exc as sa_exc
from sqlalchemy import select, update

from domain import Fill, OrderSide, PortfolioSnapshot, Position, RunRequest
from tools.persistence.errors import LedgerInputError, UnknownIntentError
from tools.persistence.records import RunStatus
from tools.persistence.schema import FillRow, PortfolioSnapshotRow, PositionSnapshotRow, RunRow
from tools.persistence.sql_ledger import ensure_thread
from tools.persistence.store import Store, dialect_insert

__all__ = ["RunRecord", "SqlBooks"]


def _fill_from_row(row: FillRow) -> Fill:
    return Fill(
        broker_order_id=row.broker_order_id,
        client_order_id=row.client_order_id,
        ticker=row.ticker,
        side=OrderSide(row.side),
        qty=row.qty,
        price=row.price,
        filled_at=row.filled_at,
    )


class RunRecord:
    """One run of a thread as stored."""

    __slots__ = ("error", "finished_at", "run_id", "started_at", "status", "thread_id")

    def __init__(self, row: RunRow) -> None:
        self.run_id = row.run_id
        self.thread_id = row.thread_id
        self.status = RunStatus(row.status)
        self.started_at = row.started_at
        self.finished_at = row.finished_at
        self.error = row.error


class SqlBooks:
    """Fills, snapshots and run history on the application store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- fills ----------------------------------------------------------------------------------

    def record_fill(self, fill: Fill) -> bool:
        """Store a fill once; a duplicate report returns False. The order must exist."""
        values = fill.model_dump(exclude={"side"}) | {"side": fill.side.value}
        try:
            with self.store.write() as session:
                insert = dialect_insert(session)
                inserted = session.execute(
                    insert(FillRow).values(**values).on_conflict_do_nothing().returning(FillRow.id)
                ).first()
                return inserted is not None
        except sa_exc.IntegrityError as exc:
            raise UnknownIntentError(
                f"fill for {fill.client_order_id} has no recorded order; record the order first"
            ) from exc

    def fills_for_order(self, client_order_id: str) -> list[Fill]:
        query = (
            select(FillRow)
            .where(FillRow.client_order_id == client_order_id)
            .order_by(FillRow.filled_at, FillRow.id)
        )
        with self.store.sessions() as session:
            return [_fill_from_row(row) for row in session.scalars(query)]

    # -- portfolio snapshots --------------------------------------------------------------------

    def record_portfolio_snapshot(
        self, snapshot: PortfolioSnapshot, *, thread_id: str | None = None
    ) -> int:
        """Store the account and its positions as reported at ``snapshot.as_of``; return its id."""
        row = PortfolioSnapshotRow(
            as_of=snapshot.as_of,
            account_id=snapshot.account_id,
            cash=snapshot.cash,
            equity=snapshot.equity,
            buying_power=snapshot.buying_power,
            thread_id=thread_id,
        )
        with self.store.write() as session:
            session.add(row)
            session.flush()
            session.add_all(
                PositionSnapshotRow(
                    snapshot_id=row.id,
                    symbol=p.symbol,
                    qty=p.qty,
                    avg_entry_price=p.avg_entry_price,
                    market_price=p.market_price,
                )
                for p in snapshot.positions.values()
            )
            return row.id

    def latest_portfolio_snapshot(self, *, at_or_before: datetime) -> PortfolioSnapshot | None:
        """The newest snapshot taken at or before ``at_or_before`` (point in time, no peeking)."""
        query = (
            select(PortfolioSnapshotRow)
            .where(PortfolioSnapshotRow.as_of <= at_or_before)
            .order_by(PortfolioSnapshotRow.as_of.desc(), PortfolioSnapshotRow.id.desc())
            .limit(1)
        )
        with self.store.sessions() as session:
            row = session.scalars(query).first()
            if row is None:
                return None
            positions = session.scalars(
                select(PositionSnapshotRow).where(PositionSnapshotRow.snapshot_id == row.id)
            )
            return PortfolioSnapshot(
                as_of=row.as_of,
                cash=row.cash,
                equity=row.equity,
                buying_power=row.buying_power,
                account_id=row.account_id,
                positions={
                    p.symbol: Position(
                        symbol=p.symbol,
                        qty=p.qty,
                        avg_entry_price=p.avg_entry_price,
                        market_price=p.market_price,
                    )
                    for p in positions
                },
            )

    # -- runs -----------------------------------------------------------------------------------

    def start_run(self, run_id: str, request: RunRequest, *, at: datetime) -> None:
        """Record that a run of ``request.thread_id`` started (creating the thread row once)."""
        with self.store.write() as session:
            ensure_thread(
                session,
                request.thread_id,
                at,
                mode=request.mode,
                session_mode=request.session_mode,
                tickers=list(request.tickers),
            )
            insert = dialect_insert(session)
            session.execute(
                insert(RunRow)
                .values(
                    run_id=run_id,
                    thread_id=request.thread_id,
                    status=RunStatus.RUNNING.value,
                    started_at=at,
                )
                .on_conflict_do_nothing()
            )

    def finish_run(
        self, run_id: str, status: RunStatus, *, at: datetime, error: str | None = None
    ) -> None:
        """Record how a run ended; ``FAILED`` needs the error so the operator sees why."""
        if status is RunStatus.RUNNING:
            raise LedgerInputError("finish_run needs a final status, not RUNNING")
        if status is RunStatus.FAILED and not error:
            raise LedgerInputError(f"run {run_id} failed: the error must be recorded")
        with self.store.write() as session:
            result = session.execute(
                update(RunRow)
                .where(RunRow.run_id == run_id)
                .values(status=status.value, finished_at=at, error=error)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise LedgerInputError(f"run {run_id} was never started")

    def runs_for_thread(self, thread_id: str) -> list[RunRecord]:
        query = select(RunRow).where(RunRow.thread_id == thread_id).order_by(RunRow.started_at)
        with self.store.sessions() as session:
            return [RunRecord(row) for row in session.scalars(query)]
