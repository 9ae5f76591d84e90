"""A thread's checkpointed state in the protocol's ThreadState shape.

Why through the compiled graph and not the raw checkpoint: ``aget_state`` is what knows which
tasks are pending and which interrupt waits (the approval), and a client resumes by what it
reads here. Values are made JSON-safe with FastAPI's encoder, which knows the domain's pydantic
models, decimals and dates.
"""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from langgraph.checkpoint.base import BaseCheckpointSaver

from api.server.protocol_models import ThreadState

__all__ = ["compiled_graph", "history", "interrupts_of", "read_state", "values_with_interrupts"]


async def compiled_graph(saver: BaseCheckpointSaver[Any], thread_id: str) -> Any | None:
    """The thread's graph (of the mode it started in), or ``None`` for a thread never run."""
    from graph.builder import build_graph
    from graph.cycle_result import thread_config

    saved = await saver.aget_tuple(thread_config(thread_id))
    if saved is None:
        return None
    request = saved.checkpoint["channel_values"].get("request")
    mode = getattr(request, "mode", "full")
    return build_graph(mode).compile(checkpointer=saver)


def _interrupt(item: Any) -> dict[str, Any]:
    return {"id": item.id, "value": jsonable_encoder(item.value)}


def interrupts_of(snapshot: Any) -> list[dict[str, Any]]:
    return [_interrupt(i) for task in snapshot.tasks for i in task.interrupts]


def _checkpoint(config: Any) -> dict[str, Any] | None:
    if not config:
        return None
    configurable = config.get("configurable", {})
    return {
        "thread_id": configurable.get("thread_id"),
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
        "checkpoint_id": configurable.get("checkpoint_id"),
        "checkpoint_map": configurable.get("checkpoint_map"),
    }


def to_thread_state(snapshot: Any) -> ThreadState:
    tasks = [
        {
            "id": task.id,
            "name": task.name,
            "error": str(task.error) if task.error else None,
            "interrupts": [_interrupt(i) for i in task.interrupts],
            "checkpoint": None,
            "state": None,
            "result": jsonable_encoder(task.result) if task.result is not None else None,
        }
        for task in snapshot.tasks
    ]
    return ThreadState(
        values=jsonable_encoder(snapshot.values or {}),
        next=list(snapshot.next),
        checkpoint=_checkpoint(snapshot.config),
        metadata=jsonable_encoder(snapshot.metadata or {}),
        created_at=snapshot.created_at,
        parent_checkpoint=_checkpoint(snapshot.parent_config),
        tasks=tasks,
        interrupts=interrupts_of(snapshot),
    )


async def read_state(saver: BaseCheckpointSaver[Any], thread_id: str) -> ThreadState | None:
    from graph.cycle_result import thread_config

    graph = await compiled_graph(saver, thread_id)
    if graph is None:
        return None
    return to_thread_state(await graph.aget_state(thread_config(thread_id)))


async def history(saver: BaseCheckpointSaver[Any], thread_id: str, limit: int) -> list[ThreadState]:
    from graph.cycle_result import thread_config

    graph = await compiled_graph(saver, thread_id)
    if graph is None:
        return []
    out: list[ThreadState] = []
    async for snapshot in graph.aget_state_history(thread_config(thread_id), limit=limit):
        out.append(to_thread_state(snapshot))
    return out


def values_with_interrupts(state: ThreadState) -> dict[str, Any]:
    """The final ``values`` event / ``wait`` answer: state values plus ``__interrupt__``."""
    values = dict(state.values)
    if state.interrupts:
        values["__interrupt__"] = state.interrupts
    return values
