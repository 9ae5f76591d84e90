"""The LangGraph Platform protocol routes (core subset) over the trading and research cycles.

Why this subset: it is what an unmodified ``langgraph-sdk`` client needs to create a thread,
stream a run, read the approval interrupt, answer it, read state and history, join a running
stream with ``Last-Event-ID`` and cancel. Runs are started through the ``RunManager`` (a
background task over the production runner), so no request holds a run: a disconnect ends a
stream, never a cycle. Input is validated before anything runs; a busy thread is a 409; an
unknown thread or run is a 404.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.server.event_log import InvalidEventIdError
from api.server.protocol_models import (
    Assistant,
    AssistantSearch,
    HistoryRequest,
    Run,
    RunCreate,
    Thread,
    ThreadCreate,
    ThreadSearch,
    ThreadState,
    TradingInput,
    stream_events,
)
from api.server.research_runs import ResearchInput, ResearchTemplateError, research_source
from api.server.research_state import any_state, research_history, research_state
from api.server.run_records import stored_run, stored_runs
from api.server.runs import ApiRun, RunManager, ThreadBusyError, UnknownRunError
from api.server.sse import run_stream
from api.server.thread_registry import ThreadExistsError, ThreadRecord, ThreadRegistry
from api.server.thread_state import compiled_graph, history, read_state, values_with_interrupts

__all__ = ["router"]

router = APIRouter()

_STARTED = datetime(2026, 1, 1, tzinfo=UTC)
_ASSISTANTS = {
    "trading": "A trading cycle: analysts, portfolio manager, risk gate, execution, record.",
    "research": "A research session turn: {question, tickers?, depth?, template?}, multi-turn "
    "per thread, streamed as custom (plan, tool calls, draft check) and messages-tuple (the "
    "answer); no orders. Legacy {ticker}: a research-mode cycle of one ticker.",
}


def _assistant(assistant_id: str) -> Assistant:
    return Assistant(
        assistant_id=assistant_id,
        graph_id=assistant_id,
        name=assistant_id,
        description=_ASSISTANTS[assistant_id],
        created_at=_STARTED,
        updated_at=_STARTED,
    )


def _runs(request: Request) -> RunManager:
    runs: RunManager = request.app.state.runs
    return runs


def _threads(request: Request) -> ThreadRegistry:
    threads: ThreadRegistry = request.app.state.threads
    return threads


def _run_model(run: ApiRun) -> Run:
    return Run(
        run_id=run.run_id,
        thread_id=run.thread_id,
        assistant_id=run.assistant_id,
        created_at=run.created_at,
        updated_at=run.updated_at,
        status=run.status.value,
        metadata=run.metadata,
    )


def _not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{what} not found")


def _invalid(loc: tuple[str | int, ...], error: ValidationError) -> RequestValidationError:
    """A 422 in FastAPI's own shape, the field path under ``body``. ``ctx`` is left out (it may
    hold the exception a validator raised, which is no JSON; the schema allows no null there)."""
    return RequestValidationError(
        [
            {**{k: v for k, v in e.items() if k != "ctx"}, "loc": ("body", *loc, *e["loc"])}
            for e in error.errors()
        ]
    )


# -- assistants ---------------------------------------------------------------------------------


@router.post("/assistants/search", response_model=list[Assistant], tags=["assistants"])
async def search_assistants(body: AssistantSearch) -> list[Assistant]:
    ids = [a for a in _ASSISTANTS if body.graph_id in (None, a)]
    return [_assistant(a) for a in ids][body.offset : body.offset + body.limit]


@router.get("/assistants/{assistant_id}", response_model=Assistant, tags=["assistants"])
async def get_assistant(assistant_id: str) -> Assistant:
    if assistant_id not in _ASSISTANTS:
        raise _not_found(f"assistant {assistant_id}")
    return _assistant(assistant_id)


# -- threads ------------------------------------------------------------------------------------


async def _known_thread(request: Request, thread_id: str) -> ThreadRecord:
    record = _threads(request).get(thread_id)
    if record is not None:
        return record
    if await compiled_graph(request.app.state.engine.checkpointer, thread_id) is not None:
        return _threads(request).adopt(thread_id)
    if await research_state(request, thread_id) is not None:
        return _threads(request).adopt(thread_id)
    raise _not_found(f"thread {thread_id}")


async def _thread_model(request: Request, record: ThreadRecord) -> Thread:
    state = await any_state(request, record.thread_id)
    active = _runs(request).active_run(record.thread_id)
    interrupts: dict[str, list[dict[str, Any]]] = {}
    if state is not None:
        for task in state.tasks:
            if task["interrupts"]:
                interrupts[task["id"]] = task["interrupts"]
    status_ = "busy" if active else ("interrupted" if interrupts else "idle")
    return Thread(
        thread_id=record.thread_id,
        created_at=record.created_at,
        updated_at=record.created_at,
        metadata=record.metadata,
        status=status_,
        values=state.values if state is not None else None,
        interrupts=interrupts,
    )


@router.post("/threads", response_model=Thread, tags=["threads"])
async def create_thread(request: Request, body: ThreadCreate) -> Thread:
    try:
        record = _threads(request).create(body.thread_id, body.metadata, if_exists=body.if_exists)
    except ThreadExistsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    return await _thread_model(request, record)


@router.post("/threads/search", response_model=list[Thread], tags=["threads"])
async def search_threads(request: Request, body: ThreadSearch) -> list[Thread]:
    found = [await _thread_model(request, r) for r in _threads(request).search(body.metadata)]
    if body.status is not None:
        found = [t for t in found if t.status == body.status]
    return found[body.offset : body.offset + body.limit]


@router.get("/threads/{thread_id}", response_model=Thread, tags=["threads"])
async def get_thread(request: Request, thread_id: str) -> Thread:
    return await _thread_model(request, await _known_thread(request, thread_id))


@router.get("/threads/{thread_id}/state", response_model=ThreadState, tags=["threads"])
async def get_thread_state(request: Request, thread_id: str) -> ThreadState:
    await _known_thread(request, thread_id)
    state = await any_state(request, thread_id)
    if state is None:  # registered, never run: the empty state
        return ThreadState(
            values={},
            next=[],
            checkpoint=None,
            metadata=None,
            created_at=None,
            parent_checkpoint=None,
            tasks=[],
            interrupts=[],
        )
    return state


@router.post("/threads/{thread_id}/history", response_model=list[ThreadState], tags=["threads"])
async def thread_history(request: Request, thread_id: str, body: HistoryRequest) -> Any:
    await _known_thread(request, thread_id)
    found = await history(request.app.state.engine.checkpointer, thread_id, body.limit)
    return found or await research_history(request, thread_id, body.limit)


# -- runs ---------------------------------------------------------------------------------------


def _source(request: Request, thread_id: str, body: RunCreate) -> Any:
    """The run's events (bound to the id the manager gives out), validated before it starts."""
    from domain import ApprovalVerdict
    from graph.runner import astream_approval, astream_cycle

    engine = request.app.state.engine
    if (body.input is None) == (body.command is None):
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "input"), "msg": "give input or command"}]
        )
    if body.command is not None:
        verdict = ApprovalVerdict(
            approved=body.command.resume.approved, note=body.command.resume.note, approver="api"
        )
        return lambda run_id: astream_approval(
            engine, thread_id=thread_id, verdict=verdict, trigger="api", run_id=run_id
        )
    assert body.input is not None
    if body.assistant_id == "research" and "ticker" not in body.input:
        return _research_source(request, thread_id, body.input)
    if body.assistant_id == "research":
        ticker = body.input.get("ticker")
        if not isinstance(ticker, str) or not ticker.strip():
            raise RequestValidationError(
                [{"type": "missing", "loc": ("body", "input", "ticker"), "msg": "a ticker"}]
            )
        trading = TradingInput(tickers=[ticker], mode="research", session="autonomous")
    else:
        try:
            trading = TradingInput.model_validate(body.input)
        except ValidationError as exc:
            raise _invalid(("input",), exc) from exc
    return lambda run_id: astream_cycle(
        engine,
        thread_id=thread_id,
        tickers=trading.tickers,
        mode=trading.mode,
        session_mode=trading.session,
        trigger="api",
        run_id=run_id,
        analysts=trading.analysts,
    )


def _research_source(request: Request, thread_id: str, raw: dict[str, Any]) -> Any:
    """A research session turn (input validated, template rendered, before it starts)."""
    from api.server.research_state import research_sessions

    try:
        asked = ResearchInput.model_validate(raw)
    except ValidationError as exc:
        raise _invalid(("input",), exc) from exc
    engine = request.app.state.engine
    decisions = None
    if asked.template == "explain-run" and asked.run:
        found = engine.ledger.decisions_for_thread(asked.run)
        decisions = [r.model_dump(mode="json") for r in found]
    try:
        question, tickers = asked.asked(decisions)
    except ResearchTemplateError as exc:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "input", exc.field), "msg": str(exc)}]
        ) from exc
    return research_source(
        research_sessions(request),
        thread_id=thread_id,
        asked=asked,
        question=question,
        tickers=tickers,
        now=engine.clock.now(),
    )


async def _waiting_for_approval(request: Request, thread_id: str) -> bool:
    state = await read_state(request.app.state.engine.checkpointer, thread_id)
    return state is not None and bool(state.interrupts)


async def _start(request: Request, thread_id: str, body: RunCreate) -> ApiRun:
    await _known_thread(request, thread_id)
    source = _source(request, thread_id, body)
    if body.command is not None and not await _waiting_for_approval(request, thread_id):
        raise HTTPException(status.HTTP_409_CONFLICT, detail="the thread waits on no approval")

    async def closing() -> list[tuple[str, str]]:
        state = await any_state(request, thread_id)
        if state is None:
            return []
        events = [("values", json.dumps(values_with_interrupts(state), default=str))]
        if state.interrupts:
            events.append(("updates", json.dumps({"__interrupt__": state.interrupts})))
        return events

    try:
        return await _runs(request).start(
            thread_id,
            source,
            assistant_id=body.assistant_id,
            metadata=body.metadata,
            closing=closing,
        )
    except ThreadBusyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc


async def _final_values(request: Request, thread_id: str) -> dict[str, Any]:
    state = await any_state(request, thread_id)
    return values_with_interrupts(state) if state is not None else {}


@router.post("/threads/{thread_id}/runs", response_model=Run, tags=["runs"])
async def create_run(request: Request, thread_id: str, body: RunCreate) -> Run:
    """A background run: answers at once; read it with join or stream."""
    return _run_model(await _start(request, thread_id, body))


@router.post("/threads/{thread_id}/runs/stream", tags=["runs"])
async def stream_run(request: Request, thread_id: str, body: RunCreate) -> Any:
    """A run and its SSE stream (``metadata`` first, ``end`` last)."""
    run = await _start(request, thread_id, body)
    return run_stream(
        request.app.state.events,
        thread_id=thread_id,
        run_id=run.run_id,
        modes=body.modes(),
        heartbeat_seconds=request.app.state.heartbeat_seconds,
    )


@router.post("/threads/{thread_id}/runs/wait", tags=["runs"])
async def wait_run(request: Request, thread_id: str, body: RunCreate) -> dict[str, Any]:
    """A run, answered with its final values (``__interrupt__`` when it waits on approval)."""
    run = await _start(request, thread_id, body)
    await _runs(request).join(run)
    return await _final_values(request, thread_id)


@router.get("/threads/{thread_id}/runs", response_model=list[Run], tags=["runs"])
async def list_runs(
    request: Request,
    thread_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Run]:
    """The thread's runs, newest first: this server's, and those the ledger has from others."""
    await _known_thread(request, thread_id)
    mine = [_run_model(r) for r in _runs(request).runs_of(thread_id)]
    seen = {r.run_id for r in mine}
    others = [
        r for r in await stored_runs(request.app.state.engine, thread_id) if r.run_id not in seen
    ]
    runs = sorted(mine + others, key=lambda r: r.created_at, reverse=True)
    return runs[offset : offset + limit]


async def _any_run(request: Request, thread_id: str, run_id: str) -> Run:
    """The run as this server has it, else as the ledger or the shared log has it (a run another
    server started), else 404."""
    try:
        return _run_model(_runs(request).get(thread_id, run_id))
    except UnknownRunError as exc:
        found = await stored_run(
            request.app.state.engine, request.app.state.events, thread_id, run_id
        )
        if found is None:
            raise _not_found(f"run {run_id} of thread {thread_id}") from exc
        return found


@router.get("/threads/{thread_id}/runs/{run_id}", response_model=Run, tags=["runs"])
async def get_run(request: Request, thread_id: str, run_id: str) -> Run:
    return await _any_run(request, thread_id, run_id)


@router.get("/threads/{thread_id}/runs/{run_id}/stream", tags=["runs"])
async def join_stream(
    request: Request,
    thread_id: str,
    run_id: str,
    stream_mode: Annotated[list[str] | None, Query()] = None,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> Any:
    """Join a run's stream: every event after ``Last-Event-ID`` (all without it), then live.

    A run another worker started is joined from the shared log (Redis Streams), so a reconnect
    that lands on this process replays from there."""
    try:
        _runs(request).get(thread_id, run_id)
    except UnknownRunError:
        await _any_run(request, thread_id, run_id)  # 404 unless it is this thread's run
    if last_event_id is not None:
        try:
            last_event_id = request.app.state.events.check_id(last_event_id)
        except InvalidEventIdError as exc:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, detail="Last-Event-ID not issued here"
            ) from exc
    return run_stream(
        request.app.state.events,
        thread_id=thread_id,
        run_id=run_id,
        modes=stream_events(set(stream_mode or ("values", "updates", "custom"))),
        after=last_event_id,
        heartbeat_seconds=request.app.state.heartbeat_seconds,
    )


@router.get("/threads/{thread_id}/runs/{run_id}/join", tags=["runs"])
async def join_run(request: Request, thread_id: str, run_id: str) -> dict[str, Any]:
    """Wait for the run to end; its thread's final values. A run another server started is
    waited for on the shared log (its ``end``), else on the ledger."""
    try:
        await _runs(request).join(_runs(request).get(thread_id, run_id))
    except UnknownRunError:
        await _wait_elsewhere(request, thread_id, run_id)
    return await _final_values(request, thread_id)


_POLL_SECONDS = 0.5


async def _wait_elsewhere(request: Request, thread_id: str, run_id: str) -> None:
    events = request.app.state.events
    run = await _any_run(request, thread_id, run_id)  # 404 when nobody has it
    if await events.known(run_id):
        async for _ in events.follow_batches(run_id):
            pass
        return
    while run.status in ("pending", "running"):
        await asyncio.sleep(_POLL_SECONDS)
        run = await _any_run(request, thread_id, run_id)


@router.post(
    "/threads/{thread_id}/runs/{run_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,  # the 202 has no body; the schema says so
    tags=["runs"],
)
async def cancel_run(
    request: Request,
    thread_id: str,
    run_id: str,
    wait: bool = False,
    action: Annotated[str, Query(pattern="^(interrupt|rollback)$")] = "interrupt",
) -> Response:
    """Stop the run at its next step boundary (never between ``execute`` and ``record``). A run
    another server runs is cancelled there (relayed over Redis); without Redis that is a 409."""
    try:
        await _runs(request).cancel(_runs(request).get(thread_id, run_id), wait=wait)
    except UnknownRunError:
        found = await _any_run(request, thread_id, run_id)  # 404 when nobody has it
        if found.status in ("pending", "running"):
            cancels = request.app.state.cancels
            if cancels is None:
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    detail=f"run {run_id} runs on another server and no REDIS_URL relays cancels",
                ) from None
            await cancels.publish(run_id)
            if wait:
                await _wait_elsewhere(request, thread_id, run_id)
    return Response(status_code=status.HTTP_202_ACCEPTED)
