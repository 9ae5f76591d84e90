"""Analysts: deterministic scorecards with optional LLM judgement, and the registry naming them."""

from agents.analysts.registry import ANALYSTS, DEFAULT_ROSTER, UnknownAnalystError, analyst_roster

__all__ = ["ANALYSTS", "DEFAULT_ROSTER", "UnknownAnalystError", "analyst_roster"]
