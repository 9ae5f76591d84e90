"""The protocol's ``messages-tuple`` stream mode over the cycle's LLM answers.

What a client asking for ``messages-tuple`` gets from the LangGraph Platform: ``messages``
events, each ``[message_chunk, metadata]``, one per token chunk while a chat model streams, or
one whole message when the model answered in one piece (LangGraph emits the finished message at
the model's end). Our providers answer in one piece (structured output, no token stream), so each
LLM answer that lands in the cycle is one ``messages`` event: an analyst's judgement of a ticker
(verdict source ``llm``) or the portfolio manager's choice for a ticker (policy ``llm:<model>``),
as an ``AIMessageChunk`` whose content is the model's reasoning, with the node, ticker and the
structured answer in the metadata. Rules-only verdicts and decisions are not messages: no model
spoke.
"""

from __future__ import annotations

import json

from domain import CycleEvent, CycleEventKind, VerdictSource

__all__ = ["MESSAGES_EVENT", "ai_message_chunk", "message_tuple"]

MESSAGES_EVENT = "messages"
"""The event name the reference server gives ``messages-tuple`` chunks."""


def ai_message_chunk(message_id: str, content: str) -> dict[str, object]:
    """An ``AIMessageChunk`` as the SDK's ``messages-tuple`` consumers expect it."""
    return {
        "type": "AIMessageChunk",
        "id": message_id,
        "content": content,
        "additional_kwargs": {},
        "response_metadata": {},
        "tool_calls": [],
        "tool_call_chunks": [],
        "invalid_tool_calls": [],
        "name": None,
        "example": False,
        "usage_metadata": None,
    }


def message_tuple(event: CycleEvent) -> str | None:
    """The ``messages`` event data (compact JSON) for one cycle event, or ``None`` when no LLM
    answered in it."""
    base = {
        "langgraph_node": event.node,
        "thread_id": event.thread_id,
        "run_id": event.run_id,
        "ticker": event.ticker,
    }
    if event.kind is CycleEventKind.ANALYST_VERDICT and event.verdict is not None:
        verdict = event.verdict
        if verdict.source is not VerdictSource.LLM:
            return None
        message_id = f"run-{event.run_id}-{event.seq}"
        metadata = {
            **base,
            "analyst": verdict.analyst,
            "signal": verdict.signal.value,
            "confidence": verdict.confidence,
            "failure_reason": verdict.failure_reason,
        }
        return json.dumps(
            [ai_message_chunk(message_id, verdict.reasoning), metadata], separators=(",", ":")
        )
    if event.kind is CycleEventKind.PM_DECISION and event.decision is not None:
        decision = event.decision
        if not decision.policy.startswith("llm:"):
            return None
        message_id = f"run-{event.run_id}-{event.seq}"
        metadata = {
            **base,
            "ls_model_name": decision.policy.removeprefix("llm:"),
            "action": decision.action.value,
            "quantity": float(decision.quantity),
        }
        return json.dumps(
            [ai_message_chunk(message_id, decision.reasoning), metadata], separators=(",", ":")
        )
    return None
