"""Which threads exist and which wait for an approval, read from the checkpoints.

Why the checkpoints: a supervised thread stops at a LangGraph interrupt before anything is
recorded in the ledger, so only its checkpoint knows it is waiting. An interrupt is stored as a
pending write on the thread's latest checkpoint; once answered, a newer checkpoint replaces it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["ThreadView", "list_threads"]

_INTERRUPT = "__interrupt__"
"""LangGraph's channel name for interrupts (``langgraph.constants.INTERRUPT``)."""


class ThreadView(BaseModel):
    model_config = ConfigDict(frozen=True)

    thread_id: str
    updated_at: datetime | None
    mode: str | None
    session_mode: str | None
    tickers: list[str]
    awaiting_approval: bool
    finished: bool


def _view(thread_id: str, saved: Any) -> ThreadView:
    values = saved.checkpoint.get("channel_values", {})
    request = values.get("request")
    waiting = any(write[1] == _INTERRUPT for write in saved.pending_writes or [])
    ts = saved.checkpoint.get("ts")
    return ThreadView(
        thread_id=thread_id,
        updated_at=datetime.fromisoformat(ts) if isinstance(ts, str) else None,
        mode=getattr(request, "mode", None),
        session_mode=getattr(request, "session_mode", None),
        tickers=list(getattr(request, "tickers", ()) or ()),
        awaiting_approval=waiting,
        finished=bool(values.get("recorded")),
    )


def list_threads(checkpoint_url: str, *, pending_only: bool = False) -> list[ThreadView]:
    """Every thread's latest state, newest first (``pending_only``: waiting for an approval)."""
    from graph.checkpoints.factory import open_checkpointer

    with open_checkpointer(checkpoint_url) as saver:
        ids = dict.fromkeys(
            t.config["configurable"]["thread_id"]
            for t in saver.list(None)
            if not t.config["configurable"].get("checkpoint_ns")
        )
        views = []
        for thread_id in ids:
            saved = saver.get_tuple({"configurable": {"thread_id": thread_id}})
            if saved is not None:
                views.append(_view(thread_id, saved))
    if pending_only:
        views = [v for v in views if v.awaiting_approval]
    views.sort(key=lambda v: v.updated_at.timestamp() if v.updated_at else 0.0, reverse=True)
    return views
