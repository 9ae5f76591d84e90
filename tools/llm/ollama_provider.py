"""Ollama's /api/chat through the ``ollama`` package's AsyncClient, with a JSON-schema format."""

from __future__ import annotations

import asyncio
from typing import Any
from weakref import WeakKeyDictionary

import httpx
import ollama

from tools.llm.base import LLMError
from tools.llm.failures import LLMFailure, TransientLLMError
from tools.llm.provider import ProviderReply
from tools.llm.tls import shared_tls_context

__all__ = ["OllamaChatProvider"]


class OllamaChatProvider:
    """Structured output via Ollama's ``format`` (a JSON schema); parsing stays with our layer."""

    provider = "ollama"

    def __init__(self, *, model: str, host: str, timeout_seconds: float) -> None:
        self.model_name = model
        self._host = host
        self._timeout = timeout_seconds
        self._per_loop: WeakKeyDictionary[asyncio.AbstractEventLoop, ollama.AsyncClient] = (
            WeakKeyDictionary()
        )

    def _client(self) -> ollama.AsyncClient:
        """One AsyncClient per event loop: pooled sockets belong to the loop that opened them."""
        loop = asyncio.get_running_loop()
        client = self._per_loop.get(loop)
        if client is None:
            client = ollama.AsyncClient(
                host=self._host, timeout=self._timeout, verify=shared_tls_context()
            )
            self._per_loop[loop] = client
        return client

    async def aclose(self) -> None:
        """Close this event loop's connection pool (call before the loop ends)."""
        client = self._per_loop.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()

    async def complete(
        self, *, system: str, user: str, schema_name: str, json_schema: dict[str, Any]
    ) -> ProviderReply:
        try:
            response = await self._client().chat(
                model=self.model_name,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
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
        return ProviderReply(
            text=response.message.content or "",
            input_tokens=int(response.prompt_eval_count or 0),
            output_tokens=int(response.eval_count or 0),
        )
