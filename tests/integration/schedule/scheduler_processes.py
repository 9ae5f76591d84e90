"""Real ``hedgegraph scheduler`` processes in a clean environment, and the paper broker's count.

The slot used throughout is 2025-03-11 11:00 New York (15:00 UTC), a session where the
synthetic market yields one approved entry for the universe below, so a slot run twice would
show at the broker as two orders.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from tools.brokers.paper import PaperBroker
from tools.clock import SystemClock

REPO = Path(__file__).resolve().parents[3]
SLOT = "2025-03-11T15:00:00+00:00"
SLOT_ENV = {
    "AUTO_TRADING_ENABLED": "true",
    "UNIVERSE": "AAPL,MSFT,NVDA,AMZN,META,TSLA,GOOGL,JPM",
    "SCHEDULE__TRADING_CYCLE_CRON": "0 11 * * 1-5",
}


def scheduler_env(home: Path, **extra: str) -> dict[str, str]:
    """PATH and locale only from the parent: no broker, LLM, data or hedgegraph setting."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    env.update(HOME=str(home), HEDGEGRAPH_HOME=str(home), PYTHONPATH=str(REPO), **SLOT_ENV)
    env.update(extra)
    return env


def start_scheduler(home: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    workdir = home.parent / f"{home.name}-cwd"
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "scheduler", *args],
        env=scheduler_env(home, **extra),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 240) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def broker_orders(home: Path) -> list[str]:
    """Client order ids the paper broker itself holds (its own SQLite file)."""
    broker = PaperBroker(
        database_url=f"sqlite:///{home / 'paper_broker.sqlite'}",
        starting_cash=Decimal(100000),
        slippage_bps=0,
        price_source=lambda _: Decimal(1),
        clock=SystemClock(),
    )
    try:
        return sorted(o.client_order_id for o in broker.all_orders())
    finally:
        broker.close()
