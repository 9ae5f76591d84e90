"""Strategies, analysts (deterministic scoring with optional LLM judgement) and the portfolio manager."""
