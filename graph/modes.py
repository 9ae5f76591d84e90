"""Workflow modes and what research means in each.

- signal: no research; strategies -> analysts -> PM -> gate.
- research: research only; no decisions, no orders.
- pre_research: research runs before the analysts and feeds them and the PM; only *unavailable*
  research (under the fail-closed policy) blocks entries.
- post_research: the PM decides first; research then validates each entry decision, and a
  disagreement or unavailable research (fail-closed) turns the entry into a hold.
- full: research validates candidates before the analysts, feeds them and the PM, and a
  disagreement or unavailable research (fail-closed) blocks entries.

Exits are never blocked by research: reducing risk does not need a second opinion.
"""

from __future__ import annotations

from enum import StrEnum

from domain import ResearchFinding, ResearchStance

__all__ = ["WorkflowMode", "research_blocks_entry"]


class WorkflowMode(StrEnum):
    SIGNAL = "signal"
    RESEARCH = "research"
    PRE_RESEARCH = "pre_research"
    POST_RESEARCH = "post_research"
    FULL = "full"

    @property
    def researches_before_analysts(self) -> bool:
        return self in (WorkflowMode.RESEARCH, WorkflowMode.PRE_RESEARCH, WorkflowMode.FULL)

    @property
    def trades(self) -> bool:
        return self is not WorkflowMode.RESEARCH


def research_blocks_entry(
    mode: WorkflowMode, finding: ResearchFinding | None, unavailable_policy: str
) -> str | None:
    """The reason research forbids a new entry on this ticker, or ``None`` if it does not."""
    if mode is WorkflowMode.SIGNAL:
        return None
    if finding is None or finding.stance is ResearchStance.UNAVAILABLE:
        if unavailable_policy == "fail_closed":
            why = finding.reason if finding is not None else "no research finding"
            return f"research unavailable (fail-closed policy): {why}"
        return None
    if finding.stance is ResearchStance.DISAGREES and mode is not WorkflowMode.PRE_RESEARCH:
        return f"research disagrees: {finding.summary}"
    return None
