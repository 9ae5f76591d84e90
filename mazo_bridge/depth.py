"""Research depths and the real budgets they set.

Why budgets and not prompt wording: in the system we replace, depth only changed the prompt, so a
"quick" look could cost as much as a "deep" one. Here each depth bounds planning steps, tool
calls, tokens and wall time, and the agent stops with a named reason when one runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = ["DEPTH_BUDGETS", "DepthBudget", "ResearchDepth", "budget_for"]


class ResearchDepth(StrEnum):
    QUICK = "quick"
    STANDARD = "standard"
    DEEP = "deep"


@dataclass(frozen=True, slots=True)
class DepthBudget:
    planning_steps: int
    """Plan rounds: the first plan plus reviews that may add tasks or repair a failed draft."""
    tool_calls: int
    tokens: int
    """Input plus output tokens for the whole research (all LLM calls)."""
    wall_seconds: float


DEPTH_BUDGETS: dict[ResearchDepth, DepthBudget] = {
    ResearchDepth.QUICK: DepthBudget(planning_steps=1, tool_calls=4, tokens=8_000, wall_seconds=30),
    ResearchDepth.STANDARD: DepthBudget(
        planning_steps=2, tool_calls=8, tokens=20_000, wall_seconds=60
    ),
    ResearchDepth.DEEP: DepthBudget(
        planning_steps=3, tool_calls=16, tokens=48_000, wall_seconds=150
    ),
}


def budget_for(depth: ResearchDepth | str, *, wall_cap_seconds: float | None = None) -> DepthBudget:
    """The depth's budget, its wall time capped by the configured research timeout if lower."""
    budget = DEPTH_BUDGETS[ResearchDepth(depth)]
    if wall_cap_seconds is not None and wall_cap_seconds < budget.wall_seconds:
        budget = replace(budget, wall_seconds=wall_cap_seconds)
    return budget
