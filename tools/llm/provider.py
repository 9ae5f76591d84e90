"""What a chat provider (OpenAI-compatible, Ollama) must do for the guarded layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ChatProvider", "ProviderReply"]


@dataclass(frozen=True, slots=True)
class ProviderReply:
    """The raw text of one answer and what it cost in tokens."""

    text: str
    input_tokens: int
    output_tokens: int


class ChatProvider(Protocol):
    provider: str
    """``openai`` or ``ollama``: part of the cache key and the audit trail."""
    model_name: str

    async def complete(
        self, *, system: str, user: str, schema_name: str, json_schema: dict[str, Any]
    ) -> ProviderReply:
        """One request, no retries. Raise ``TransientLLMError`` or ``LLMError`` on failure."""
        ...

    async def aclose(self) -> None:
        """Release the running event loop's connections."""
        ...
