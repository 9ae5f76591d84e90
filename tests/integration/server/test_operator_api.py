"""The operator routes on a real engine: a real cycle buys on the local paper broker, then every
route answers with what it did; halt flattens; resume needs its confirmation; bad input is a 422
naming the field; unknown ids are 404s.

The app is built here (``FastAPI()`` with the router and a real ``TradingEngine`` on a fresh
home) and driven through httpx's ASGI transport: nothing leaves the process, nothing is mocked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.server.operator_api import router
from config.settings import Settings, load_settings
from graph.engine import TradingEngine
from graph.modes import WorkflowMode
from graph.runner import arun_cycle
from tests.integration.graph.conftest import AS_OF
from tests.integration.graph.test_cancellation import TICKERS
from tools.clock import FixedClock

pytestmark = pytest.mark.integration

_AMBIENT: tuple[str, ...] = (
    *("APCA_", "OPENAI_", "OLLAMA_", "FINANCIAL_DATASETS_", "HEDGEGRAPH_", "RISK__"),
    *("THRESHOLDS__", "LLM_", "DATA_", "BROKER", "TRADING_", "WORKFLOW_MODE"),
    *("DATABASE_URL", "CHECKPOINT_URL", "REDIS_URL"),
)


@pytest.fixture
def home_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Embedded settings on a fresh home; no .env (a fresh cwd) and no ambient trading setting."""
    import os

    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.upper().startswith(_AMBIENT):
            monkeypatch.delenv(name)
    return load_settings(hedgegraph_home=tmp_path / "home")


@pytest.fixture
async def engine(home_settings: Settings) -> AsyncIterator[TradingEngine]:
    async with TradingEngine.open(
        home_settings, purpose="cycle", clock=FixedClock(AS_OF)
    ) as opened:
        yield opened


@pytest.fixture
async def client(engine: TradingEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.engine = engine
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://operator.test") as http:
        yield http


def _ok(response: httpx.Response, code: int = 200) -> Any:
    assert response.status_code == code, (response.status_code, response.text)
    return response.json()


def _field(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, (response.status_code, response.text)
    return [e["loc"] for e in response.json()["detail"]]


async def test_every_route_answers_with_what_a_real_cycle_did(
    engine: TradingEngine, client: httpx.AsyncClient
) -> None:
    result = await arun_cycle(engine, thread_id="op-1", tickers=TICKERS, mode=WorkflowMode.SIGNAL)
    placed = engine.ledger.orders_for_thread("op-1")
    assert placed, f"the cycle placed no order: {result}"
    bought = {o.ticker for o in placed if o.filled_qty > 0}
    assert bought, "the paper broker filled the entry"

    account = _ok(await client.get("/api/v1/account"))
    assert account["equity"] > 0 and account["daily_loss"]["level"] == "ok"
    positions = _ok(await client.get("/api/v1/positions"))
    assert {p["symbol"] for p in positions} == bought
    assert all(p["stop_loss"] and p["take_profit"] for p in positions), "levels of the entry"
    assert isinstance(_ok(await client.get("/api/v1/orders/open")), list)

    orders = _ok(await client.get("/api/v1/orders"))
    assert {o["client_order_id"] for o in orders} == {o.client_order_id for o in placed}
    history = _ok(await client.get("/api/v1/history", params={"limit": 10}))
    assert {o["symbol"] for o in history} == bought
    cid = history[0]["client_order_id"]
    fills = _ok(await client.get(f"/api/v1/orders/{cid}/fills"))
    assert fills and fills[0]["client_order_id"] == cid

    audit = _ok(await client.get("/api/v1/threads/op-1/audit"))
    traded = [d for d in audit["decisions"] if d["order_client_ids"]]
    assert traded and {c for d in traded for c in d["order_client_ids"]} >= {cid}
    assert all(d["gate_outcome"] and d["inputs_digest"] and d["model"] for d in traded)
    assert "prompt_hash" in traded[0]
    assert audit["runs"] and audit["fills"]
    run_id = audit["runs"][0]["run_id"]
    by_run = _ok(await client.get(f"/api/v1/runs/{run_id}/audit"))
    assert (
        by_run["run"]["thread_id"] == "op-1" and by_run["thread"]["decisions"] == audit["decisions"]
    )

    state = _ok(await client.get("/api/v1/trading/state"))
    assert state["status"] == "active" and state["broker_error"] is None
    monitor = _ok(await client.post("/api/v1/monitor/once"))
    assert monitor["daily_loss"]["level"] == "ok" and monitor["emergency_stop"] is False

    reducing = _ok(await client.post("/api/v1/trading/reduce-only", json={"reason": "drill"}))
    assert reducing["status"] == "reducing" and reducing["reason"] == "drill"

    assert _field(await client.post("/api/v1/trading/halt", json={})) == [["body", "confirm"]]
    assert _field(await client.post("/api/v1/trading/halt", json={"confirm": False})) == [
        ["body", "confirm"]
    ]
    assert _ok(await client.get("/api/v1/positions")), "a refused halt sold nothing"
    halted = _ok(await client.post("/api/v1/trading/halt", json={"confirm": True}))
    assert halted["status"] == "halted" and halted["flat"] is True
    assert {e["symbol"] for e in halted["exits"]} == bought
    assert _ok(await client.get("/api/v1/positions")) == [], "halt flattens"
    exits = [o for o in engine.ledger.order_book(limit=100) if o.intent.reduces_position]
    assert {o.intent.ticker for o in exits} == bought, "each exit went through the ledger"

    alerts = _ok(await client.get("/api/v1/alerts"))
    halt_alert = next(a for a in alerts if "HALTED" in a["message"])
    acked = _ok(
        await client.post(f"/api/v1/alerts/{halt_alert['id']}/acknowledge", json={"by": "ops"})
    )
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "ops"
    resolved = _ok(await client.post(f"/api/v1/alerts/{halt_alert['id']}/resolve"))
    assert resolved["status"] == "resolved" and resolved["resolved_by"] == "api", "the default"
    assert halt_alert["id"] not in {a["id"] for a in _ok(await client.get("/api/v1/alerts"))}
    every = _ok(await client.get("/api/v1/alerts", params={"all": "true"}))
    assert halt_alert["id"] in {a["id"] for a in every}

    assert _field(await client.post("/api/v1/trading/resume", json={})) == [["body", "confirm"]]
    assert engine.ledger.trading_state().status.value == "halted", "no confirm, no resume"
    resumed = _ok(await client.post("/api/v1/trading/resume", json={"confirm": True}))
    assert resumed["status"] == "active" and resumed["changed"] is True


async def test_watchlist_crud(client: httpx.AsyncClient) -> None:
    assert _ok(await client.get("/api/v1/watchlist")) == []
    added = _ok(await client.post("/api/v1/watchlist", json={"symbol": "tsla", "note": "q4"}), 201)
    assert added["symbol"] == "TSLA" and added["notes"] == "q4"
    again = _ok(await client.post("/api/v1/watchlist", json={"symbol": "TSLA"}), 201)
    assert again["id"] == added["id"] and again["notes"] == "q4"
    assert [e["symbol"] for e in _ok(await client.get("/api/v1/watchlist"))] == ["TSLA"]
    removed = _ok(await client.delete("/api/v1/watchlist/tsla"))
    assert removed["status"] == "removed"
    assert _ok(await client.get("/api/v1/watchlist")) == []
    missing = await client.delete("/api/v1/watchlist/TSLA")
    assert missing.status_code == 404 and "TSLA is not on the watchlist" in missing.text


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/v1/watchlist", {"symbol": "AAPL;rm"}, ["body", "symbol"]),
        ("post", "/api/v1/watchlist", {"symbol": "AAPL", "notes": "x"}, ["body", "notes"]),
        ("post", "/api/v1/watchlist", {}, ["body", "symbol"]),
        ("delete", "/api/v1/watchlist/AAPL%3Brm", None, ["path", "symbol"]),
        ("get", "/api/v1/orders?limit=0", None, ["query", "limit"]),
        ("get", "/api/v1/history?limit=abc", None, ["query", "limit"]),
        ("post", "/api/v1/alerts/0/acknowledge", None, ["path", "alert_id"]),
        ("post", f"/api/v1/alerts/{2**64}/resolve", None, ["path", "alert_id"]),
        ("post", "/api/v1/alerts/1/resolve", {"by": ""}, ["body", "by"]),
        ("post", "/api/v1/trading/halt", {"confirm": True, "reason": ""}, ["body", "reason"]),
        ("post", "/api/v1/trading/halt", {"confirm": "yes"}, ["body", "confirm"]),
        ("post", "/api/v1/trading/resume", {"confirm": True, "force": 1}, ["body", "force"]),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: httpx.AsyncClient, method: str, path: str, body: Any, field: list[str]
) -> None:
    response = await client.request(method, path, json=body)
    assert field in _field(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/threads/no-such-thread/audit",
        "/api/v1/runs/no-such-run/audit",
        "/api/v1/orders/no-such-order/fills",
    ],
)
async def test_unknown_ids_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_unknown_alerts_are_404(client: httpx.AsyncClient) -> None:
    for action in ("acknowledge", "resolve"):
        response = await client.post(f"/api/v1/alerts/999/{action}")
        assert response.status_code == 404 and "alert 999 does not exist" in response.text
