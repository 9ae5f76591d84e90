"""A per-run token and cost budget that fails closed.

Why reserve before the call: fan-out runs many calls at once; checking only spent tokens would let
every in-flight call pass and overshoot together. Each call reserves its estimate first, and a call
whose reservation does not fit is refused (``budget_exhausted``) instead of being sent.

Why it grows with the work: a fixed per-run ceiling that suits three tickers silently starves
thirty (measured: 172 of 391 analyst verdicts dropped). Each node grants the budget an allowance
per call it plans (``grant``: per ticker and analyst, per PM decision) before it makes them, so
the budget guards against runaway calls, retries and oversized prompts, not against a wider
universe. A run that still hits it is reported by the nodes (events and an alert).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.llm.base import LLMError
from tools.llm.failures import LLMFailure

__all__ = ["BudgetLimits", "RunBudget"]


@dataclass(frozen=True, slots=True)
class BudgetLimits:
    max_tokens: int
    """Input plus output tokens one run may use."""
    max_cost_usd: float
    input_cost_per_1k: float = 0.0
    output_cost_per_1k: float = 0.0
    reserve_output_tokens: int = 512
    """Output tokens reserved per call before its real usage is known."""
    tokens_per_call: int = 0
    """Tokens one planned call adds to the run's budget (``RunBudget.grant``)."""
    cost_per_call_usd: float = 0.0
    """Cost one planned call adds to the run's budget."""


@dataclass(slots=True)
class RunBudget:
    """Spent and reserved tokens and cost for one run; not shared between runs."""

    limits: BudgetLimits
    spent_tokens: int = 0
    spent_cost_usd: float = 0.0
    granted_tokens: int = 0
    """Allowance added by ``grant`` for the calls the run's nodes planned."""
    granted_cost_usd: float = 0.0
    _reserved_tokens: int = field(default=0, repr=False)
    _reserved_cost: float = field(default=0.0, repr=False)

    @property
    def max_tokens(self) -> int:
        """The run's token limit now: the base plus every planned call's allowance."""
        return self.limits.max_tokens + self.granted_tokens

    @property
    def max_cost_usd(self) -> float:
        return self.limits.max_cost_usd + self.granted_cost_usd

    def grant(self, calls: int) -> None:
        """Widen the budget for ``calls`` planned calls (called before they are made)."""
        if calls < 0:
            raise ValueError(f"cannot grant a negative number of calls ({calls})")
        self.granted_tokens += calls * self.limits.tokens_per_call
        self.granted_cost_usd += calls * self.limits.cost_per_call_usd

    def _cost(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens * self.limits.input_cost_per_1k
            + output_tokens * self.limits.output_cost_per_1k
        ) / 1000.0

    def reserve(self, estimated_input_tokens: int) -> tuple[int, float]:
        """Hold room for one call or raise ``LLMError(budget_exhausted)``; returns the hold."""
        tokens = estimated_input_tokens + self.limits.reserve_output_tokens
        cost = self._cost(estimated_input_tokens, self.limits.reserve_output_tokens)
        if self.spent_tokens + self._reserved_tokens + tokens > self.max_tokens:
            raise LLMError(
                LLMFailure.BUDGET_EXHAUSTED,
                f"token budget {self.max_tokens} would be exceeded "
                f"(spent {self.spent_tokens}, in flight {self._reserved_tokens}, next {tokens})",
            )
        if self.spent_cost_usd + self._reserved_cost + cost > self.max_cost_usd:
            raise LLMError(
                LLMFailure.BUDGET_EXHAUSTED,
                f"cost budget ${self.max_cost_usd:.4f} would be exceeded "
                f"(spent ${self.spent_cost_usd:.4f})",
            )
        self._reserved_tokens += tokens
        self._reserved_cost += cost
        return tokens, cost

    def settle(self, hold: tuple[int, float], input_tokens: int, output_tokens: int) -> None:
        """Replace a hold by the real usage (which counts even when the answer is unusable)."""
        self._reserved_tokens -= hold[0]
        self._reserved_cost -= hold[1]
        self.spent_tokens += input_tokens + output_tokens
        self.spent_cost_usd += self._cost(input_tokens, output_tokens)

    def release(self, hold: tuple[int, float]) -> None:
        """Drop a hold for a call that never produced a billable answer."""
        self._reserved_tokens -= hold[0]
        self._reserved_cost -= hold[1]
