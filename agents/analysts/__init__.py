"""Analysts: deterministic scorecards with optional LLM judgement, and the registry naming them."""

from agents.analysts.registry import (
    ALL,
    ANALYSTS,
    DEFAULT_ROSTER,
    DETERMINISTIC,
    PERSONAS,
    UnknownAnalystError,
    analyst_roster,
)

__all__ = [
    "ALL",
    "ANALYSTS",
    "DEFAULT_ROSTER",
    "DETERMINISTIC",
    "PERSONAS",
    "UnknownAnalystError",
    "analyst_roster",
]
