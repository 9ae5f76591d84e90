"""The StructuredLLM every analyst and the PM use: cache, budget, limit, timeout, retry, parse.

Order of guards per call: cache (a hit costs nothing and needs no budget) -> budget reservation
(fail closed) -> concurrency slot -> provider call under a hard timeout, retried with tenacity on
transient failures -> settle real usage -> strict parse -> cache the validated answer. Every
outcome is appended to ``stats.calls`` with a prompt hash for the decision audit.
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from tools.llm.base import LLMError
from tools.llm.budget import BudgetLimits, RunBudget
from tools.llm.cache import PromptCache, prompt_key
from tools.llm.failures import LLMFailure, TransientLLMError
from tools.llm.limiter import ConcurrencyLimiter
from tools.llm.parsing import parse_answer
from tools.llm.provider import ChatProvider, ProviderReply
from tools.observability import report

__all__ = ["CallRecord", "GuardedLLM", "LLMStats", "RetryPolicy"]

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    timeout_seconds: float = 30.0
    """Hard limit per attempt, enforced around the provider call."""
    max_attempts: int = 3
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 8.0


@dataclass(frozen=True, slots=True)
class CallRecord:
    purpose: str
    model: str
    prompt_hash: str
    outcome: str
    """``ok``, ``cached`` or an ``LLMFailure`` value."""
    attempts: int
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(slots=True)
class LLMStats:
    """What one run asked of the LLM; read by the benchmark and the decision audit."""

    calls: list[CallRecord] = field(default_factory=list)

    @property
    def provider_calls(self) -> int:
        """Requests that reached the provider (attempts, including retries)."""
        return sum(c.attempts for c in self.calls)

    @property
    def cache_hits(self) -> int:
        return sum(1 for c in self.calls if c.outcome == "cached")

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(c.outcome for c in self.calls)


@functools.lru_cache(maxsize=64)
def _json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """Schemas are classes fixed in code; generating their JSON schema per call is wasted work."""
    return schema.model_json_schema()


def _estimate_tokens(*texts: str) -> int:
    return sum(len(t) for t in texts) // 4 + 1


class GuardedLLM:
    """``StructuredLLM`` over one ChatProvider; one instance per run (see ``for_run``)."""

    def __init__(
        self,
        provider: ChatProvider,
        *,
        cache: PromptCache | None,
        limiter: ConcurrencyLimiter,
        budget: BudgetLimits,
        retry: RetryPolicy,
    ) -> None:
        self._provider = provider
        self._cache = cache
        self._limiter = limiter
        self._limits = budget
        self._retry = retry
        self.model_name = provider.model_name
        self.budget = RunBudget(budget)
        self.stats = LLMStats()

    def for_run(self) -> GuardedLLM:
        """A fresh budget and stats over the same provider, cache and concurrency limit."""
        return GuardedLLM(
            self._provider,
            cache=self._cache,
            limiter=self._limiter,
            budget=self._limits,
            retry=self._retry,
        )

    async def aclose(self) -> None:
        """Close the provider's connections for the running event loop (cache and stats stay)."""
        await self._provider.aclose()

    async def ainvoke_structured(
        self, *, system: str, user: str, schema: type[T], purpose: str
    ) -> T:
        json_schema = _json_schema(schema)
        key = prompt_key(
            provider=self._provider.provider,
            model=self.model_name,
            system=system,
            user=user,
            json_schema=json_schema,
        )
        if self._cache is not None:
            hit = await self._cache.get(key)
            if hit is not None:
                self._record(purpose, key, "cached", 0)
                return schema.model_validate_json(hit)
        try:
            hold = self.budget.reserve(_estimate_tokens(system, user))
        except LLMError as exc:
            self._record(purpose, key, exc.reason, 0)
            raise
        attempts = [0]
        try:
            async with self._limiter.slot():
                reply = await self._call_with_retries(system, user, schema, json_schema, attempts)
        except LLMError as exc:
            self.budget.release(hold)
            self._record(purpose, key, exc.reason, attempts[0])
            raise
        self.budget.settle(hold, reply.input_tokens, reply.output_tokens)
        try:
            answer = parse_answer(reply.text, schema)
        except LLMError as exc:
            self._record(purpose, key, exc.reason, attempts[0], reply)
            raise
        self._record(purpose, key, "ok", attempts[0], reply)
        if self._cache is not None:
            await self._cache.put(key, answer.model_dump_json())
        return answer

    async def _call_with_retries(
        self,
        system: str,
        user: str,
        schema: type[BaseModel],
        json_schema: dict[str, Any],
        attempts: list[int],
    ) -> ProviderReply:
        """Provider call with tenacity retries on transient failures; counts into ``attempts``."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retry.max_attempts),
            wait=wait_exponential(
                multiplier=self._retry.backoff_seconds, max=self._retry.max_backoff_seconds
            ),
            retry=retry_if_exception_type(TransientLLMError),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                attempts[0] += 1
                return await self._one_call(system, user, schema.__name__, json_schema)
        raise LLMError(LLMFailure.PROVIDER_ERROR, "retry loop ended without an answer")

    async def _one_call(
        self, system: str, user: str, schema_name: str, json_schema: dict[str, Any]
    ) -> ProviderReply:
        try:
            return await asyncio.wait_for(
                self._provider.complete(
                    system=system, user=user, schema_name=schema_name, json_schema=json_schema
                ),
                timeout=self._retry.timeout_seconds,
            )
        except TimeoutError as exc:
            raise TransientLLMError(
                LLMFailure.TIMEOUT, f"no answer within {self._retry.timeout_seconds:g} s"
            ) from exc

    def _record(
        self,
        purpose: str,
        key: str,
        outcome: str,
        attempts: int,
        reply: ProviderReply | None = None,
    ) -> None:
        report.llm_call(
            self._provider.provider, self.model_name, outcome, reply, self.budget.limits
        )
        self.stats.calls.append(
            CallRecord(
                purpose=purpose,
                model=f"{self._provider.provider}:{self.model_name}",
                prompt_hash=key,
                outcome=str(outcome),
                attempts=attempts,
                input_tokens=reply.input_tokens if reply else 0,
                output_tokens=reply.output_tokens if reply else 0,
            )
        )
