"""Persistence: the trading ledger, the application store and its migrations, retention.

Checkpointers live in ``graph.checkpointing`` (CHECKPOINT_URL) and per-thread locks in
``graph.locks``; this package holds the application data (DATABASE_URL).
"""
