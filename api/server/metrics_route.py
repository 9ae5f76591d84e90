"""``/metrics`` on the API, and the same exposition on the scheduler's own port.

What both expose: the process's counters and histograms (tools/observability/metrics.py: runs,
node latency, LLM calls, gate verdicts, orders, broker errors, alerts) and the account gauges
read at scrape time from this face's ledger and broker (trading state, equity, daily P/L,
heartbeat age per job). Why the API's route needs the key: equity and P/L are the operator's
business; Prometheus sends it with ``authorization: {credentials_file: ...}``. The scheduler's
port has no key (prometheus_client's own server), so it listens on loopback unless told
otherwise, and compose leaves it unpublished.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TYPE_CHECKING

import anyio
from fastapi import FastAPI, Request
from fastapi.params import Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, start_http_server

from tools.observability.account_gauges import AccountGauges, AccountReading, MetricsUnion
from tools.observability.metrics import REGISTRY

if TYPE_CHECKING:
    from config.settings import Settings
    from graph.engine import TradingEngine

__all__ = ["account_reader", "mount_metrics", "scheduler_metrics"]

log = logging.getLogger(__name__)


def account_reader(engine: TradingEngine) -> Callable[[], AccountReading]:
    """What the gauges read: the view ``hedgegraph status`` shows, taken from the engine at
    each scrape (an operator engine whose ledger could not open raises there, not at start)."""

    def read() -> AccountReading:
        from api.account_view import trading_status_view

        view = trading_status_view(
            broker=engine.broker,
            ledger=engine.ledger,
            limits=engine.settings.risk,
            clock=engine.clock,
        )
        baseline = view.daily_loss.baseline if view.daily_loss is not None else None
        pnl = None
        if view.equity is not None and baseline is not None:
            pnl = float(Decimal(view.equity) - Decimal(baseline))
        return AccountReading(
            trading_state=view.status.value,
            equity_usd=float(view.equity) if view.equity is not None else None,
            daily_pnl_usd=pnl,
            heartbeat_age_seconds={b.component: b.age_seconds for b in view.heartbeats},
        )

    return read


def _exposition(read: Callable[[], AccountReading]) -> bytes:
    return generate_latest(MetricsUnion([REGISTRY, AccountGauges(read)]))


def mount_metrics(app: FastAPI, needs_key: Depends) -> None:
    """``GET /metrics`` in Prometheus' text format (behind the API key like every route)."""

    @app.get("/metrics", dependencies=[needs_key], tags=["service"], include_in_schema=False)
    async def metrics(request: Request) -> Response:
        read = account_reader(request.app.state.engine)
        body = await anyio.to_thread.run_sync(_exposition, read)  # the gauges do blocking I/O
        return Response(body, media_type=CONTENT_TYPE_LATEST)


@asynccontextmanager
async def scheduler_metrics(settings: Settings, host: str, port: int) -> AsyncIterator[None]:
    """The scheduler's metrics on ``host:port`` for as long as the context is open; its gauges
    read through an operator engine (broker and ledger only, no reconciliation)."""
    from graph.engine import TradingEngine

    async with TradingEngine.open(settings, purpose="operator") as engine:
        read = account_reader(engine)
        server, thread = start_http_server(
            port, addr=host, registry=MetricsUnion([REGISTRY, AccountGauges(read)])
        )
        log.info("scheduler metrics on http://%s:%d/metrics", host, port)
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
