"""The protocol routes driven by the real ``langgraph-sdk`` client against a real uvicorn server.

The server runs the production runner on the embedded stack (offline market, rules-only
analysts, local paper broker, SQLite in a fresh home) at a session where the synthetic market
yields an approved entry, so a supervised run stops at a real approval and its resume places a
real (paper) order.
"""

from __future__ import annotations

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.schema import Command

from config.settings import Settings
from tests.integration.server.conftest import API_KEY
from tests.integration.server.helpers import ledger_orders as _orders
from tests.integration.server.helpers import trading_input as _trading
from tests.integration.server.live_server import LiveServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_a_supervised_run_streams_to_its_approval_and_a_resume_places_the_order(
    live_api: LiveServer, api_settings: Settings
) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    assistants = await client.assistants.search()
    assert {a["assistant_id"] for a in assistants} == {"trading", "research"}
    assert (await client.assistants.get("trading"))["graph_id"] == "trading"

    thread = await client.threads.create(metadata={"desk": "api-test"})
    thread_id = thread["thread_id"]
    parts = [
        part
        async for part in client.runs.stream(
            thread_id,
            "trading",
            input=_trading("supervised"),
            stream_mode=["values", "updates", "custom"],
        )
    ]
    names = [p.event for p in parts]
    assert names[0] == "metadata"
    assert names[-1] == "end"
    assert "custom" in names and "updates" in names
    final_values = [p.data for p in parts if p.event == "values"][-1]
    assert final_values["__interrupt__"], "a supervised run ends at its approval interrupt"
    assert _orders(api_settings, thread_id) == [], "nothing is sent before the approval"

    state = await client.threads.get_state(thread_id)
    (waiting,) = state["interrupts"]
    assert waiting["value"]["verdicts"], "the interrupt carries the verdicts waiting on approval"
    assert (await client.threads.get(thread_id))["status"] == "interrupted"
    found = await client.threads.search(metadata={"desk": "api-test"})
    assert [t["thread_id"] for t in found] == [thread_id]

    answer = await client.runs.wait(
        thread_id, "trading", command=Command(resume={"approved": True, "note": "desk ok"})
    )
    assert isinstance(answer, dict) and "__interrupt__" not in answer
    orders = _orders(api_settings, thread_id)
    assert orders, "the approved entry went to the broker"
    assert len({o.client_order_id for o in orders}) == len(orders)

    after = await client.threads.get_state(thread_id)
    assert after["interrupts"] == [] and after["next"] == []
    values = after["values"]
    assert isinstance(values, dict) and values["approval"]["approved"] is True
    history = await client.threads.get_history(thread_id, limit=50)
    assert len(history) >= 3
    assert history[0]["checkpoint"]["checkpoint_id"] == after["checkpoint"]["checkpoint_id"]
    runs = await client.runs.list(thread_id)
    assert len(runs) == 2 and all(r["status"] == "success" for r in runs)


async def test_a_resume_that_does_not_validate_is_refused_before_anything_runs(
    live_api: LiveServer,
) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id, "trading", input=_trading("supervised"))
    async with httpx.AsyncClient(base_url=live_api.url, headers={"x-api-key": API_KEY}) as http:
        for resume in ({"deadbeef": True}, {"approved": "maybe"}, {"note": "no verdict"}):
            answer = await http.post(
                f"/threads/{thread_id}/runs",
                json={"assistant_id": "trading", "command": {"resume": resume}},
            )
            assert answer.status_code == 422, answer.text
        bad_input = await http.post(
            f"/threads/{thread_id}/runs",
            json={"assistant_id": "trading", "input": {"tickers": [], "session": "whenever"}},
        )
        assert bad_input.status_code == 422
        fields = {tuple(e["loc"]) for e in bad_input.json()["detail"]}
        assert ("body", "input", "tickers") in fields and ("body", "input", "session") in fields
        contexts = [e["ctx"] for e in bad_input.json()["detail"] if "ctx" in e]
        assert all(isinstance(c, dict) for c in contexts), "ctx is an object or absent, never null"
    assert await client.runs.list(thread_id) != []
    assert len(await client.runs.list(thread_id)) == 1, "no refused request started a run"
    assert (await client.threads.get_state(thread_id))["interrupts"], "still waiting"


async def test_unknown_ids_are_404_and_a_busy_thread_refuses_a_second_run(
    live_api: LiveServer,
) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    async with httpx.AsyncClient(base_url=live_api.url, headers={"x-api-key": API_KEY}) as http:
        assert (await http.get("/threads/nope")).status_code == 404
        assert (await http.get("/threads/nope/state")).status_code == 404
        assert (await http.get("/assistants/nope")).status_code == 404
        thread_id = (await client.threads.create())["thread_id"]
        assert (await http.get(f"/threads/{thread_id}/runs/nope")).status_code == 404
        assert (await http.get(f"/threads/{thread_id}/runs/nope/stream")).status_code == 404

        run = await client.runs.create(thread_id, "trading", input=_trading("autonomous"))
        second = await http.post(
            f"/threads/{thread_id}/runs",
            json={"assistant_id": "trading", "input": _trading("autonomous")},
        )
        active = (await client.runs.get(thread_id, run["run_id"]))["status"]
        if active in ("pending", "running"):
            assert second.status_code == 409, second.text
        await client.runs.cancel(thread_id, run["run_id"], wait=True)
        ended = await client.runs.get(thread_id, run["run_id"])
        assert ended["status"] in ("interrupted", "success")
        assert (await client.threads.get(thread_id))["status"] != "busy"


async def test_a_stream_carries_only_the_modes_asked_for_and_research_places_no_order(
    live_api: LiveServer, api_settings: Settings
) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    parts = [
        p
        async for p in client.runs.stream(
            thread_id,
            "research",
            input={"question": "is it sound?", "ticker": "AAPL"},
            stream_mode="custom",
        )
    ]
    assert {p.event for p in parts} == {"metadata", "custom", "end"}
    finished = [p.data for p in parts if p.event == "custom" and p.data["kind"] == "finished"]
    assert len(finished) == 1 and finished[0]["status"] == "completed"
    assert _orders(api_settings, thread_id) == []
    values = (await client.threads.get_state(thread_id))["values"]
    assert isinstance(values, dict) and values["request"]["tickers"] == ["AAPL"]
