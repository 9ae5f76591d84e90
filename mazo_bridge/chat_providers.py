"""The tool-calling turn on the two wire formats the LLM layer speaks (OpenAI, Ollama).

Both subclass the LLM layer's providers so they share their per-event-loop clients, options and
TLS set-up; only the conversation (tool calls, tool results) is added here.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import ollama
import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from mazo_bridge.chat import ChatMessage, ChatTurn, ToolCallRequest
from tools.llm.base import LLMError
from tools.llm.failures import LLMFailure, TransientLLMError
from tools.llm.ollama_provider import OllamaChatProvider
from tools.llm.openai_provider import OpenAIChatProvider

__all__ = ["OllamaToolChat", "OpenAIToolChat"]


def _lc_message(m: ChatMessage) -> BaseMessage:
    if m.role == "system":
        return SystemMessage(content=m.content)
    if m.role == "user":
        return HumanMessage(content=m.content)
    if m.role == "tool":
        return ToolMessage(content=m.content, tool_call_id=m.tool_call_id or "", name=m.name)
    return AIMessage(
        content=m.content,
        tool_calls=[
            {"name": c.name, "args": c.args, "id": c.id, "type": "tool_call"} for c in m.tool_calls
        ],
    )


class OpenAIToolChat(OpenAIChatProvider):
    async def complete_turn(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[dict[str, Any]] | None,
        schema_name: str | None,
        json_schema: dict[str, Any] | None,
    ) -> ChatTurn:
        extra: dict[str, Any] = {}
        if json_schema is not None:
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": json_schema, "strict": False},
            }
        kwargs: dict[str, Any] = {"extra_body": extra} if extra else {}
        if tools:
            kwargs["tools"] = tools
        try:
            reply = await self._chat().ainvoke([_lc_message(m) for m in messages], **kwargs)
        except openai.APITimeoutError as exc:
            raise TransientLLMError(LLMFailure.TIMEOUT, str(exc)) from exc
        except openai.RateLimitError as exc:
            raise TransientLLMError(LLMFailure.RATE_LIMITED, str(exc)) from exc
        except (openai.InternalServerError, openai.APIConnectionError) as exc:
            raise TransientLLMError(LLMFailure.PROVIDER_ERROR, str(exc)) from exc
        except openai.OpenAIError as exc:
            raise LLMError(LLMFailure.PROVIDER_ERROR, str(exc)) from exc
        assert isinstance(reply, AIMessage)
        calls = [
            ToolCallRequest(id=c.get("id") or f"call_{i}", name=c["name"], args=dict(c["args"]))
            for i, c in enumerate(reply.tool_calls)
        ]
        # a call whose arguments were not JSON still reaches the toolbox, which refuses it
        calls += [
            ToolCallRequest(id=c.get("id") or f"bad_{i}", name=c.get("name") or "", args={})
            for i, c in enumerate(reply.invalid_tool_calls)
        ]
        usage: dict[str, Any] = dict(reply.usage_metadata or {})
        text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        return ChatTurn(
            text=text,
            tool_calls=tuple(calls),
            input_tokens=int(usage.get("input_tokens", 0)),
            output_tokens=int(usage.get("output_tokens", 0)),
        )


def _ollama_message(m: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.tool_calls:
        out["tool_calls"] = [
            {"function": {"name": c.name, "arguments": c.args}} for c in m.tool_calls
        ]
    if m.role == "tool" and m.name:
        out["tool_name"] = m.name
    return out


class OllamaToolChat(OllamaChatProvider):
    async def complete_turn(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[dict[str, Any]] | None,
        schema_name: str | None,
        json_schema: dict[str, Any] | None,
    ) -> ChatTurn:
        try:
            response = await self._client().chat(
                model=self.model_name,
                messages=[_ollama_message(m) for m in messages],
                tools=tools or None,
                format=json_schema,
                options={"temperature": 0},
                stream=False,
            )
        except httpx.TimeoutException as exc:
            raise TransientLLMError(LLMFailure.TIMEOUT, repr(exc)) from exc
        except ollama.ResponseError as exc:
            if exc.status_code == 429:
                raise TransientLLMError(LLMFailure.RATE_LIMITED, exc.error) from exc
            if exc.status_code >= 500 or exc.status_code < 0:
                raise TransientLLMError(LLMFailure.PROVIDER_ERROR, exc.error) from exc
            raise LLMError(LLMFailure.PROVIDER_ERROR, exc.error) from exc
        except (ConnectionError, httpx.TransportError) as exc:
            raise TransientLLMError(LLMFailure.PROVIDER_ERROR, repr(exc)) from exc
        calls = tuple(
            ToolCallRequest(id=f"call_{i}", name=c.function.name, args=dict(c.function.arguments))
            for i, c in enumerate(response.message.tool_calls or ())
        )
        return ChatTurn(
            text=response.message.content or "",
            tool_calls=calls,
            input_tokens=int(response.prompt_eval_count or 0),
            output_tokens=int(response.eval_count or 0),
        )
