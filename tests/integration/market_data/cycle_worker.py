"""One rules-only trading cycle in its own process, for the snapshot-resume crash test.

``python -m tests.integration.market_data.cycle_worker HOME THREAD AS_OF_ISO``. Arm
HEDGEGRAPH_FAILPOINTS=before_portfolio_manager and the process SIGKILLs itself after the analysts'
step is checkpointed, as a power loss would. Everything lives under HOME (checkpoints, ledger,
paper broker, snapshot store); the market is the offline provider at AS_OF.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

from config.settings import Settings, load_settings
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.runner import CycleResult, arun_cycle
from tools.clock import FixedClock

TICKERS = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL")


def worker_settings(home: Path) -> Settings:
    return load_settings(
        hedgegraph_home=home,
        data_providers=["offline"],
        broker="paper",
        llm_provider="none",
        trading_session_mode="autonomous",
        redis_url=None,
        database_url=None,
        checkpoint_url=None,
    )


async def run(home: Path, thread_id: str, as_of: datetime) -> CycleResult:
    settings = worker_settings(home)
    context = build_context(settings, clock=FixedClock(as_of))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        return await arun_cycle(
            context,
            saver,
            thread_id=thread_id,
            tickers=TICKERS,
            mode="signal",
            session_mode="autonomous",
        )


if __name__ == "__main__":
    home, thread, when = Path(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3])
    asyncio.run(run(home, thread, when))
