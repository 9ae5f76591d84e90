"""Per-analyst LLM choice: one StructuredLLM that routes each call by its ``purpose``.

Why a router instead of a graph change: nodes pass one ``context.llm``; analysts resolve their own
route with ``llm_for`` (so an analyst configured ``none`` stays rules-only) and the PM uses the
default. Purposes are ``analyst:<name>[:<ticker>]`` and ``portfolio_manager[:<ticker>]``; each
call's record (``calls``) carries its purpose and prompt hash for the decision audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel

from tools.llm.base import LLMError, StructuredLLM
from tools.llm.failures import LLMFailure
from tools.llm.guarded import CallRecord, GuardedLLM

__all__ = [
    "RoutedLLM",
    "grant_budget",
    "llm_for",
    "prompt_hash_for",
    "run_scoped",
]

T = TypeVar("T", bound=BaseModel)


class RoutedLLM:
    """Routes ``analyst:<name>`` purposes to per-analyst LLMs (``None`` = rules-only)."""

    def __init__(self, default: GuardedLLM | None, routes: Mapping[str, GuardedLLM | None]) -> None:
        self.default = default
        self.routes = dict(routes)
        self.model_name = default.model_name if default is not None else "routed"

    def route(self, purpose: str) -> GuardedLLM | None:
        parts = purpose.split(":")
        name = parts[1] if parts[0] == "analyst" and len(parts) > 1 else None
        if name is not None and name in self.routes:
            return self.routes[name]
        return self.default

    async def ainvoke_structured(
        self, *, system: str, user: str, schema: type[T], purpose: str
    ) -> T:
        target = self.route(purpose)
        if target is None:
            raise LLMError(LLMFailure.PROVIDER_ERROR, f"no LLM configured for {purpose}")
        return await target.ainvoke_structured(
            system=system, user=user, schema=schema, purpose=purpose
        )

    def for_run(self) -> RoutedLLM:
        fresh: dict[int, GuardedLLM] = {}

        def renew(llm: GuardedLLM | None) -> GuardedLLM | None:
            if llm is None:
                return None
            if id(llm) not in fresh:
                fresh[id(llm)] = llm.for_run()
            return fresh[id(llm)]

        return RoutedLLM(renew(self.default), {k: renew(v) for k, v in self.routes.items()})

    async def aclose(self) -> None:
        """Close every member's connections for the running event loop."""
        members = {id(m): m for m in (self.default, *self.routes.values()) if m is not None}
        for member in members.values():
            await member.aclose()

    @property
    def calls(self) -> list[CallRecord]:
        members = {id(m): m for m in (self.default, *self.routes.values()) if m is not None}
        return [call for member in members.values() for call in member.stats.calls]


def llm_for(llm: StructuredLLM | None, purpose: str) -> StructuredLLM | None:
    """The LLM a caller with ``purpose`` should use; ``None`` means rules-only."""
    if isinstance(llm, RoutedLLM):
        return llm.route(purpose)
    return llm


def grant_budget(llm: StructuredLLM | None, purpose: str, calls: int) -> None:
    """Widen the run's budget by ``calls`` planned calls for ``purpose`` (see ``RunBudget.grant``).

    Nodes call it before they fan out, so the budget scales with the tickers and analysts of the
    run; an LLM without a budget (rules-only, a test double) is left alone.
    """
    target = llm.route(purpose) if isinstance(llm, RoutedLLM) else llm
    if isinstance(target, GuardedLLM):
        target.budget.grant(calls)


def run_scoped(llm: StructuredLLM | None) -> StructuredLLM | None:
    """A copy with a fresh per-run budget (call once per trading cycle); others pass through."""
    if isinstance(llm, RoutedLLM | GuardedLLM):
        return llm.for_run()
    return llm


def prompt_hash_for(llm: StructuredLLM | None, purpose: str) -> str | None:
    """The prompt hash of the latest call made for ``purpose`` in this run, for the audit."""
    if isinstance(llm, RoutedLLM):
        calls = llm.calls
    elif isinstance(llm, GuardedLLM):
        calls = llm.stats.calls
    else:
        return None
    hashes = [call.prompt_hash for call in calls if call.purpose == purpose]
    return hashes[-1] if hashes else None
