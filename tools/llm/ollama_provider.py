"""Ollama's /api/chat through the ``ollama`` package's AsyncClient, with a JSON-schema format."""

from __future__ import annotations

from typing import Any

import httpx
import ollama

from tools.llm.base import LLMError
from tools.llm.failures import LLMFailure, TransientLLMError
from tools.llm.provider import ProviderReply

__all__ = ["OllamaChatProvider"]


class OllamaChatProvider:
    """Structured output via Ollama's ``format`` (a JSON schema); parsing stays with our layer."""

    provider = "ollama"

    def __init__(self, *, model: str, host: str, timeout_seconds: float) -> None:
        self.model_name = model
        self._client = ollama.AsyncClient(host=host, timeout=timeout_seconds)

    async def complete(
        self, *, system: str, user: str, schema_name: str, json_schema: dict[str, Any]
    ) -> ProviderReply:
        try:
            response = await self._client.chat(
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
