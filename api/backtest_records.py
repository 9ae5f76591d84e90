"""Finished backtests kept under ``HEDGEGRAPH_HOME/backtests/``, for the API and the web UI.

Why a record beside ``--out``: ``--out`` is the user's folder of files (CSV, chart) for their own
tools; the operator page needs to find every finished backtest without being told where, so the
command also writes one JSON record per run into the home. It holds the summary, the trades
with their decision ids and the equity curve: what the page draws, nothing it must recompute.
Why no chart in the record: matplotlib costs about a second to import, paid only with ``--out``.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from graph.backtest.report import BacktestSummary
from graph.backtest.results import BacktestResult, EquityPoint, TradeRecord

__all__ = [
    "BACKTEST_ID",
    "BacktestListing",
    "BacktestRecord",
    "list_backtests",
    "read_backtest",
    "save_backtest",
]

BACKTEST_ID = r"^bt-\d{8}T\d{6}Z-[0-9a-f]{6}$"
"""A record's id: its UTC save time and a random suffix (never a path: no ``/`` or ``..``)."""
_ID = re.compile(BACKTEST_ID)


class BacktestListing(BaseModel):
    """One line of the backtests list."""

    id: str
    saved_at: datetime
    tickers: list[str]
    start: str
    end: str
    sessions: int
    total_return: float
    final_equity: str
    fills: int


class BacktestRecord(BaseModel):
    id: str
    saved_at: datetime
    summary: BacktestSummary
    trades: list[TradeRecord]
    equity: list[EquityPoint]

    def listing(self) -> BacktestListing:
        s = self.summary
        return BacktestListing(
            id=self.id,
            saved_at=self.saved_at,
            tickers=s.tickers,
            start=s.start,
            end=s.end,
            sessions=s.sessions,
            total_return=s.statistics.total_return,
            final_equity=str(s.final_equity),
            fills=s.fills,
        )


def _folder(home: Path) -> Path:
    return home / "backtests"


def save_backtest(
    home: Path, result: BacktestResult, summary: BacktestSummary, *, saved_at: datetime
) -> BacktestRecord:
    """Write the record (atomically: a reader never sees half a file) and return it."""
    stamp = saved_at.strftime("%Y%m%dT%H%M%SZ")
    record = BacktestRecord(
        id=f"bt-{stamp}-{secrets.token_hex(3)}",
        saved_at=saved_at,
        summary=summary,
        trades=list(result.trades),
        equity=list(result.equity),
    )
    folder = _folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{record.id}.json"
    partial = target.with_suffix(".json.partial")
    partial.write_text(record.model_dump_json())
    partial.replace(target)
    return record


def read_backtest(home: Path, backtest_id: str) -> BacktestRecord | None:
    """The record, or ``None`` when there is none by that id (or the id is not one)."""
    if not _ID.match(backtest_id):
        return None
    path = _folder(home) / f"{backtest_id}.json"
    try:
        return BacktestRecord.model_validate_json(path.read_text())
    except FileNotFoundError:
        return None


def list_backtests(home: Path, *, limit: int) -> list[BacktestListing]:
    """Newest first; a record that no longer reads (hand-edited, older format) is skipped."""
    folder = _folder(home)
    if not folder.is_dir():
        return []
    out: list[BacktestListing] = []
    for path in sorted(folder.glob("bt-*.json"), reverse=True):
        if len(out) >= limit:
            break
        try:
            out.append(BacktestRecord.model_validate_json(path.read_text()).listing())
        except ValueError:
            continue
    return out
