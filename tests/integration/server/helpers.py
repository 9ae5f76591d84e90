"""What the server tests share: the run input, the SSE body as frames, the orders on the ledger.

Why one module: each test file used to carry its own copy of these, and copies drift (a parser
that drops comments in one file and keeps them in another tests two different protocols).
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pytest
from fastapi import FastAPI

from config.settings import Settings
from domain import Order, OrderIntent
from tools.brokers.paper import PaperBroker
from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "MODES",
    "TICKERS",
    "BrokerGate",
    "SseFrame",
    "held_submissions",
    "ledger_orders",
    "sse_frames",
    "trading_input",
]

TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]
"""A universe where the synthetic market at ``AS_OF`` yields an approved entry."""
MODES: list[Literal["values", "updates", "custom"]] = ["values", "updates", "custom"]


def trading_input(session: str = "autonomous", tickers: list[str] | None = None) -> dict[str, Any]:
    """The ``trading`` assistant's input for a signal-mode cycle."""
    return {"tickers": tickers or TICKERS, "mode": "signal", "session": session}


@dataclass(frozen=True)
class SseFrame:
    id: str
    event: str
    data: Any
    """The ``data:`` line, JSON-decoded."""


async def sse_frames(lines: AsyncIterator[str]) -> AsyncIterator[SseFrame]:
    """The frames of an SSE body read line by line (``httpx`` ``aiter_lines``), comments
    (heartbeats) skipped, a frame yielded at its blank line."""
    event = ident = data = None
    async for line in lines:
        if line.startswith(":"):
            continue
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("id:"):
            ident = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            data = line.partition(":")[2].strip()
        elif line == "" and data is not None:
            yield SseFrame(ident or "", event or "message", json.loads(data))
            event = ident = data = None


def ledger_orders(settings: Settings, thread_id: str) -> list[Any]:
    """The thread's orders as the ledger (the server's database) has them."""
    ledger = SqlLedger.from_url(settings.effective_database_url)
    try:
        return ledger.orders_for_thread(thread_id)
    finally:
        ledger.close()


class BrokerGate:
    """Holds each submission of a server's real (paper) broker until the test releases it, so
    a disconnect, a cancel or a read from elsewhere lands while an order is in flight."""

    def __init__(self, broker: PaperBroker) -> None:
        self.submitting = threading.Event()
        self.release = threading.Event()
        self._submit = broker.submit_order

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        self.submitting.set()
        assert self.release.wait(timeout=60), "the test never released the submission"
        return self._submit(intent, qty)


@contextmanager
def held_submissions(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[BrokerGate]:
    """The app's broker behind a ``BrokerGate`` (released on exit, whatever happened)."""
    broker = app.state.engine.context.broker
    assert isinstance(broker, PaperBroker)
    gate = BrokerGate(broker)
    monkeypatch.setattr(broker, "submit_order", gate.submit_order)
    try:
        yield gate
    finally:
        gate.release.set()  # never leave the server's worker thread waiting
