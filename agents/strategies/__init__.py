"""Deterministic strategies that turn the universe into candidates with entry, stop and target."""

from agents.strategies.registry import STRATEGIES, run_strategies

__all__ = ["STRATEGIES", "run_strategies"]
