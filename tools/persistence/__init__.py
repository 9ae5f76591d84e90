"""Persistence: the trading ledger, the application store and its migrations, retention.

Checkpointers live in ``graph.checkpoints.factory`` (CHECKPOINT_URL) and per-thread locks in
``graph.checkpoints.locks``; this package holds the application data (DATABASE_URL).
"""
