"""``/api/v1/backtests``: the finished backtests this home keeps, for the operator page.

Why read-only: a backtest is a long CPU-bound job that belongs to ``hedgegraph backtest`` (its
own process, its own throwaway store, never the live account); the server only shows what
finished. An id that is not one is refused with 422 before any file is looked at.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status

from api.backtest_records import (
    BACKTEST_ID,
    BacktestListing,
    BacktestRecord,
    list_backtests,
    read_backtest,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/backtests", tags=["backtests"])

BacktestId = Annotated[str, Path(pattern=BACKTEST_ID, description="A backtest record's id.")]


@router.get("", response_model=list[BacktestListing])
def get_backtests(
    request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[BacktestListing]:
    """Finished backtests, newest first: period, tickers, return, final equity, fills."""
    return list_backtests(request.app.state.engine.settings.hedgegraph_home, limit=limit)


@router.get("/{backtest_id}", response_model=BacktestRecord)
def get_backtest(request: Request, backtest_id: BacktestId) -> BacktestRecord:
    """One backtest: its summary and statistics, its trades (with decision ids), its equity."""
    record = read_backtest(request.app.state.engine.settings.hedgegraph_home, backtest_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no backtest {backtest_id}")
    return record
