"""``/ready``: can this server run a cycle right now? Each part checked, the failing one named.

Why these parts: a cycle needs the ledger (orders and their records), the checkpointer (resume
and approvals), Redis when configured (the event log and locks of several workers) and the
broker's clock (market hours gate every order). A load balancer takes a worker out on 503.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import anyio
from pydantic import BaseModel, Field

from graph.schedule.heartbeats import HeartbeatView

__all__ = ["Readiness", "check_readiness"]

PART_TIMEOUT_SECONDS = 5.0


class PartCheck(BaseModel):
    part: Literal["database", "checkpointer", "redis", "broker_clock"]
    ok: bool
    detail: str = ""


class Readiness(BaseModel):
    ready: bool
    parts: list[PartCheck]
    failing: list[str]
    heartbeats: list[HeartbeatView] = Field(default_factory=list)
    """The scheduler's and the monitor's last beats, for the operator and the probes to read.
    They do not decide ``ready``: a stale monitor blocks entries at the gate
    (``monitor_stale``), and taking the API out of rotation would also take away its halt."""


async def _check(part: Any, probe: Any) -> PartCheck:
    try:
        with anyio.fail_after(PART_TIMEOUT_SECONDS):
            await probe()
    except Exception as exc:  # the answer names the part and the kind of failure only
        return PartCheck(part=part, ok=False, detail=type(exc).__name__)
    return PartCheck(part=part, ok=True)


async def check_readiness(engine: Any, redis_url: str | None) -> Readiness:
    async def database() -> None:
        await anyio.to_thread.run_sync(engine.ledger.trading_state)

    async def checkpointer() -> None:
        await engine.checkpointer.aget_tuple({"configurable": {"thread_id": "__ready__"}})

    async def broker_clock() -> None:
        from tools.brokers.base import MarketClock

        broker = engine.broker
        if isinstance(broker, MarketClock):  # the broker's own session clock (Alpaca)
            await anyio.to_thread.run_sync(broker.market_open)
        else:  # the local paper broker keeps no clock: it must answer, on the engine's clock
            engine.clock.now()
            await anyio.to_thread.run_sync(broker.open_orders)

    async def redis() -> None:
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(redis_url or "")
        try:
            await client.ping()
        finally:
            await client.aclose()

    probes: list[tuple[str, Any]] = [
        ("database", database),
        ("checkpointer", checkpointer),
        ("broker_clock", broker_clock),
    ]
    if redis_url:
        probes.append(("redis", redis))
    parts = list(await asyncio.gather(*(_check(part, probe) for part, probe in probes)))
    failing = [p.part for p in parts if not p.ok]
    return Readiness(
        ready=not failing, parts=parts, failing=failing, heartbeats=await _heartbeats(engine)
    )


async def _heartbeats(engine: Any) -> list[HeartbeatView]:
    """The recorded beats, ages on the engine's clock; none when the ledger cannot answer (the
    ``database`` part already says so)."""
    from graph.schedule.heartbeats import heartbeat_views

    def read() -> list[HeartbeatView]:
        return heartbeat_views(
            engine.ledger,
            now=engine.clock.now(),
            max_age_seconds=engine.settings.risk.monitor_heartbeat_max_age_seconds,
        )

    try:
        with anyio.fail_after(PART_TIMEOUT_SECONDS):
            return await anyio.to_thread.run_sync(read)
    except Exception:
        return []
