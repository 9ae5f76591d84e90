"""Investor-persona analysts: a deterministic scorecard each, judged in the persona's voice."""
