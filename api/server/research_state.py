"""Research threads on the protocol: their sessions, and their state in the ThreadState shape.

Why a thread is recognised by its session: a research thread's checkpoints live in the research
sessions file (HEDGEGRAPH_HOME/research_sessions.sqlite, where ``hedgegraph research`` keeps
them too), not in the trading checkpointer; a thread the trading graph never ran that has a
research session is a research thread. Its values are the session's: the last question, tickers,
depth, the typed answer and the history of turns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder

from api.server.protocol_models import ThreadState

if TYPE_CHECKING:
    from mazo_bridge.sessions import ResearchSessions, SessionCheckpoint

__all__ = ["any_state", "research_history", "research_sessions", "research_state"]


def research_sessions(request: Request) -> ResearchSessions:
    """The app's research sessions (built on first use: the LLM when one is configured, else
    rules-only; over the engine's market data)."""
    found: ResearchSessions | None = getattr(request.app.state, "research_sessions", None)
    if found is None:
        from mazo_bridge.sessions import ResearchSessions

        engine = request.app.state.engine
        found = ResearchSessions(engine.settings, engine.context.market_data)
        request.app.state.research_sessions = found
    return found


def _checkpoint(thread_id: str, checkpoint_id: str | None) -> dict[str, Any] | None:
    if checkpoint_id is None:
        return None
    return {
        "thread_id": thread_id,
        "checkpoint_ns": "",
        "checkpoint_id": checkpoint_id,
        "checkpoint_map": None,
    }


def _state(thread_id: str, saved: SessionCheckpoint) -> ThreadState:
    return ThreadState(
        values=jsonable_encoder(saved.values),
        next=[],
        checkpoint=_checkpoint(thread_id, saved.checkpoint_id),
        metadata=jsonable_encoder(saved.metadata),
        created_at=saved.created_at,
        parent_checkpoint=_checkpoint(thread_id, saved.parent_id),
        tasks=[],
        interrupts=[],
    )


async def research_state(request: Request, thread_id: str) -> ThreadState | None:
    """The research thread's latest state, or ``None`` when it has no research session."""
    found = await research_sessions(request).checkpoints(thread_id, limit=1)
    return _state(thread_id, found[0]) if found else None


async def research_history(request: Request, thread_id: str, limit: int) -> list[ThreadState]:
    found = await research_sessions(request).checkpoints(thread_id, limit=limit)
    return [_state(thread_id, saved) for saved in found]


async def any_state(request: Request, thread_id: str) -> ThreadState | None:
    """The thread's state: the trading graph's when it ran there, else its research session's."""
    from api.server.thread_state import read_state

    state = await read_state(request.app.state.engine.checkpointer, thread_id)
    return state if state is not None else await research_state(request, thread_id)
