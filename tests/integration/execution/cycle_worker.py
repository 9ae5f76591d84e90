"""One trading cycle in its own process, for the race and crash tests of the execution road.

``python -m tests.integration.execution.cycle_worker HOME THREAD TICKER[,TICKER] [options]``

- ``--ttl SECONDS``: the decision time to live (arm ``HEDGEGRAPH_FAILPOINTS=before_execute`` to
  die between the gate and execution, as a power loss would).
- ``--sector-cap F``: TSLA is in the "autos" sector, capped at F of equity.
- ``--slow-submit SECONDS``: the broker takes this long to accept each order (a slow endpoint).
- ``--barrier DIR --parties N``: wait until N workers are ready, so racing cycles start together.

Prints the cycle's verdicts and orders as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import time
from decimal import Decimal
from pathlib import Path

from domain import Order, OrderIntent, PortfolioSnapshot, Quote
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.runner import arun_cycle
from tests.integration.execution.stack import AS_OF, stack_settings
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock


@dataclasses.dataclass
class SlowToAccept:
    """The paper broker behind an endpoint that takes ``seconds`` to accept each order."""

    inner: PaperBroker
    seconds: float
    name: str = "paper"

    def portfolio(self) -> PortfolioSnapshot:
        return self.inner.portfolio()

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        time.sleep(self.seconds)
        return self.inner.submit_order(intent, qty)

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        return self.inner.get_order_by_client_id(client_order_id)

    def open_orders(self) -> list[Order]:
        return self.inner.open_orders()

    def cancel_order(self, broker_order_id: str) -> None:
        self.inner.cancel_order(broker_order_id)

    def latest_quote(self, symbol: str) -> Quote | None:
        return self.inner.latest_quote(symbol)


def _wait_for_barrier(folder: Path, parties: int, me: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / me).touch()
    deadline = time.monotonic() + 60
    while len(list(folder.iterdir())) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError("the other workers never arrived")
        time.sleep(0.01)


async def main(args: argparse.Namespace) -> None:
    risk: dict[str, object] = {"decision_ttl_seconds": args.ttl}
    if args.sector_cap is not None:
        risk |= {"symbol_sectors": {"TSLA": "autos"}, "max_sector_pct": args.sector_cap}
    settings = stack_settings(Path(args.home), **risk)
    context = build_context(settings, clock=FixedClock(AS_OF))
    if args.slow_submit:
        assert isinstance(context.broker, PaperBroker)
        context = dataclasses.replace(
            context, broker=SlowToAccept(context.broker, args.slow_submit)
        )
    if args.barrier:
        _wait_for_barrier(Path(args.barrier), args.parties, args.thread)
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(
            context,
            saver,
            thread_id=args.thread,
            tickers=args.tickers.split(","),
            mode="signal",
            session_mode="autonomous",
        )
    print(
        json.dumps(
            {
                "verdicts": [
                    [v.intent.ticker, v.outcome.value, str(v.approved_qty)] for v in result.verdicts
                ],
                "orders": [[o.ticker, str(o.qty), o.status.value] for o in result.orders],
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("home")
    parser.add_argument("thread")
    parser.add_argument("tickers")
    parser.add_argument("--ttl", type=int, default=900)
    parser.add_argument("--sector-cap", type=float, default=None)
    parser.add_argument("--slow-submit", type=float, default=0.0)
    parser.add_argument("--barrier", default="")
    parser.add_argument("--parties", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
