"""The HTTP face: ``create_app(settings)`` builds the FastAPI app ``hedgegraph serve`` runs.

Why one engine per process, opened in the lifespan: start-up reconciles with the broker the way
the CLI does before any cycle (an order that went out while we were down is recorded first), and
every run of this process shares that engine's context, checkpointer and ledger. Runs live in a
``RunManager`` (background tasks, never inside a request); their events go to an event log that
is Redis Streams when REDIS_URL is set (a reconnect may land on another worker), else in-process;
with Redis a cancel that lands on another worker is relayed to the one running the run.

Every route except ``/ok``, ``/ready`` and the static page at ``/`` needs the API key; CORS
stays closed unless HEDGEGRAPH_CORS_ORIGINS names origins.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.server.auth import ApiKey, KeyBeforeBody, require_key
from api.server.backtest_routes import router as backtest_router
from api.server.cancel_bus import RedisCancelBus
from api.server.embedded_scheduler import embedded_scheduler
from api.server.event_log import EventLog, InProcessEventLog, RedisEventLog
from api.server.metrics_route import mount_metrics
from api.server.protocol_routes import router as protocol_router
from api.server.readiness import Readiness, check_readiness
from api.server.runs import RunManager
from api.server.sse import HEARTBEAT_SECONDS
from api.server.thread_registry import ThreadRegistry
from api.server.ui_routes import UI_PATHS, mount_ui

if TYPE_CHECKING:
    from config.settings import Settings
    from tools.clock import Clock

__all__ = ["create_app"]

_OPERATOR_ROUTES = "api.server.operator_api"


class Alive(BaseModel):
    ok: bool = True


class ServerInfo(BaseModel):
    version: str
    flags: dict[str, bool]
    event_log: str


def _event_log(settings: Settings) -> EventLog:
    if settings.redis_url:
        return RedisEventLog(settings.redis_url)
    return InProcessEventLog()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hedgegraph")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(
    settings: Settings,
    *,
    key: ApiKey | None = None,
    clock: Clock | None = None,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> FastAPI:
    """The app; ``key`` is what ``serve`` generated or read (default: the configured one, else a
    generated one nobody knows); ``clock`` pins the market clock (replays, tests);
    ``heartbeat_seconds``: how often a quiet SSE stream gets its keep-alive comment."""
    from graph.engine import TradingEngine

    if heartbeat_seconds <= 0:
        raise ValueError("an SSE stream needs a heartbeat (a positive interval)")

    if key is None:
        configured = settings.hedgegraph_api_key
        key = ApiKey.configured_or_generated(configured.get_secret_value() if configured else None)
    needs_key = Depends(require_key(key))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events = _event_log(settings)
        runs = RunManager(events)
        cancels = RedisCancelBus(settings.redis_url) if settings.redis_url else None
        try:
            async with TradingEngine.open(settings, purpose="cycle", clock=clock) as engine:
                app.state.engine = engine
                app.state.events = events
                app.state.runs = runs
                app.state.cancels = cancels
                app.state.threads = ThreadRegistry()
                app.state.settings = settings
                app.state.heartbeat_seconds = heartbeat_seconds
                if cancels is not None:
                    await cancels.start(runs.cancel_if_mine)
                try:
                    async with embedded_scheduler(settings, clock=clock):
                        yield
                finally:
                    await runs.shutdown()  # every run drains to a step boundary first
        finally:
            if cancels is not None:
                await cancels.close()
            await events.close()

    app = FastAPI(
        title="hedgegraph",
        summary="Autonomous, auditable trading cycles over the LangGraph Platform protocol.",
        version=_version(),
        lifespan=lifespan,
    )
    open_paths = {"/ok", "/ready", *UI_PATHS, app.openapi_url, app.docs_url, app.redoc_url}
    open_paths.add(app.swagger_ui_oauth2_redirect_url)
    app.add_middleware(KeyBeforeBody, key=key, open_paths={p for p in open_paths if p})
    if settings.hedgegraph_cors_origins:  # outside the key check: preflights carry no key
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.hedgegraph_cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["authorization", "x-api-key", "content-type", "last-event-id"],
            expose_headers=["location", "content-location"],
        )

    @app.get("/ok", response_model=Alive, tags=["health"])
    async def alive() -> Alive:
        """Alive: the process answers (no part is checked)."""
        return Alive()

    @app.get("/ready", response_model=Readiness, tags=["health"])
    async def ready(request: Request) -> Any:
        """Ready: database, checkpointer, Redis (when configured) and the broker's clock."""
        answer = await check_readiness(request.app.state.engine, settings.redis_url)
        return JSONResponse(
            answer.model_dump(mode="json"), status_code=200 if answer.ready else 503
        )

    @app.get("/info", response_model=ServerInfo, dependencies=[needs_key], tags=["service"])
    async def info() -> ServerInfo:
        return ServerInfo(
            version=_version(),
            flags={"assistants": True, "crons": False, "langsmith": False},
            event_log="redis" if settings.redis_url else "in-process",
        )

    app.include_router(protocol_router, dependencies=[needs_key])
    app.include_router(backtest_router, dependencies=[needs_key])
    mount_ui(app, needs_key)  # the page is open (static), its graph route is keyed
    mount_metrics(app, needs_key)  # Prometheus text format, keyed: equity and P/L are private
    if importlib.util.find_spec(_OPERATOR_ROUTES) is not None:
        from importlib import import_module

        operator_router = import_module(_OPERATOR_ROUTES).router
        app.include_router(operator_router, dependencies=[needs_key])
    return app
