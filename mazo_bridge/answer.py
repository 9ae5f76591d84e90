"""The research answer: a typed model every backend (native, rules-only, external) returns.

Why typed and with sources: the research agent of the system we replace answered with a fixed
confidence and no sources, so nobody could check it. Here each answer says which tool calls (with
their point-in-time arguments) it relied on, how it stopped, and whether its draft passed the
checks (every part answered, every number traced to a tool output).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Outlook",
    "ResearchAnswer",
    "ResearchUsage",
    "SourceCall",
    "StopReason",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Outlook(StrEnum):
    """The research stance on a ticker (the trading side maps it to agrees / disagrees)."""

    BULLISH = "bullish"
    BEARISH = "bearish"
    NEUTRAL = "neutral"


class StopReason(StrEnum):
    """Why the research stopped gathering evidence; every budget has its own name."""

    ANSWERED = "answered"
    """The plan was carried out and the agent stopped on its own."""
    TOOL_CALL_BUDGET = "tool_call_budget"
    """The depth's tool-call budget ended (refused repeats count against it)."""
    PLANNING_BUDGET = "planning_budget"
    """Validation still failed when no planning step was left to repair the draft."""
    TOKEN_BUDGET = "token_budget"
    WALL_TIME = "wall_time"
    LLM_FAILED = "llm_failed"
    """The model could not be reached or its answers were unusable after retries."""


class SourceCall(_Frozen):
    """One tool call an answer relied on, with the arguments it ran with."""

    call_id: str
    tool: str
    args: dict[str, Any]
    as_of: datetime
    """The point in time the tool read at (set by the toolbox, never by the model)."""


class ResearchUsage(_Frozen):
    """What the research spent, against its depth's budget."""

    planning_steps: int = 0
    tool_calls: int = 0
    """Tool calls executed (refused ones are counted separately)."""
    refused_calls: int = 0
    """Calls refused: repeats of an earlier call, unknown tools, invalid arguments."""
    llm_calls: int = 0
    tokens: int = 0
    wall_seconds: float = 0.0


class ResearchAnswer(_Frozen):
    question: str
    tickers: tuple[str, ...]
    as_of: datetime
    depth: str
    summary: str
    stance: Outlook
    confidence: float = Field(ge=0.0, le=1.0)
    key_points: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    sources: tuple[SourceCall, ...] = ()
    rules_only: bool = False
    """True when no LLM took part: a deterministic plan and explicit stance rules."""
    stop_reason: StopReason = StopReason.ANSWERED
    validated: bool = True
    """The draft passed validation (parts answered, numbers traced to tool outputs)."""
    validation_errors: tuple[str, ...] = ()
    usage: ResearchUsage = Field(default_factory=ResearchUsage)

    def source_labels(self) -> tuple[str, ...]:
        """Sources as short strings, ``tool(arg=value, ...)@as_of`` (for findings and audits)."""
        return tuple(
            f"{s.tool}({', '.join(f'{k}={v}' for k, v in s.args.items())})@{s.as_of.isoformat()}"
            for s in self.sources
        )
