"""Research sessions for people: multi-turn threads, checkpointed under HEDGEGRAPH_HOME.

Each thread is a LangGraph thread in ``research_sessions.sqlite``; a follow-up in the same thread
sees the earlier questions, answers and tool results (the native agent gives them to the model
and accepts their numbers as evidence; the rules-only path reuses the earlier tickers and
builds on the earlier answer). A thread resumes across processes: the state is the checkpoint.
"""

from __future__ import annotations

import json
import operator
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from config.settings import Settings
from mazo_bridge.answer import ResearchAnswer
from mazo_bridge.chat_factory import ResearchChatFactory, research_chat_factory
from mazo_bridge.evidence import unsupported_numbers
from mazo_bridge.native_agent import NativeResearchAgent, ProgressSink
from mazo_bridge.rules_agent import RulesResearchAgent
from mazo_bridge.toolbox import ResearchToolbox
from tools.market_data.provider import MarketDataProvider

__all__ = ["ResearchSessions", "SessionCheckpoint", "new_thread_id"]


def new_thread_id() -> str:
    return f"research-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class SessionCheckpoint:
    """One saved step of a thread, as the API shows it (values are JSON-ready dicts)."""

    values: dict[str, Any]
    checkpoint_id: str
    parent_id: str | None
    created_at: str | None
    metadata: dict[str, Any]


_SHOWN = ("question", "tickers", "as_of", "depth", "answer", "history")
"""The thread values a reader sees (the native agent's working channels stay inside)."""


class _RulesState(TypedDict, total=False):
    question: str
    tickers: list[str]
    as_of: str
    depth: str
    history: Annotated[list[dict[str, Any]], operator.add]
    answer: dict[str, Any] | None


@dataclass
class _RulesDeps:
    agent: RulesResearchAgent
    progress: ProgressSink | None


async def _rules_turn(state: _RulesState, runtime: Runtime[_RulesDeps]) -> dict[str, Any]:
    deps = runtime.context
    history = state.get("history", [])
    tickers = state.get("tickers") or (list(history[-1]["tickers"]) if history else [])
    turn = len(history) + 1
    as_of = datetime.fromisoformat(state["as_of"])
    box = ResearchToolbox(deps.agent.provider, as_of, id_prefix=f"t{turn}.")
    answer, box = deps.agent.research(
        state["question"],
        tickers,
        as_of=as_of,
        depth=state["depth"],
        toolbox=box,
        progress=deps.progress,
    )
    if history:  # a follow-up builds on the earlier answer, whose numbers its tools returned
        earlier = history[-1]
        note = f"builds on the earlier answer: {earlier['answer']['summary']}"
        evidence = [json.dumps(earlier["answer"]), *earlier["tool_outputs"].values()]
        if not unsupported_numbers([note], evidence):
            answer = answer.model_copy(update={"key_points": (*answer.key_points, note)})
    dumped = answer.model_dump(mode="json")
    entry = {
        "turn": turn,
        "question": state["question"],
        "tickers": list(answer.tickers),
        "answer": dumped,
        "tool_outputs": {r.call_id: r.output for r in box.results if r.ok},
    }
    return {"answer": dumped, "history": [entry]}


def _rules_graph(checkpointer: BaseCheckpointSaver[Any]) -> Any:
    graph = StateGraph(_RulesState, context_schema=_RulesDeps)
    graph.add_node("rules_research", _rules_turn)
    graph.add_edge(START, "rules_research")
    graph.add_edge("rules_research", END)
    return graph.compile(checkpointer=checkpointer)


class ResearchSessions:
    """Ask questions in threads; the native agent with an LLM, rules-only without one."""

    def __init__(
        self,
        settings: Settings,
        market_data: MarketDataProvider,
        *,
        chat_for: ResearchChatFactory | None = None,
        use_llm: bool = True,
    ) -> None:
        self.settings = settings
        self.market_data = market_data
        self.chat_for = chat_for or (research_chat_factory(settings) if use_llm else None)
        self.path: Path = settings.hedgegraph_home / "research_sessions.sqlite"

    @property
    def rules_only(self) -> bool:
        return self.chat_for is None

    def _thread(self, thread_id: str) -> str:
        # one file, two graphs: a thread belongs to the backend that started it
        return f"{'rules' if self.rules_only else 'native'}:{thread_id}"

    async def ask(
        self,
        question: str,
        tickers: list[str],
        *,
        as_of: datetime,
        depth: str,
        thread_id: str,
        progress: ProgressSink | None = None,
    ) -> ResearchAnswer:
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        self.path.parent.mkdir(parents=True, exist_ok=True)
        async with AsyncSqliteSaver.from_conn_string(str(self.path)) as saver:
            if self.chat_for is None:
                graph = _rules_graph(saver)
                final = await graph.ainvoke(
                    {
                        "question": question,
                        "tickers": [t.upper() for t in tickers],
                        "as_of": as_of.isoformat(),
                        "depth": depth,
                        "answer": None,
                    },
                    {"configurable": {"thread_id": self._thread(thread_id)}},
                    context=_RulesDeps(RulesResearchAgent(self.market_data), progress),
                )
                return ResearchAnswer.model_validate(final["answer"])
            # a person asking waits for the depth's own wall time (the cycle's timeout does
            # not apply: nothing trades on a session's answer)
            agent = NativeResearchAgent(self.market_data, self.chat_for, checkpointer=saver)
            return await agent.research(
                question,
                tickers,
                as_of=as_of,
                depth=depth,
                thread_id=self._thread(thread_id),
                progress=progress,
            )

    async def history(self, thread_id: str) -> list[dict[str, Any]]:
        """The thread's turns so far (question, tickers, answer, tool outputs)."""
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        if not self.path.exists():
            return []
        config: Any = {"configurable": {"thread_id": self._thread(thread_id)}}
        async with AsyncSqliteSaver.from_conn_string(str(self.path)) as saver:
            found = await saver.aget_tuple(config)
        if found is None:
            return []
        values: dict[str, Any] = dict(found.checkpoint.get("channel_values", {}))
        return list(values.get("history", []))

    async def checkpoints(self, thread_id: str, limit: int = 1) -> list[SessionCheckpoint]:
        """The thread's saved steps, newest first (``[]`` for a thread never asked)."""
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        if not self.path.exists():
            return []
        config: Any = {"configurable": {"thread_id": self._thread(thread_id)}}
        out: list[SessionCheckpoint] = []
        async with AsyncSqliteSaver.from_conn_string(str(self.path)) as saver:
            async for saved in saver.alist(config, limit=limit):
                values = dict(saved.checkpoint.get("channel_values", {}))
                parent = (saved.parent_config or {}).get("configurable", {})
                out.append(
                    SessionCheckpoint(
                        values={k: values[k] for k in _SHOWN if k in values},
                        checkpoint_id=str(saved.checkpoint["id"]),
                        parent_id=parent.get("checkpoint_id"),
                        created_at=saved.checkpoint.get("ts"),
                        metadata=dict(saved.metadata or {}),
                    )
                )
        return out
