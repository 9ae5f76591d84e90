"""The operator's web page at ``/`` and the one read route it needs: the compiled graph's shape.

Why the page itself is open and everything it shows is not: the page is static files shipped in
the package (no secret in them); it takes the API key from the URL once, keeps it for the
browser session and sends it on every call, like any other client. Every number it shows comes
from a keyed route, and it calls the same protocol and operator routes as the SDK or the CLI,
so nothing on it can reach the broker except through the risk gate.

Why the graph route: the page draws the workflow from the compiled graph of the chosen mode
(``get_graph()``), not from a hand-drawn copy that drifts when a node is added. The equity route
reads the performance snapshots the ledger already records, for the page's equity chart.

Why the runs routes read the ledger and not the server's event log: every face (the CLI, the
scheduler, another server) records its runs and their events in the ledger, so the page lists and
replays a run this server never started, by polling its stored events after the last ``seq``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi import Path as PathParam
from fastapi.params import Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel

from domain import CycleEvent
from graph.modes import WorkflowMode
from tools.persistence.records import RunRecord

__all__ = [
    "UI_DIR",
    "UI_PATHS",
    "AnalystRoster",
    "EquityPoint",
    "GraphEdge",
    "GraphNode",
    "GraphShape",
    "RunReplay",
    "RunRow",
    "graph_shape",
    "mount_ui",
]

UI_DIR = Path(__file__).with_name("ui")
"""The page's files (shipped as package data)."""
_SCRIPTS = ("core", "graph", "run", "history", "portfolio", "backtests", "research", "main")
_ASSETS = {"app.css": "text/css", **{f"{name}.js": "text/javascript" for name in _SCRIPTS}}
UI_PATHS = frozenset({"/", *(f"/ui/{name}" for name in _ASSETS)})
"""Paths served without the key: the static page and its assets, nothing else."""
_NO_STORE = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


class GraphNode(BaseModel):
    id: str
    name: str


class GraphEdge(BaseModel):
    source: str
    target: str
    conditional: bool
    """Taken only when the routing function says so (dashed on the page)."""


class GraphShape(BaseModel):
    mode: WorkflowMode
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class EquityPoint(BaseModel):
    """One recorded performance snapshot (the gate and the monitor record one per account read)."""

    as_of: datetime
    equity: Decimal
    cash: Decimal
    drawdown_pct: float


class AnalystRoster(BaseModel):
    """Who can be picked for a run, and who runs when nobody is picked."""

    analysts: list[str]
    default: list[str]


class RunRow(BaseModel):
    """One run as the history lists it: what started it, where it stands, its thread's orders."""

    run_id: str
    thread_id: str
    trigger: str
    started_by: str
    """The thread's ``started_by`` metadata when a client gave one, else the trigger."""
    status: str
    started_at: datetime
    finished_at: datetime | None
    orders: list[str]
    """Client order ids booked on the run's thread."""


class RunReplay(BaseModel):
    """A run's stored events after ``after`` and whether more can come (it is still running)."""

    run: RunRecord
    events: list[CycleEvent]
    live: bool


def graph_shape(mode: WorkflowMode) -> GraphShape:
    """The nodes and edges of the compiled graph for ``mode`` (``__start__`` / ``__end__``
    included, as LangGraph names them)."""
    from graph.builder import build_graph

    drawable = build_graph(mode).compile().get_graph()
    return GraphShape(
        mode=mode,
        nodes=[GraphNode(id=n.id, name=n.name) for n in drawable.nodes.values()],
        edges=[
            GraphEdge(source=e.source, target=e.target, conditional=e.conditional)
            for e in drawable.edges
        ],
    )


_page = APIRouter(include_in_schema=False)
_graph = APIRouter(prefix="/api/v1/ui", tags=["ui"])


@_page.get("/")
async def page() -> FileResponse:
    return FileResponse(UI_DIR / "index.html", media_type="text/html", headers=_NO_STORE)


@_page.get("/ui/{name}")
async def asset(name: str) -> FileResponse:
    media_type = _ASSETS.get(name)
    if media_type is None:  # only the named files: no path ever reaches the file system
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such file")
    return FileResponse(UI_DIR / name, media_type=media_type, headers=_NO_STORE)


@_graph.get("/graph/{mode}", response_model=GraphShape)
async def get_graph_shape(mode: WorkflowMode) -> Any:
    """The workflow of ``mode`` as the engine compiles it, for the page to draw."""
    return graph_shape(mode)


@_graph.get("/equity", response_model=list[EquityPoint])
def get_equity_curve(
    request: Request, days: Annotated[int, Query(ge=1, le=3660)] = 30
) -> list[EquityPoint]:
    """The equity curve of the last ``days`` on the engine's clock, oldest first."""
    engine = request.app.state.engine
    end = engine.clock.now()
    points = engine.ledger.performance_between(end - timedelta(days=days), end)
    return [
        EquityPoint(as_of=p.as_of, equity=p.equity, cash=p.cash, drawdown_pct=p.drawdown_pct)
        for p in points
    ]


@_graph.get("/analysts", response_model=AnalystRoster)
async def get_analyst_roster(request: Request) -> AnalystRoster:
    """Every registered analyst and the roster a run gets when it names none."""
    from agents.analysts.registry import ANALYSTS, DEFAULT_ROSTER

    configured = request.app.state.settings.analysts
    return AnalystRoster(analysts=list(ANALYSTS), default=list(configured or DEFAULT_ROSTER))


@_graph.get("/runs", response_model=list[RunRow])
def get_runs(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[RunRow]:
    """The newest runs of every face (CLI, scheduler, API), as the ledger recorded them."""
    ledger = request.app.state.engine.ledger
    registry = request.app.state.threads
    rows = []
    for run in ledger.runs.recent_runs(limit=limit):
        record = registry.get(run.thread_id)
        by = (record.metadata.get("started_by") if record is not None else None) or run.trigger
        rows.append(
            RunRow(
                run_id=run.run_id,
                thread_id=run.thread_id,
                trigger=run.trigger,
                started_by=str(by),
                status=run.status,
                started_at=run.started_at,
                finished_at=run.finished_at,
                orders=[o.client_order_id for o in ledger.orders_for_thread(run.thread_id)],
            )
        )
    return rows


@_graph.get("/runs/{run_id}/events", response_model=RunReplay)
def get_run_events(
    request: Request,
    run_id: Annotated[str, PathParam(min_length=1, max_length=64)],
    after: Annotated[int, Query(ge=0)] = 0,
) -> RunReplay:
    """The run's stored events with ``seq > after``; ``live`` while the run has not ended."""
    runs = request.app.state.engine.ledger.runs
    run = runs.run(run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"run {run_id} is not in the ledger")
    events = runs.events_after(run_id, after, limit=1000)
    return RunReplay(run=run, events=events, live=run.finished_at is None)


def mount_ui(app: FastAPI, needs_key: Depends) -> None:
    """Serve the page (open) and the graph route (behind the key) on ``app``."""
    app.include_router(_page)
    app.include_router(_graph, dependencies=[needs_key])
