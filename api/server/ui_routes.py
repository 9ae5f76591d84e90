"""The operator's web page at ``/`` and the one read route it needs: the compiled graph's shape.

Why the page itself is open and everything it shows is not: the page is static files shipped in
the package (no secret in them); it takes the API key from the URL once, keeps it for the
browser session and sends it on every call, like any other client. Every number it shows comes
from a keyed route, and it calls the same protocol and operator routes as the SDK or the CLI,
so nothing on it can reach the broker except through the risk gate.

Why the graph route: the page draws the workflow from the compiled graph of the chosen mode
(``get_graph()``), not from a hand-drawn copy that drifts when a node is added. The equity route
reads the performance snapshots the ledger already records, for the page's equity chart.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi.params import Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel

from graph.modes import WorkflowMode

__all__ = [
    "UI_DIR",
    "UI_PATHS",
    "EquityPoint",
    "GraphEdge",
    "GraphNode",
    "GraphShape",
    "graph_shape",
    "mount_ui",
]

UI_DIR = Path(__file__).with_name("ui")
"""The page's files (shipped as package data)."""
_SCRIPTS = ("core", "graph", "run", "history", "portfolio", "main")
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


def mount_ui(app: FastAPI, needs_key: Depends) -> None:
    """Serve the page (open) and the graph route (behind the key) on ``app``."""
    app.include_router(_page)
    app.include_router(_graph, dependencies=[needs_key])
