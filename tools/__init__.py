"""Integrations: market data, brokers, LLMs, cache, alerts and persistence."""
