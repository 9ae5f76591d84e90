"""The bodies of the LangGraph Platform protocol routes, as pydantic models.

Why models at this boundary: a malformed or out-of-range body must be a 422 naming the field,
never a 500 halfway through a run; and a resume payload that does not validate must be refused
before anything runs (an unchecked ``{"deadbeef": true}`` once reached ``interrupt()`` as an
approval). Shapes follow the reference server (see the protocol notes), so an unmodified
``langgraph-sdk`` client reads them; only the fields this server honours are declared, and
unknown request fields are ignored the way the reference server ignores them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Assistant",
    "AssistantSearch",
    "HistoryRequest",
    "ResumeCommand",
    "ResumeVerdict",
    "Run",
    "RunCreate",
    "Thread",
    "ThreadCreate",
    "ThreadSearch",
    "ThreadState",
    "TradingInput",
    "stream_events",
]

AssistantId = Literal["trading", "research"]
StreamMode = Literal["values", "updates", "custom", "messages-tuple"]
_EVENT_OF_MODE = {"messages-tuple": "messages"}
"""Modes whose events go out under another name (the reference server's)."""


def stream_events(modes: Iterable[str]) -> set[str]:
    """The event names a stream of these modes carries."""
    return {_EVENT_OF_MODE.get(mode, mode) for mode in modes}


_TICKER = r"^[A-Za-z][A-Za-z0-9.\-]{0,9}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TradingInput(BaseModel):
    """The ``trading`` assistant's input: which tickers, how far, who approves."""

    model_config = ConfigDict(extra="forbid")

    tickers: list[str] = Field(min_length=1, max_length=200)
    mode: Literal["signal", "research", "pre_research", "post_research", "full"] = "full"
    session: Literal["autonomous", "supervised"] = "autonomous"
    analysts: list[str] | None = Field(default=None, min_length=1, max_length=50)
    """This run's analyst roster (``None``: the configured one); ``all`` for every analyst."""

    @field_validator("analysts")
    @classmethod
    def _analysts(cls, names: list[str] | None) -> list[str] | None:
        # Refused here, before a thread runs: an unknown name would fail the cycle mid-way.
        from agents.analysts.registry import ALL, ANALYSTS

        if names is None:
            return None
        unknown = [n for n in names if n not in ANALYSTS and n != ALL]
        if unknown:
            raise ValueError(f"unknown analyst {unknown[:3]}; known: {', '.join(ANALYSTS)}")
        return list(dict.fromkeys(names))

    @field_validator("tickers")
    @classmethod
    def _tickers(cls, tickers: list[str]) -> list[str]:
        import re

        bad = [t for t in tickers if not re.match(_TICKER, t.strip())]
        if bad:
            raise ValueError(f"not a ticker symbol: {bad[:3]}")
        return [t.strip().upper() for t in tickers]


class ResumeVerdict(BaseModel):
    """The operator's answer to the approval interrupt."""

    model_config = ConfigDict(extra="forbid")

    approved: bool
    note: str = Field(default="", max_length=2000)


class ResumeCommand(BaseModel):
    """``command`` of a run request: only ``resume`` is honoured (``update``/``goto`` would let a
    client route around the approval)."""

    model_config = ConfigDict(extra="forbid")

    resume: ResumeVerdict


class RunCreate(_Body):
    assistant_id: AssistantId
    input: dict[str, Any] | None = None
    command: ResumeCommand | None = None
    stream_mode: StreamMode | list[StreamMode] = "values"
    metadata: dict[str, Any] = Field(default_factory=dict)
    multitask_strategy: Literal["reject"] = "reject"
    """Only ``reject``: a second order-placing run on a busy thread is never queued or raced."""
    stream_resumable: bool = True
    on_disconnect: Literal["continue"] = "continue"
    """A disconnect never cancels a run (an order sent would lose its record)."""

    def modes(self) -> set[str]:
        """The event names the stream carries (``messages-tuple`` goes out as ``messages``)."""
        asked = {self.stream_mode} if isinstance(self.stream_mode, str) else set(self.stream_mode)
        return stream_events(asked)


class ThreadCreate(_Body):
    thread_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:\-]{1,128}$")
    metadata: dict[str, Any] = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"


class ThreadSearch(_Body):
    metadata: dict[str, Any] = Field(default_factory=dict)
    status: Literal["idle", "busy", "interrupted", "error"] | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class HistoryRequest(_Body):
    limit: int = Field(default=10, ge=1, le=1000)


class AssistantSearch(_Body):
    graph_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class Assistant(BaseModel):
    assistant_id: AssistantId
    graph_id: AssistantId
    name: str
    description: str
    config: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    version: int = 1
    created_at: datetime
    updated_at: datetime


class Thread(BaseModel):
    thread_id: str
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any]
    status: Literal["idle", "busy", "interrupted", "error"]
    values: dict[str, Any] | None = None
    interrupts: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class Run(BaseModel):
    run_id: str
    thread_id: str
    assistant_id: str
    created_at: datetime
    updated_at: datetime
    status: Literal["pending", "running", "error", "success", "timeout", "interrupted"]
    metadata: dict[str, Any]
    multitask_strategy: str = "reject"


class ThreadState(BaseModel):
    values: dict[str, Any]
    next: list[str]
    checkpoint: dict[str, Any] | None
    metadata: dict[str, Any] | None
    created_at: str | None
    parent_checkpoint: dict[str, Any] | None
    tasks: list[dict[str, Any]]
    interrupts: list[dict[str, Any]]
