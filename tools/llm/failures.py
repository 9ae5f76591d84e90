"""Reason codes an LLMError carries, and the transient error the retry policy acts on."""

from __future__ import annotations

from enum import StrEnum

from tools.llm.base import LLMError

__all__ = ["LLMFailure", "TransientLLMError"]


class LLMFailure(StrEnum):
    """Machine-readable ``LLMError.reason`` values; each ends as NO_SIGNAL with this reason."""

    TIMEOUT = "timeout"
    PROVIDER_ERROR = "provider_error"
    """The provider answered with an error (5xx after retries, 4xx, connection refused)."""
    RATE_LIMITED = "rate_limited"
    BUDGET_EXHAUSTED = "budget_exhausted"
    UNPARSABLE = "unparsable"
    """The answer held no JSON object."""
    INVALID_ANSWER = "invalid_answer"
    """JSON that does not validate against the requested schema (types, ranges, extra keys)."""


class TransientLLMError(LLMError):
    """A failure worth retrying (timeout, 5xx, 429, dropped connection)."""
