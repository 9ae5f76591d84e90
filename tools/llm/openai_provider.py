"""OpenAI chat completions (or any compatible server) through langchain-openai's ChatOpenAI."""

from __future__ import annotations

import asyncio
from typing import Any
from weakref import WeakKeyDictionary

import httpx
import openai
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from tools.llm.base import LLMError
from tools.llm.failures import LLMFailure, TransientLLMError
from tools.llm.provider import ProviderReply
from tools.llm.tls import shared_tls_context

__all__ = ["OpenAIChatProvider"]


POOL_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=20)
"""As many connections as the SDK's own default allows (httpx's 100 queued a wider fan-out behind
the pool; ``llm.max_concurrency`` decides how many calls are in flight), but httpx's 20 idle ones
kept: measured against the fake at 68 concurrent calls, keeping 100 or 256 idle made each later
fan-out 2-3x slower in client CPU, because the pool scans every connection on every request.
Dropping keep-alive entirely was faster still on loopback, but would cost real providers a TLS
handshake per call."""


class OpenAIChatProvider:
    """Structured output via ``response_format: json_schema``; parsing stays with our layer.

    Why ChatOpenAI's own retries are off (``max_retries=0``): the guarded layer retries with
    tenacity under one budget and one concurrency limit, so a retry is never invisible.
    """

    provider = "openai"

    def __init__(
        self,
        *,
        model: str,
        api_key: SecretStr | None,
        base_url: str | None,
        timeout_seconds: float,
        max_output_tokens: int | None = None,
    ) -> None:
        self.model_name = model
        self._options: dict[str, Any] = {
            "model": model,
            "api_key": api_key or SecretStr("not-needed"),
            "base_url": base_url,
            "timeout": timeout_seconds,
            "max_retries": 0,
            "temperature": 0,
            "max_completion_tokens": max_output_tokens,
        }
        self._timeout = timeout_seconds
        self._per_loop: WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[ChatOpenAI, httpx.AsyncClient, httpx.Client]
        ] = WeakKeyDictionary()

    def _chat(self) -> ChatOpenAI:
        """One ChatOpenAI (and HTTP connection pool) per event loop.

        Why: pooled connections belong to the loop that opened them; the CLI, tests and the API
        run separate loops over one long-lived provider, and a shared pool would hand a new loop
        sockets of a closed one.
        """
        loop = asyncio.get_running_loop()
        pair = self._per_loop.get(loop)
        if pair is None:
            tls = shared_tls_context()
            client = httpx.AsyncClient(timeout=self._timeout, verify=tls, limits=POOL_LIMITS)
            # never used for requests, but ChatOpenAI builds a default one (with its own TLS
            # context) unless it is given one
            unused_sync = httpx.Client(timeout=self._timeout, verify=tls)
            chat = ChatOpenAI(**self._options, http_async_client=client, http_client=unused_sync)
            pair = (chat, client, unused_sync)
            self._per_loop[loop] = pair
        return pair[0]

    async def aclose(self) -> None:
        """Close this event loop's connection pool (call before the loop ends)."""
        pair = self._per_loop.pop(asyncio.get_running_loop(), None)
        if pair is not None:
            await pair[1].aclose()
            pair[2].close()

    async def complete(
        self, *, system: str, user: str, schema_name: str, json_schema: dict[str, Any]
    ) -> ProviderReply:
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": schema_name, "schema": json_schema, "strict": False},
        }
        try:
            message = await self._chat().ainvoke(
                [SystemMessage(content=system), HumanMessage(content=user)],
                # sent as a raw body field: the wire request is identical, but the SDK skips its
                # typed transform and beta ``parse`` path (about 20 % of a call's client CPU, which
                # bounds fan-out); the answer is parsed and validated by our own layer anyway
                extra_body={"response_format": response_format},
            )
        except openai.APITimeoutError as exc:
            raise TransientLLMError(LLMFailure.TIMEOUT, str(exc)) from exc
        except openai.RateLimitError as exc:
            raise TransientLLMError(LLMFailure.RATE_LIMITED, str(exc)) from exc
        except openai.InternalServerError as exc:
            raise TransientLLMError(LLMFailure.PROVIDER_ERROR, str(exc)) from exc
        except openai.APIConnectionError as exc:
            raise TransientLLMError(LLMFailure.PROVIDER_ERROR, str(exc)) from exc
        except openai.OpenAIError as exc:
            raise LLMError(LLMFailure.PROVIDER_ERROR, str(exc)) from exc
        text = message.content if isinstance(message.content, str) else str(message.content)
        usage = getattr(message, "usage_metadata", None) or {}
        return ProviderReply(
            text=text,
            input_tokens=int(usage.get("input_tokens", 0)),
            output_tokens=int(usage.get("output_tokens", 0)),
        )
