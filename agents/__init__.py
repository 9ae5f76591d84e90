"""Strategies, analysts (deterministic scores, optional LLM judgement) and the portfolio manager."""
