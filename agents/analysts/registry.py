"""The analyst roster: one module per analyst, one registry that names them all."""

from __future__ import annotations

from collections.abc import Sequence

from agents.analysts.base import Analyst
from agents.analysts.fundamentals import FundamentalsAnalyst
from agents.analysts.sentiment import SentimentAnalyst
from agents.analysts.technicals import TechnicalsAnalyst
from agents.analysts.valuation import ValuationAnalyst

__all__ = ["ANALYSTS", "DEFAULT_ROSTER", "UnknownAnalystError", "analyst_roster"]


class UnknownAnalystError(ValueError):
    """A configured analyst name is not in the registry."""


ANALYSTS: dict[str, Analyst] = {
    analyst.name: analyst
    for analyst in (
        TechnicalsAnalyst(),
        FundamentalsAnalyst(),
        ValuationAnalyst(),
        SentimentAnalyst(),
    )
}

DEFAULT_ROSTER: tuple[str, ...] = ("technicals", "fundamentals", "valuation", "sentiment")


def analyst_roster(names: Sequence[str] | None = None) -> list[Analyst]:
    """The analysts named (in order), or the default roster; unknown names raise loudly."""
    chosen = DEFAULT_ROSTER if names is None else tuple(names)
    unknown = [name for name in chosen if name not in ANALYSTS]
    if unknown:
        raise UnknownAnalystError(
            f"unknown analyst(s) {', '.join(unknown)}; known: {', '.join(sorted(ANALYSTS))}"
        )
    return [ANALYSTS[name] for name in dict.fromkeys(chosen)]
