"""The native research agent: a LangGraph subgraph understand -> plan -> act -> validate -> answer.

- understand: the model splits the question into parts and names the tickers;
- plan: a task list of tool calls (one planning step; deeper depths review the gathered data
  and may plan again, or repair a draft that failed validation);
- act: the model calls the tools through its tool calling; the toolbox reads at the cycle's
  as-of, refuses repeats, unknown tools and invalid arguments, and every attempt counts against
  the depth's tool-call budget;
- validate: the model drafts the answer; the draft fails when a part is unanswered, a number is
  in no tool output, or it cites a call that never ran;
- answer: the typed ``ResearchAnswer`` with the stop reason and what was spent.

A budget that ends stops the agent with its name (``StopReason``); an LLM failure stops it as
``llm_failed``. With a checkpointer the graph is a multi-turn thread: each turn's question,
answer and tool outputs are kept in ``history`` and the next turn sees them (and may quote their
numbers).
"""

from __future__ import annotations

import json
import operator
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from mazo_bridge.answer import Outlook, ResearchAnswer, ResearchUsage, StopReason
from mazo_bridge.chat import ChatMessage, GuardedToolChat, WallTimeExceededError
from mazo_bridge.depth import DepthBudget, ResearchDepth, budget_for
from mazo_bridge.evidence import unanswered_parts, unsupported_numbers
from mazo_bridge.prompts import (
    ACT_SYSTEM,
    DRAFT_SYSTEM,
    PLAN_SYSTEM,
    UNDERSTAND_SYSTEM,
    Plan,
    ResearchDraft,
    Understanding,
    state_block,
)
from mazo_bridge.toolbox import TOOL_NAMES, ResearchToolbox
from tools.llm.base import LLMError
from tools.llm.failures import LLMFailure
from tools.market_data.provider import MarketDataProvider

__all__ = ["NativeResearchAgent", "ProgressSink"]

ProgressSink = Callable[[str, dict[str, Any]], None]
"""Receives ``(kind, detail)``: ``understood``, ``plan``, ``tool``, ``draft``, ``answer``."""

_TICKER = re.compile(r"^[A-Z][A-Z0-9.\-]{0,9}$")
_HARD_STOPS = {StopReason.TOKEN_BUDGET, StopReason.WALL_TIME, StopReason.LLM_FAILED}


class AgentState(TypedDict, total=False):
    question: str
    tickers: list[str]
    as_of: str
    depth: str
    turn: int
    history: Annotated[list[dict[str, Any]], operator.add]
    parts: list[str]
    tasks: list[dict[str, Any]]
    new_tasks: int
    conversation: list[dict[str, Any]]
    planning_steps: int
    tool_attempts: int
    feedback: list[str]
    draft: dict[str, Any] | None
    errors: list[str]
    stop: str | None
    answer: dict[str, Any] | None


@dataclass
class AgentDeps:
    """What one research turn runs with (the graph's runtime context)."""

    chat: GuardedToolChat
    toolbox: ResearchToolbox
    budget: DepthBudget
    started: float
    progress: ProgressSink | None = None

    def tell(self, kind: str, **detail: Any) -> None:
        if self.progress is not None:
            self.progress(kind, detail)


def _stop_for(exc: LLMError) -> StopReason:
    if isinstance(exc, WallTimeExceededError):
        return StopReason.WALL_TIME
    if exc.reason == LLMFailure.BUDGET_EXHAUSTED:
        return StopReason.TOKEN_BUDGET
    return StopReason.LLM_FAILED


def _fail(exc: LLMError, step: str) -> dict[str, Any]:
    return {"stop": _stop_for(exc).value, "errors": [f"{step}: {exc}"]}


def _history_view(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Earlier turns as the model sees them: question, answer, and the tool outputs read."""
    return [
        {
            "turn": h["turn"],
            "question": h["question"],
            "answer": {k: h["answer"][k] for k in ("summary", "stance", "key_points", "risks")},
            "tool_outputs": h["tool_outputs"],
        }
        for h in history
    ]


def _done_calls(deps: AgentDeps) -> list[dict[str, Any]]:
    return [
        {"call_id": r.call_id, "tool": r.tool, "args": r.args, "status": r.status}
        for r in deps.toolbox.results
    ]


async def understand(state: AgentState, runtime: Runtime[AgentDeps]) -> dict[str, Any]:
    deps = runtime.context
    user = state_block(
        question=state["question"],
        tickers=state.get("tickers", []),
        as_of=state["as_of"],
        earlier_turns=_history_view(state.get("history", [])),
    )
    try:
        got = await deps.chat.structured(
            [
                ChatMessage(role="system", content=UNDERSTAND_SYSTEM),
                ChatMessage(role="user", content=user),
            ],
            Understanding,
            purpose="research:understand",
        )
    except LLMError as exc:
        return _fail(exc, "understand")
    named = [t.strip().upper() for t in [*state.get("tickers", []), *got.tickers]]
    tickers = list(dict.fromkeys(t for t in named if _TICKER.match(t)))[:5]
    if not tickers:
        for h in reversed(state.get("history", [])):  # a follow-up about the same company
            tickers = list(h.get("tickers", []))
            if tickers:
                break
    deps.tell("understood", parts=got.parts, tickers=tickers)
    return {"parts": got.parts, "tickers": tickers}


async def plan(state: AgentState, runtime: Runtime[AgentDeps]) -> dict[str, Any]:
    deps = runtime.context
    left = deps.budget.tool_calls - state.get("tool_attempts", 0)
    if left <= 0:
        return {"stop": StopReason.TOOL_CALL_BUDGET.value, "new_tasks": 0}
    user = state_block(
        question=state["question"],
        parts=state["parts"],
        tickers=state["tickers"],
        as_of=state["as_of"],
        tools=[{"name": s.name, "description": s.description} for s in deps.toolbox.specs()],
        done=_done_calls(deps),
        planned=state.get("tasks", []),
        tool_calls_left=left,
        validation_feedback=state.get("feedback", []),
        earlier_turns=_history_view(state.get("history", [])),
    )
    try:
        got = await deps.chat.structured(
            [
                ChatMessage(role="system", content=PLAN_SYSTEM),
                ChatMessage(role="user", content=user),
            ],
            Plan,
            purpose="research:plan",
        )
    except LLMError as exc:
        return {**_fail(exc, "plan"), "planning_steps": state.get("planning_steps", 0) + 1}
    known = {(t["tool"], t["ticker"]) for t in state.get("tasks", [])}
    new: list[dict[str, Any]] = []
    for task in got.tasks:
        ticker = task.ticker.strip().upper()
        key = (task.tool, ticker)
        if task.tool in TOOL_NAMES and ticker in state["tickers"] and key not in known:
            known.add(key)
            new.append({"tool": task.tool, "ticker": ticker, "why": task.why})
    steps = state.get("planning_steps", 0) + 1
    deps.tell("plan", step=steps, tasks=new)
    return {
        "tasks": [*state.get("tasks", []), *new],
        "new_tasks": len(new),
        "planning_steps": steps,
    }


def _tool_message(
    call_id: str, model_call_id: str, tool: str, status: str, output: str
) -> dict[str, Any]:
    content = json.dumps({"call_id": call_id, "status": status, "result": json.loads(output)})
    return ChatMessage(
        role="tool", content=content, tool_call_id=model_call_id, name=tool
    ).model_dump(mode="json")


async def act(state: AgentState, runtime: Runtime[AgentDeps]) -> dict[str, Any]:
    deps = runtime.context
    intro = [
        ChatMessage(role="system", content=ACT_SYSTEM),
        ChatMessage(
            role="user",
            content=state_block(
                question=state["question"],
                parts=state["parts"],
                tickers=state["tickers"],
                as_of=state["as_of"],
                plan=state.get("tasks", []),
            ),
        ),
    ]
    conversation = list(state.get("conversation", []))
    attempts = state.get("tool_attempts", 0)
    stop: str | None = None
    specs = [s.function_schema() for s in deps.toolbox.specs()]
    for _ in range(deps.budget.tool_calls + 1):  # a turn without a call ends the loop anyway
        if attempts >= deps.budget.tool_calls:
            # the budget ends the research only if the plan still had calls to make
            ran = {(r.tool, str(r.args.get("ticker"))) for r in deps.toolbox.executed}
            if any((t["tool"], t["ticker"]) not in ran for t in state.get("tasks", [])):
                stop = StopReason.TOOL_CALL_BUDGET.value
            break
        messages = [*intro, *(ChatMessage.model_validate(m) for m in conversation)]
        try:
            turn = await deps.chat.turn(messages, tools=specs, purpose="research:act")
        except LLMError as exc:
            return {**_fail(exc, "act"), "conversation": conversation, "tool_attempts": attempts}
        if not turn.tool_calls:
            break
        conversation.append(
            ChatMessage(role="assistant", content=turn.text, tool_calls=turn.tool_calls).model_dump(
                mode="json"
            )
        )
        for call in turn.tool_calls:
            if attempts >= deps.budget.tool_calls:
                refusal = json.dumps({"refused": "tool-call budget spent"})
                conversation.append(_tool_message("-", call.id, call.name, "refused", refusal))
                continue
            attempts += 1
            result = deps.toolbox.call(call.name, call.args)
            deps.tell(
                "tool",
                call_id=result.call_id,
                tool=call.name,
                args=result.args,
                status=result.status,
            )
            conversation.append(
                _tool_message(result.call_id, call.id, call.name, result.status, result.output)
            )
    return {"conversation": conversation, "tool_attempts": attempts, "stop": stop}


def _evidence(state: AgentState, deps: AgentDeps) -> list[str]:
    texts = [state["question"], *(r.output for r in deps.toolbox.results if r.ok)]
    for h in state.get("history", []):
        texts.extend(h["tool_outputs"].values())
        texts.append(json.dumps(h["answer"]))
    return texts


async def validate(state: AgentState, runtime: Runtime[AgentDeps]) -> dict[str, Any]:
    deps = runtime.context
    conversation = [ChatMessage.model_validate(m) for m in state.get("conversation", [])]
    messages = [
        ChatMessage(role="system", content=DRAFT_SYSTEM),
        ChatMessage(
            role="user",
            content=state_block(
                question=state["question"],
                parts=state["parts"],
                tickers=state["tickers"],
                as_of=state["as_of"],
                earlier_turns=_history_view(state.get("history", [])),
            ),
        ),
        *conversation,
        ChatMessage(
            role="user",
            content=state_block(
                instruction="write the answer now",
                parts=dict(enumerate(state["parts"])),
                calls=_done_calls(deps),
                validation_feedback=state.get("feedback", []),
            ),
        ),
    ]
    try:
        draft = await deps.chat.structured(messages, ResearchDraft, purpose="research:draft")
    except LLMError as exc:
        return _fail(exc, "draft")
    errors: list[str] = []
    answered = {a.part: a.answer for a in draft.answers}
    errors += [f"part not answered: {p}" for p in unanswered_parts(state["parts"], answered)]
    texts = [draft.summary, *draft.key_points, *draft.risks, *answered.values()]
    errors += [
        f"number {n} is in no tool output"
        for n in unsupported_numbers(texts, _evidence(state, deps))
    ]
    ran = {r.call_id for r in deps.toolbox.results if r.ok}
    earlier = {cid for h in state.get("history", []) for cid in h["tool_outputs"]}
    errors += [
        f"cites {c}, which no tool call returned"
        for c in draft.cited_calls
        if c not in ran | earlier
    ]
    if not ran and not earlier:
        errors.append("no tool returned data")
    deps.tell("draft", errors=errors)
    return {
        "draft": draft.model_dump(mode="json"),
        "errors": errors,
        "feedback": errors,
    }


async def answer(state: AgentState, runtime: Runtime[AgentDeps]) -> dict[str, Any]:
    deps = runtime.context
    draft = ResearchDraft.model_validate(state["draft"]) if state.get("draft") else None
    errors = list(state.get("errors", []))
    raw_stop = state.get("stop")
    stop = StopReason(raw_stop) if raw_stop else None
    if stop is None:
        stop = StopReason.PLANNING_BUDGET if errors else StopReason.ANSWERED
    box = deps.toolbox
    cited = draft.cited_calls if draft is not None else []
    result = ResearchAnswer(
        question=state["question"],
        tickers=tuple(state.get("tickers", [])),
        as_of=datetime.fromisoformat(state["as_of"]),
        depth=state["depth"],
        summary=draft.summary if draft else f"research stopped ({stop.value}): {'; '.join(errors)}",
        stance=draft.stance if draft else Outlook.NEUTRAL,
        confidence=draft.confidence if draft else 0.0,
        key_points=tuple(draft.key_points) if draft else (),
        risks=tuple(draft.risks) if draft else (),
        sources=box.sources(cited) if cited else box.sources(),
        rules_only=False,
        stop_reason=stop,
        validated=draft is not None and not errors,
        validation_errors=tuple(errors),
        usage=ResearchUsage(
            planning_steps=state.get("planning_steps", 0),
            tool_calls=len(box.executed),
            refused_calls=len(box.refused) + state.get("tool_attempts", 0) - len(box.results),
            llm_calls=deps.chat.calls,
            tokens=deps.chat.budget.spent_tokens,
            wall_seconds=round(time.monotonic() - deps.started, 3),
        ),
    )
    dumped = result.model_dump(mode="json")
    deps.tell("answer", answer=dumped)
    entry = {
        "turn": state.get("turn", 1),
        "question": state["question"],
        "tickers": list(result.tickers),
        "answer": dumped,
        "tool_outputs": {r.call_id: r.output for r in box.results if r.ok},
    }
    return {"answer": dumped, "history": [entry]}


def _hard(state: AgentState) -> bool:
    return state.get("stop") in {s.value for s in _HARD_STOPS}


def _after_understand(state: AgentState) -> str:
    return "answer" if _hard(state) else "plan"


def _after_plan(state: AgentState, runtime: Runtime[AgentDeps]) -> str:
    if _hard(state):
        return "answer"
    if state.get("stop") == StopReason.TOOL_CALL_BUDGET.value:
        return "validate"
    first = state.get("planning_steps", 0) <= 1 and not state.get("conversation")
    return "act" if state.get("new_tasks", 0) or first else "validate"


def _after_act(state: AgentState, runtime: Runtime[AgentDeps]) -> str:
    if _hard(state):
        return "answer"
    if (
        state.get("stop") is None
        and state.get("planning_steps", 0) < runtime.context.budget.planning_steps
    ):
        return "plan"  # review: deeper depths check the gathered data against the parts
    return "validate"


def _after_validate(state: AgentState, runtime: Runtime[AgentDeps]) -> str:
    if _hard(state) or not state.get("errors"):
        return "answer"
    if (
        state.get("planning_steps", 0) < runtime.context.budget.planning_steps
        and state.get("tool_attempts", 0) < runtime.context.budget.tool_calls
    ):
        return "plan"  # repair: plan again with the validation feedback
    return "answer"


def build_research_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> Any:
    graph = StateGraph(AgentState, context_schema=AgentDeps)
    graph.add_node("understand", understand)
    graph.add_node("plan", plan)
    graph.add_node("act", act)
    graph.add_node("validate", validate)
    graph.add_node("answer", answer)
    graph.add_edge(START, "understand")
    graph.add_conditional_edges("understand", _after_understand, ["plan", "answer"])
    graph.add_conditional_edges("plan", _after_plan, ["act", "validate", "answer"])
    graph.add_conditional_edges("act", _after_act, ["plan", "validate", "answer"])
    graph.add_conditional_edges("validate", _after_validate, ["plan", "answer"])
    graph.add_edge("answer", END)
    return graph.compile(checkpointer=checkpointer)


ChatFactory = Callable[[DepthBudget], GuardedToolChat]
"""Builds one research run's guarded chat: a fresh token budget and the depth's deadline."""


class NativeResearchAgent:
    """Answers research questions with the native subgraph over ``provider``'s data."""

    def __init__(
        self,
        provider: MarketDataProvider,
        chat_for: ChatFactory,
        *,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        wall_cap_seconds: float | None = None,
    ) -> None:
        self.provider = provider
        self.chat_for = chat_for
        self.checkpointer = checkpointer
        self.wall_cap_seconds = wall_cap_seconds
        self._graph = build_research_graph(checkpointer)

    async def research(
        self,
        question: str,
        tickers: list[str],
        *,
        as_of: datetime,
        depth: ResearchDepth | str = ResearchDepth.STANDARD,
        thread_id: str | None = None,
        progress: ProgressSink | None = None,
    ) -> ResearchAnswer:
        budget = budget_for(depth, wall_cap_seconds=self.wall_cap_seconds)
        chat = self.chat_for(budget)
        thread = thread_id or f"research-{uuid.uuid4().hex}"
        config: dict[str, Any] = {"configurable": {"thread_id": thread}}
        turn = 1
        if self.checkpointer is not None and thread_id is not None:
            earlier = await self._graph.aget_state(config)
            turn = len((earlier.values or {}).get("history", [])) + 1
        deps = AgentDeps(
            chat=chat,
            toolbox=ResearchToolbox(self.provider, as_of, id_prefix=f"t{turn}."),
            budget=budget,
            started=time.monotonic(),
            progress=progress,
        )
        fresh: AgentState = {
            "question": question,
            "tickers": [t.strip().upper() for t in tickers],
            "as_of": as_of.isoformat(),
            "depth": str(ResearchDepth(depth)),
            "turn": turn,
            "parts": [],
            "tasks": [],
            "new_tasks": 0,
            "conversation": [],
            "planning_steps": 0,
            "tool_attempts": 0,
            "feedback": [],
            "draft": None,
            "errors": [],
            "stop": None,
            "answer": None,
        }
        try:
            final = await self._graph.ainvoke(fresh, config, context=deps)
        finally:
            await chat.chat.aclose()
        return ResearchAnswer.model_validate(final["answer"])
