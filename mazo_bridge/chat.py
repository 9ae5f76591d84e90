"""Tool-calling chat for the research agent, under the LLM layer's guard rails.

The analysts' ``StructuredLLM`` asks one question and parses one JSON answer; research needs a
conversation in which the model calls tools. This module adds that conversation on top of the
same providers (``tools.llm``: the per-loop clients, error mapping) and the same guards: a token
and cost budget that fails closed (``RunBudget``), a concurrency slot, a hard timeout per attempt
(also bounded by the research's wall-time deadline), tenacity retries on transient failures, the
prompt cache (only answers that arrived and, for structured turns, validated), and strict parsing.

Messages are provider-neutral (``ChatMessage``); each provider maps them to its wire format.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from tools.llm.base import LLMError
from tools.llm.budget import RunBudget
from tools.llm.cache import PromptCache, prompt_key
from tools.llm.failures import LLMFailure, TransientLLMError
from tools.llm.guarded import RetryPolicy
from tools.llm.limiter import ConcurrencyLimiter
from tools.llm.parsing import parse_answer

__all__ = [
    "ChatMessage",
    "ChatTurn",
    "GuardedToolChat",
    "ToolCallRequest",
    "ToolChatProvider",
    "WallTimeExceededError",
]

T = TypeVar("T", bound=BaseModel)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolCallRequest(_Frozen):
    """A tool call the model asked for; ``args`` are untrusted until the toolbox validates them."""

    id: str
    name: str
    args: dict[str, Any]


class ChatMessage(_Frozen):
    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: tuple[ToolCallRequest, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None
    """For ``tool`` messages: the tool that produced the content."""


class ChatTurn(_Frozen):
    """One model reply: text and/or tool calls, and what it cost."""

    text: str = ""
    tool_calls: tuple[ToolCallRequest, ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0


class ToolChatProvider(Protocol):
    provider: str
    model_name: str

    async def complete_turn(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[dict[str, Any]] | None,
        schema_name: str | None,
        json_schema: dict[str, Any] | None,
    ) -> ChatTurn:
        """One request, no retries; raise ``TransientLLMError`` or ``LLMError`` on failure."""
        ...

    async def aclose(self) -> None: ...


class WallTimeExceededError(LLMError):
    """The research's wall-time budget ran out before (or during) an LLM call."""

    def __init__(self, message: str) -> None:
        super().__init__("wall_time", message)


def _estimate_tokens(messages: list[ChatMessage], tools: list[dict[str, Any]] | None) -> int:
    size = sum(len(m.content) + len(json.dumps([c.args for c in m.tool_calls])) for m in messages)
    return (size + len(json.dumps(tools or []))) // 4 + 1


@dataclass
class GuardedToolChat:
    """One research run's model access: its own budget and deadline, the shared cache and limit."""

    chat: ToolChatProvider
    budget: RunBudget
    retry: RetryPolicy
    limiter: ConcurrencyLimiter
    cache: PromptCache | None = None
    deadline: float | None = None
    """``time.monotonic()`` value after which no call starts (and a running one is cut)."""
    calls: int = 0
    outcomes: list[str] = field(default_factory=list)

    @property
    def model(self) -> str:
        return f"{self.chat.provider}:{self.chat.model_name}"

    def _remaining(self) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise WallTimeExceededError("research wall-time budget spent")
        return left

    async def structured(self, messages: list[ChatMessage], schema: type[T], *, purpose: str) -> T:
        """A reply parsed strictly into ``schema`` (no tools offered)."""
        turn = await self.turn(messages, schema=schema, purpose=purpose)
        return parse_answer(turn.text, schema)

    async def turn(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[dict[str, Any]] | None = None,
        schema: type[BaseModel] | None = None,
        purpose: str,
    ) -> ChatTurn:
        json_schema = schema.model_json_schema() if schema is not None else None
        key = prompt_key(
            provider=self.chat.provider,
            model=self.chat.model_name,
            system="research-chat",
            user=json.dumps([m.model_dump(mode="json") for m in messages], sort_keys=True),
            json_schema={"tools": tools, "schema": json_schema},
        )
        if self.cache is not None:
            hit = await self.cache.get(key)
            if hit is not None:
                self.outcomes.append(f"{purpose}:cached")
                return ChatTurn.model_validate_json(hit)
        self._remaining()
        try:
            hold = self.budget.reserve(_estimate_tokens(messages, tools))
        except LLMError:
            self.outcomes.append(f"{purpose}:{LLMFailure.BUDGET_EXHAUSTED}")
            raise
        try:
            async with self.limiter.slot():
                reply = await self._with_retries(messages, tools, schema, json_schema)
        except LLMError as exc:
            self.budget.release(hold)
            self.outcomes.append(f"{purpose}:{exc.reason}")
            raise
        self.budget.settle(hold, reply.input_tokens, reply.output_tokens)
        self.calls += 1
        if schema is not None:
            parse_answer(reply.text, schema)  # raise before caching an unusable answer
        self.outcomes.append(f"{purpose}:ok")
        if self.cache is not None:
            await self.cache.put(key, reply.model_dump_json())
        return reply

    async def _with_retries(
        self,
        messages: list[ChatMessage],
        tools: list[dict[str, Any]] | None,
        schema: type[BaseModel] | None,
        json_schema: dict[str, Any] | None,
    ) -> ChatTurn:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            wait=wait_exponential(
                multiplier=self.retry.backoff_seconds, max=self.retry.max_backoff_seconds
            ),
            retry=retry_if_exception_type(TransientLLMError),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._one_call(messages, tools, schema, json_schema)
        raise LLMError(LLMFailure.PROVIDER_ERROR, "retry loop ended without an answer")

    async def _one_call(
        self,
        messages: list[ChatMessage],
        tools: list[dict[str, Any]] | None,
        schema: type[BaseModel] | None,
        json_schema: dict[str, Any] | None,
    ) -> ChatTurn:
        """One attempt under the per-attempt timeout, cut short by the research deadline."""
        left = self._remaining()
        limit = self.retry.timeout_seconds
        cut_by_deadline = left is not None and left < limit
        timeout = min(left, limit) if left is not None else limit
        try:
            return await asyncio.wait_for(
                self.chat.complete_turn(
                    messages,
                    tools=tools,
                    schema_name=None if schema is None else schema.__name__,
                    json_schema=json_schema,
                ),
                timeout=timeout,
            )
        except TimeoutError as exc:
            if cut_by_deadline:
                raise WallTimeExceededError(f"no answer in the {timeout:.1f} s left") from exc
            raise TransientLLMError(LLMFailure.TIMEOUT, f"no answer within {timeout:g} s") from exc
