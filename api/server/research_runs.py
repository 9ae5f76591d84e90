"""The ``research`` assistant's runs: a research session turn, streamed over the protocol.

Input ``{question, tickers?, depth?, template?, run?, as_of?}`` is validated before anything
runs (a 422 names the field); the turn runs in the thread's research session (the same
checkpointed sessions as ``hedgegraph research``, in HEDGEGRAPH_HOME/research_sessions.sqlite,
so a follow-up run on the thread sees the earlier questions, answers and tool results). What the
agent reports while it works (understood, the plan, each tool call, the draft check) goes out as
``custom`` events; the answer goes out as ``messages`` (``messages-tuple``) AI message chunks,
with stance and confidence in their metadata, and as an ``updates`` event. Research reads data
only: nothing here reaches a broker.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.server.messages import MESSAGES_EVENT, ai_message_chunk

if TYPE_CHECKING:
    from mazo_bridge.answer import ResearchAnswer
    from mazo_bridge.sessions import ResearchSessions

__all__ = [
    "RawEvent",
    "ResearchInput",
    "ResearchTemplateError",
    "answer_messages",
    "research_events",
    "research_source",
]

RawEvent = tuple[str, str]
"""``(event name, JSON data)`` as it goes into the run's log."""

_TICKER = re.compile(r"^[A-Za-z][A-Za-z0-9.\-]{0,9}$")
_TEMPLATE_FIELD = {"--ticker": "tickers", "--run": "run", "--template": "template"}
"""The research templates name command-line options; the API names its input fields."""


class ResearchTemplateError(ValueError):
    """A template that cannot be asked with this input; ``field`` is the input field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ResearchInput(BaseModel):
    """A research question for the ``research`` assistant."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(default="", max_length=4000)
    tickers: list[str] = Field(default_factory=list, max_length=5)
    depth: Literal["quick", "standard", "deep"] = "quick"
    template: (
        Literal["company-analysis", "compare", "explain-run", "earnings-preview", "risk-review"]
        | None
    ) = None
    run: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:\-]{1,128}$")
    """``explain-run``: the thread id of the past run whose decisions to explain."""
    as_of: datetime | None = None
    """Research as of this time (default: the server's clock now)."""

    @field_validator("tickers")
    @classmethod
    def _tickers(cls, tickers: list[str]) -> list[str]:
        bad = [t for t in tickers if not _TICKER.match(t.strip())]
        if bad:
            raise ValueError(f"not a ticker symbol: {bad[:3]}")
        return list(dict.fromkeys(t.strip().upper() for t in tickers))

    @model_validator(mode="after")
    def _asks_something(self) -> ResearchInput:
        if not self.question.strip() and self.template is None:
            raise ValueError("give a question or a template")
        return self

    def asked(self, decisions: list[dict[str, Any]] | None = None) -> tuple[str, list[str]]:
        """The question the agent gets (a template rendered) and its tickers."""
        from mazo_bridge.templates import TemplateError, render_template

        tickers = list(self.tickers)
        if self.template is None:
            return self.question, tickers
        if decisions and not tickers:
            tickers = list(dict.fromkeys(str(d["ticker"]) for d in decisions))
        try:
            text = render_template(
                self.template, tickers, question=self.question, decisions=decisions
            )
        except TemplateError as exc:
            message = str(exc).split(": ", 1)[-1]
            raise ResearchTemplateError(
                _TEMPLATE_FIELD.get(exc.option, "template"), message
            ) from exc
        return text, tickers


def _answer_parts(answer: ResearchAnswer) -> list[str]:
    parts = [answer.summary]
    parts.append(f"\n\nStance: {answer.stance.value} (confidence {answer.confidence:.2f})")
    parts.extend(f"\n- {point}" for point in answer.key_points)
    parts.extend(f"\nRisk: {risk}" for risk in answer.risks)
    parts.extend(f"\nSource: {label}" for label in answer.source_labels())
    return parts


def answer_messages(answer: ResearchAnswer, *, thread_id: str, run_id: str, turn: int) -> list[str]:
    """The answer as ``messages`` event data: AI message chunks of one message (the summary,
    the stance, each key point, risk and source), the typed answer's headline in the metadata."""
    message_id = f"run-{run_id}-research-{turn}"
    metadata = {
        "langgraph_node": "answer",
        "thread_id": thread_id,
        "run_id": run_id,
        "stance": answer.stance.value,
        "confidence": answer.confidence,
        "rules_only": answer.rules_only,
        "validated": answer.validated,
        "stop_reason": answer.stop_reason.value,
    }
    return [
        json.dumps([ai_message_chunk(message_id, part), metadata], separators=(",", ":"))
        for part in _answer_parts(answer)
    ]


async def research_events(
    sessions: ResearchSessions,
    *,
    thread_id: str,
    run_id: str,
    question: str,
    tickers: list[str],
    depth: str,
    as_of: datetime,
) -> AsyncIterator[RawEvent]:
    """One turn of the thread's session: its progress as ``custom`` events while it runs, then
    the answer (``updates`` and ``messages``). A cancelled run ends when its turn has."""
    loop = asyncio.get_running_loop()

    def progress(kind: str, detail: dict[str, Any]) -> None:
        if kind == "answer":  # the answer goes out typed, below
            return
        data = json.dumps({"kind": kind, **detail}, default=str)
        loop.call_soon_threadsafe(queue.put_nowait, ("custom", data))

    turn = len(await sessions.history(thread_id)) + 1
    queue: asyncio.Queue[RawEvent | None] = asyncio.Queue()

    def ask() -> ResearchAnswer:
        # its own loop on a worker thread: the agent's tool calls read the data layer
        # synchronously, which must not stall this server's loop (other streams, heartbeats)
        return asyncio.run(
            sessions.ask(
                question,
                tickers,
                as_of=as_of.astimezone(UTC),
                depth=depth,
                thread_id=thread_id,
                progress=progress,
            )
        )

    turn_done = loop.run_in_executor(None, ask)
    # after every progress event the turn scheduled (callbacks run in order)
    turn_done.add_done_callback(lambda _: loop.call_soon_threadsafe(queue.put_nowait, None))
    try:
        while (event := await queue.get()) is not None:
            yield event
        answer = turn_done.result()  # a failed turn raises here: the run ends ``error``
    finally:
        if not turn_done.done():
            # a cancelled run waits for its turn to end (bounded by the depth's wall time), so
            # the session's checkpoint is whole before another run may start on the thread
            await asyncio.wait({turn_done})
    dumped = answer.model_dump(mode="json")
    yield "updates", json.dumps({"answer": {"turn": turn, "answer": dumped}})
    for message in answer_messages(answer, thread_id=thread_id, run_id=run_id, turn=turn):
        yield MESSAGES_EVENT, message


def research_source(
    sessions: ResearchSessions,
    *,
    thread_id: str,
    asked: ResearchInput,
    question: str,
    tickers: list[str],
    now: datetime,
) -> Callable[[str], AsyncIterator[RawEvent]]:
    """The run's event source, bound to the id the run manager gives out."""
    as_of = asked.as_of.replace(tzinfo=asked.as_of.tzinfo or UTC) if asked.as_of else now
    return lambda run_id: research_events(
        sessions,
        thread_id=thread_id,
        run_id=run_id,
        question=question,
        tickers=tickers,
        depth=asked.depth,
        as_of=as_of,
    )
