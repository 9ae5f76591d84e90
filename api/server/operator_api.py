"""The operator routes under ``/api/v1``: account, positions, orders, history, audit, watchlist,
alerts, trading state, halt / reduce-only / resume and one monitor pass.

Why thin: each route calls the function the CLI command calls (``api.account_view``,
``api.ledger_views``, ``api.operator_actions``, ``graph.monitor.operator``, the ledger) on the
app's engine (``request.app.state.engine``, opened by the lifespan), so ``hedgegraph halt`` and
``POST /api/v1/trading/halt`` cannot drift apart. Handlers are plain functions: FastAPI runs them
in its thread pool, because the emergency stop and the monitor are synchronous and may block on
the account lock while a cycle submits. This router does no authentication of its own: the app
mounts it behind the API key. Bad input is a 422 naming the field, an unknown id a 404, a broker
that cannot answer a 503.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse

from api.account_view import (
    AccountView,
    OpenOrderView,
    PositionView,
    TradingStatusView,
    account_view,
    trading_status_view,
)
from api.ledger_views import LedgerOrder, ledger_orders, run_events
from api.operator_actions import MonitorPassView, halt_account, monitor_pass
from api.server.operator_models import (
    HaltRequest,
    HandledBy,
    ReduceOnlyRequest,
    ResumeRequest,
    RunAudit,
    ThreadAudit,
    WatchRequest,
)
from config.values import Ticker
from domain import Fill, TradingStateRecord
from graph.engine import TradingEngine
from graph.monitor.operator import HaltResult, ResumeResult
from tools.persistence.errors import LedgerInputError, NotWatchedError
from tools.persistence.records import AlertRecord, WatchlistEntry

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["operator"])

_T = TypeVar("_T")
_MAX_ID = 2**63 - 1
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many rows.")]
ThreadId = Annotated[str, Path(min_length=1, max_length=128)]
AlertId = Annotated[int, Path(ge=1, le=_MAX_ID, description="The alert's id.")]


def _engine(request: Request) -> TradingEngine:
    engine: TradingEngine = request.app.state.engine
    return engine


Engine = Annotated[TradingEngine, Depends(_engine)]


def _from_broker(read: Callable[[], _T]) -> _T:
    """A broker that cannot answer is the broker's outage (503), not the server's fault."""
    from tools.brokers.base import BrokerError

    try:
        return read()
    except BrokerError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"broker: {exc}") from None


def _not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, what)


# -- the account -------------------------------------------------------------------------------


def _account(engine: TradingEngine) -> AccountView:
    return _from_broker(
        lambda: account_view(
            broker=engine.broker,
            ledger=engine.ledger,
            limits=engine.settings.risk,
            clock=engine.clock,
        )
    )


@router.get("/account", response_model=AccountView)
def get_account(engine: Engine) -> AccountView:
    """Cash, equity, positions with stop and target, open orders, today's loss vs its limit."""
    return _account(engine)


@router.get("/positions", response_model=list[PositionView])
def get_positions(engine: Engine) -> list[PositionView]:
    """Positions at the broker: quantity, average price, value, P/L, stop and target."""
    return _account(engine).positions


@router.get("/orders/open", response_model=list[OpenOrderView])
def get_open_orders(engine: Engine) -> list[OpenOrderView]:
    """Orders the broker may still fill."""
    return _account(engine).open_orders


@router.get("/orders", response_model=list[LedgerOrder])
def get_orders(engine: Engine, limit: Limit = 50) -> list[LedgerOrder]:
    """The ledger's orders, newest first, each with its thread and decision."""
    return ledger_orders(engine.ledger, limit=limit)


@router.get("/orders/{client_order_id}/fills", response_model=list[Fill])
def get_order_fills(
    engine: Engine, client_order_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> list[Fill]:
    """The executions booked against one order, oldest first."""
    if engine.ledger.intent(client_order_id) is None:
        raise _not_found(f"order {client_order_id} is not in the ledger")
    return engine.ledger.fills.fills_for_order(client_order_id)


@router.get("/fills", response_model=list[Fill])
def get_recent_fills(engine: Engine, limit: Limit = 20) -> list[Fill]:
    """The latest fills across every thread, newest first (legs and exits included)."""
    return engine.ledger.fills.recent(limit)


@router.get("/history", response_model=list[LedgerOrder])
def get_history(engine: Engine, limit: Limit = 50) -> list[LedgerOrder]:
    """Trades (orders with fills), newest first, each with its decision id."""
    return ledger_orders(engine.ledger, filled_only=True, limit=limit)


# -- the decision audit ------------------------------------------------------------------------


def _thread_audit(engine: TradingEngine, thread_id: str) -> ThreadAudit:
    ledger = engine.ledger
    return ThreadAudit(
        thread_id=thread_id,
        runs=ledger.runs.runs_for_thread(thread_id),
        decisions=ledger.decisions_for_thread(thread_id),
        orders=ledger_orders(ledger, thread_id=thread_id, limit=1000),
        fills=ledger.fills.fills_for_thread(thread_id),
        events=run_events(ledger, thread_id=thread_id),
    )


@router.get("/threads/{thread_id}/audit", response_model=ThreadAudit)
def get_thread_audit(engine: Engine, thread_id: ThreadId) -> ThreadAudit:
    """Decisions (inputs digest, model, prompt hash, gate verdict, order ids), orders, fills."""
    audit = _thread_audit(engine, thread_id)
    if not (audit.runs or audit.decisions or audit.orders or audit.events):
        raise _not_found(f"nothing recorded for thread {thread_id}")
    return audit


@router.get("/runs/{run_id}/audit", response_model=RunAudit)
def get_run_audit(
    engine: Engine, run_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> RunAudit:
    """One run and the audit of its thread."""
    run = engine.ledger.runs.run(run_id)
    if run is None:
        raise _not_found(f"run {run_id} is not in the ledger")
    return RunAudit(run=run, thread=_thread_audit(engine, run.thread_id))


# -- the watchlist -----------------------------------------------------------------------------


@router.get("/watchlist", response_model=list[WatchlistEntry])
def get_watchlist(engine: Engine) -> list[WatchlistEntry]:
    """The watched symbols, highest priority first."""
    return engine.ledger.watchlist.watched()


@router.post("/watchlist", response_model=WatchlistEntry, status_code=status.HTTP_201_CREATED)
def watch(engine: Engine, body: WatchRequest) -> WatchlistEntry:
    """Watch a symbol; one already watched keeps its entry (a given note replaces its note)."""
    return engine.ledger.watchlist.watch(body.symbol, note=body.note, at=engine.clock.now())


@router.delete("/watchlist/{symbol}", response_model=WatchlistEntry)
def unwatch(engine: Engine, symbol: Annotated[Ticker, Path()]) -> WatchlistEntry:
    """Stop watching a symbol; the entry stays in the ledger as ``removed``."""
    try:
        return engine.ledger.watchlist.unwatch(symbol, at=engine.clock.now())
    except NotWatchedError as exc:
        raise _not_found(str(exc)) from None


# -- alerts ------------------------------------------------------------------------------------


@router.get("/alerts", response_model=list[AlertRecord])
def get_alerts(
    engine: Engine,
    every: Annotated[bool, Query(alias="all", description="Resolved alerts too.")] = False,
    limit: Limit = 100,
) -> list[AlertRecord]:
    """Unresolved alerts, newest first (``all=true``: resolved ones too)."""
    alerts = engine.ledger.alerts
    return alerts.recent(limit=limit) if every else alerts.unresolved()[:limit]


def _handle_alert(engine: TradingEngine, alert_id: int, by: str, *, resolve: bool) -> AlertRecord:
    alerts = engine.ledger.alerts
    at = datetime.now(UTC)  # when a person handled it, whatever the market clock says
    try:
        if resolve:
            return alerts.resolve(alert_id, by=by, at=at)
        return alerts.acknowledge(alert_id, by=by, at=at)
    except LedgerInputError as exc:
        raise _not_found(str(exc)) from None


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRecord)
def acknowledge_alert(
    engine: Engine, alert_id: AlertId, body: HandledBy | None = None
) -> AlertRecord:
    """Seen, still open: repeats keep counting on it."""
    return _handle_alert(engine, alert_id, (body or HandledBy()).by, resolve=False)


@router.post("/alerts/{alert_id}/resolve", response_model=AlertRecord)
def resolve_alert(engine: Engine, alert_id: AlertId, body: HandledBy | None = None) -> AlertRecord:
    """Handled: the next occurrence opens a new alert."""
    return _handle_alert(engine, alert_id, (body or HandledBy()).by, resolve=True)


# -- trading state -----------------------------------------------------------------------------


@router.get("/trading/state", response_model=TradingStatusView)
def get_trading_state(engine: Engine) -> TradingStatusView:
    """The state (ACTIVE / REDUCING / HALTED and why) with the account; a broker that cannot
    answer is reported in ``broker_error``, the state is still given."""
    return trading_status_view(
        broker=engine.broker, ledger=engine.ledger, limits=engine.settings.risk, clock=engine.clock
    )


@router.post("/trading/halt", response_model=HaltResult)
def halt(engine: Engine, body: HaltRequest) -> HaltResult:
    """Emergency stop (idempotent); ``flat`` says whether every position is closed."""
    return halt_account(engine, reason=body.reason)


@router.post("/trading/reduce-only", response_model=TradingStateRecord)
def reduce_only(engine: Engine, body: ReduceOnlyRequest | None = None) -> TradingStateRecord:
    """No new entries; exits continue. A HALTED state is kept."""
    from graph.monitor import operator

    reason = (body or ReduceOnlyRequest()).reason
    return operator.reduce_only(reason=reason, ledger=engine.ledger, clock=engine.clock)


@router.post(
    "/trading/resume",
    response_model=ResumeResult,
    responses={409: {"model": ResumeResult, "description": "reconciliation found differences"}},
)
def resume(engine: Engine, body: ResumeRequest) -> ResumeResult | JSONResponse:
    """Back to ACTIVE after a clean reconciliation; 409 (state unchanged) with the differences."""
    from graph.monitor import operator

    result = _from_broker(
        lambda: operator.resume(
            reason=body.reason,
            broker=engine.broker,
            ledger=engine.ledger,
            clock=engine.clock,
            alerts=engine.alerts,
        )
    )
    if result.differences:
        return JSONResponse(result.model_dump(mode="json"), status_code=status.HTTP_409_CONFLICT)
    return result


@router.post("/monitor/once", response_model=MonitorPassView)
def run_monitor_once(engine: Engine) -> MonitorPassView:
    """One position-monitor pass: stops, targets, the daily-loss guard."""
    return _from_broker(lambda: monitor_pass(engine))
