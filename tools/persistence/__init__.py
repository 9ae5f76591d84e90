"""Persistence: the trading ledger, the application store and its migrations.

``tools.persistence`` is the only owner of its tables; graph/ and the faces ask through these:

- ``ledger`` (the protocol) and ``sql_ledger.SqlLedger``: intents, orders, decision audit, trading
  state, and the questions graph/ asks of them (``ledger_queries``: risk memory, entry levels,
  unsettled intents, net positions, the order book);
- ``runs.RunStore``: runs (trigger, status, timings) and their numbered events;
- ``alert_log.AlertStore``: every alert, the dispatcher's journal, acknowledged and resolved;
- ``fills.FillBook``: executions, booked from each order report's totals;
- ``risk_records.RiskBaselineStore``: the daily-loss baseline and drawdown high-water mark;
- ``operations``: the watchlist and the equity curve;
- ``store``, ``migrate``, ``migrations/``: opening DATABASE_URL and its Alembic revisions.

Checkpointers live in ``graph.checkpoints.factory`` (CHECKPOINT_URL) and per-thread locks in
``graph.checkpoints.locks``; this package holds the application data (DATABASE_URL).
"""
