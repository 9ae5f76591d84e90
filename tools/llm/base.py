"""The LLM interface analysts and the portfolio manager use: structured output or a typed error.

LLM output is untrusted input (ARCHITECTURE invariant 2): an implementation parses the answer into
``schema`` and raises ``LLMError`` (never returns a default) when it cannot, so the caller records
"no signal" with the reason.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from pydantic import BaseModel

__all__ = ["LLMError", "StructuredLLM"]

T = TypeVar("T", bound=BaseModel)


class LLMError(Exception):
    """The call failed or its answer was unusable; ``reason`` is a short machine-readable cause."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class StructuredLLM(Protocol):
    model_name: str

    async def ainvoke_structured(
        self, *, system: str, user: str, schema: type[T], purpose: str
    ) -> T:
        """Ask for an answer of type ``schema``; ``purpose`` names the caller (budgets, audit)."""
        ...
