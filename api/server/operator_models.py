"""Request and response bodies of the operator routes (``/api/v1``) that no view model covers.

Why only these: the account, positions, orders, alerts, the watchlist and the operator results
already have typed models (``api.account_view``, ``api.ledger_views``, ``graph.monitor.operator``,
``tools.persistence.records``, ``api.operator_actions``) that the CLI's ``--json`` prints; the
routes answer with the same ones, so both faces report the same facts. Requests forbid unknown
fields: a misspelt ``confirm`` must be a 422 naming the field, never a silent default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.ledger_views import LedgerOrder, RunEventView
from config.values import Ticker
from domain import Fill
from tools.persistence.records import DecisionAuditRecord, RunRecord

__all__ = [
    "HaltRequest",
    "HandledBy",
    "ReduceOnlyRequest",
    "ResumeRequest",
    "RunAudit",
    "ThreadAudit",
    "WatchRequest",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WatchRequest(_Request):
    """Put a symbol on the watchlist (the project's ticker rule; ``aapl`` is AAPL)."""

    symbol: Ticker
    note: str | None = Field(default=None, max_length=500)
    """Why it is watched; ``None`` keeps the note of an entry already on the list."""


class HandledBy(_Request):
    """Who acknowledged or resolved an alert (kept with it)."""

    by: str = Field(default="api", min_length=1, max_length=64)


class HaltRequest(_Request):
    """The emergency stop: HALTED, cancel open orders, close every position through the gate."""

    reason: str = Field(default="operator halt", min_length=1, max_length=500)
    confirm: Literal[True]
    """Must be ``true``: the CLI's ``--yes``. A halt sells every position; it is never implied."""


class ResumeRequest(_Request):
    """Back to ACTIVE, after a clean reconciliation with the broker."""

    reason: str = Field(default="resumed by operator", min_length=1, max_length=500)
    confirm: Literal[True]
    """Must be ``true``: the CLI's ``--yes``; resuming re-enables new entries."""


class ReduceOnlyRequest(_Request):
    """REDUCING: no new entries, exits continue (a HALTED state stays HALTED)."""

    reason: str = Field(default="operator: reduce only", min_length=1, max_length=500)


class ThreadAudit(BaseModel):
    """Everything recorded for one thread (invariant 6): its runs, each decision with its inputs
    digest, model, prompt hash, gate verdict and order ids, the orders, their fills and events."""

    thread_id: str
    runs: list[RunRecord]
    decisions: list[DecisionAuditRecord]
    orders: list[LedgerOrder]
    fills: list[Fill]
    events: list[RunEventView]


class RunAudit(BaseModel):
    """One run and the audit of the thread it ran on (decisions are recorded per thread)."""

    run: RunRecord
    thread: ThreadAudit
