"""The analyst roster: one module per analyst, one registry that names them all."""

from __future__ import annotations

from collections.abc import Sequence

from agents.analysts.base import Analyst
from agents.analysts.fundamentals import FundamentalsAnalyst
from agents.analysts.growth import GrowthAnalyst
from agents.analysts.personas.aswath_damodaran import AswathDamodaranAnalyst
from agents.analysts.personas.ben_graham import BenGrahamAnalyst
from agents.analysts.personas.bill_ackman import BillAckmanAnalyst
from agents.analysts.personas.cathie_wood import CathieWoodAnalyst
from agents.analysts.personas.charlie_munger import CharlieMungerAnalyst
from agents.analysts.personas.michael_burry import MichaelBurryAnalyst
from agents.analysts.personas.mohnish_pabrai import MohnishPabraiAnalyst
from agents.analysts.personas.peter_lynch import PeterLynchAnalyst
from agents.analysts.personas.phil_fisher import PhilFisherAnalyst
from agents.analysts.personas.rakesh_jhunjhunwala import RakeshJhunjhunwalaAnalyst
from agents.analysts.personas.stanley_druckenmiller import StanleyDruckenmillerAnalyst
from agents.analysts.personas.warren_buffett import WarrenBuffettAnalyst
from agents.analysts.sentiment import SentimentAnalyst
from agents.analysts.technicals import TechnicalsAnalyst
from agents.analysts.valuation import ValuationAnalyst

__all__ = [
    "ALL",
    "ANALYSTS",
    "DEFAULT_ROSTER",
    "DETERMINISTIC",
    "PERSONAS",
    "UnknownAnalystError",
    "analyst_roster",
]


class UnknownAnalystError(ValueError):
    """A configured analyst name is not in the registry."""


ANALYSTS: dict[str, Analyst] = {
    analyst.name: analyst
    for analyst in (
        TechnicalsAnalyst(),
        FundamentalsAnalyst(),
        ValuationAnalyst(),
        GrowthAnalyst(),
        SentimentAnalyst(),
        WarrenBuffettAnalyst(),
        CharlieMungerAnalyst(),
        BenGrahamAnalyst(),
        PeterLynchAnalyst(),
        PhilFisherAnalyst(),
        BillAckmanAnalyst(),
        CathieWoodAnalyst(),
        MichaelBurryAnalyst(),
        MohnishPabraiAnalyst(),
        StanleyDruckenmillerAnalyst(),
        AswathDamodaranAnalyst(),
        RakeshJhunjhunwalaAnalyst(),
    )
}

DETERMINISTIC: tuple[str, ...] = ("technicals", "fundamentals", "valuation", "growth", "sentiment")
"""Analysts whose cores are the classic deterministic scores (no persona)."""
PERSONAS: tuple[str, ...] = tuple(name for name in ANALYSTS if name not in DETERMINISTIC)
DEFAULT_ROSTER: tuple[str, ...] = DETERMINISTIC
ALL = "all"
"""Pass ``["all"]`` to ``analyst_roster`` for every registered analyst."""


def analyst_roster(names: Sequence[str] | None = None) -> list[Analyst]:
    """The analysts named (in order), the default roster for ``None``, everyone for ``["all"]``.

    Unknown names raise ``UnknownAnalystError`` (a configuration error, never silently skipped).
    """
    chosen = DEFAULT_ROSTER if names is None else tuple(names)
    if ALL in chosen:
        chosen = tuple(ANALYSTS)
    unknown = [name for name in chosen if name not in ANALYSTS]
    if unknown:
        raise UnknownAnalystError(
            f"unknown analyst(s) {', '.join(unknown)}; known: {', '.join(sorted(ANALYSTS))}"
        )
    return [ANALYSTS[name] for name in dict.fromkeys(chosen)]
