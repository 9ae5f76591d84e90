"""One call per thing that happened, from the place where it happened, into metrics and logs.

Why here and not in each caller: a node, the execution road or the LLM guard reports a fact in
one line (``report.broker_error(exc)``), and what that fact becomes (counter labels, a log line
with the run's ids) is decided in one module. The cycle's own events, which every face already
streams (node timings, gate verdicts, order updates, the finish), are read from the run log's
hook, so the graph's nodes need no extra calls for them.

Why the metrics module is imported on first use: prometheus-client costs about 16 ms to import,
and the operator commands that open the alert dispatcher or the road but never report anything
(``status``, ``orders``) should not pay it at start-up.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from domain import CycleEvent, CycleEventKind
from tools.observability.log_context import bind_run

if TYPE_CHECKING:
    from types import ModuleType

    from tools.llm.budget import BudgetLimits
    from tools.llm.provider import ProviderReply

__all__ = [
    "alert_raised",
    "broker_error",
    "cache_lookup",
    "cycle_events",
    "llm_call",
    "run_started",
]

log = logging.getLogger("hedgegraph.cycle")

_RUN_MODES: OrderedDict[str, tuple[str, str]] = OrderedDict()
"""run id -> (mode, trigger) until the run's FINISHED event; bounded (a crashed run never ends)."""
_MAX_OPEN_RUNS = 1000
_OK_OUTCOMES = frozenset({"ok", "cached"})


@functools.cache
def _metrics() -> ModuleType:
    from tools.observability import metrics

    return metrics


def run_started(run_id: str, thread_id: str, mode: str, trigger: str) -> None:
    """A run began (graph/run_log.py): its later lines carry its ids; its end is counted by mode."""
    bind_run(run_id, thread_id)
    _RUN_MODES[run_id] = (mode, trigger)
    while len(_RUN_MODES) > _MAX_OPEN_RUNS:
        _RUN_MODES.popitem(last=False)
    log.info("run started: mode=%s trigger=%s", mode, trigger, extra=_ids(run_id, thread_id))


def _ids(run_id: str, thread_id: str, **more: str | None) -> dict[str, str]:
    fields = {"run_id": run_id, "thread_id": thread_id, **more}
    return {k: v for k, v in fields.items() if v is not None}


def cycle_events(events: Sequence[CycleEvent]) -> None:
    """A step's events (graph/run_log.py): counted, and the ones an operator greps for logged."""
    m = _metrics()
    for event in events:
        ids = _ids(event.run_id, event.thread_id, node=event.node, ticker=event.ticker)
        if event.kind is CycleEventKind.NODE_FINISHED and event.node is not None:
            m.NODE_SECONDS.labels(node=event.node).observe((event.duration_ms or 0.0) / 1000.0)
        elif event.kind is CycleEventKind.GATE_VERDICT and event.gate_verdict is not None:
            verdict = event.gate_verdict
            stage = event.node or "unknown"
            m.GATE_VERDICTS.labels(node=stage, outcome=verdict.outcome.value).inc()
            for code in verdict.reason_codes:
                m.GATE_VETOES.labels(node=stage, reason=code.value).inc()
            ids["ticker"] = verdict.intent.ticker
            ids["client_order_id"] = verdict.intent.client_order_id
            codes = ",".join(c.value for c in verdict.reason_codes) or "-"
            log.info(
                "gate %s: qty %s reasons %s",
                verdict.outcome.value,
                verdict.approved_qty,
                codes,
                extra=ids,
            )
        elif event.kind is CycleEventKind.ORDER_UPDATE and event.order is not None:
            order = event.order
            m.ORDERS.labels(status=order.status.value).inc()
            ids.update(
                ticker=order.ticker,
                client_order_id=order.client_order_id,
                broker_order_id=order.broker_order_id,
            )
            log.info(
                "order %s: %s %s filled %s",
                order.status.value,
                order.side.value,
                order.qty,
                order.filled_qty,
                extra=ids,
            )
        elif event.kind is CycleEventKind.FINISHED:
            mode, trigger = _RUN_MODES.pop(event.run_id, ("unknown", "unknown"))
            m.RUNS.labels(mode=mode, outcome=event.status or "unknown", trigger=trigger).inc()
            log.info("run finished: %s", event.status, extra=ids)


def llm_call(
    provider: str,
    model: str,
    outcome: str,
    reply: ProviderReply | None,
    limits: BudgetLimits,
) -> None:
    """One structured LLM call ended (tools/llm/guarded.py): ``ok``, ``cached`` or a failure."""
    m = _metrics()
    m.LLM_CALLS.labels(provider=provider, model=model, outcome=outcome).inc()
    if outcome not in _OK_OUTCOMES:
        m.LLM_FAILURES.labels(provider=provider, model=model, reason=outcome).inc()
    if outcome == "cached":
        cache_lookup("llm_prompt", hit=True)
    if reply is None:
        return
    m.LLM_TOKENS.labels(provider=provider, model=model, direction="input").inc(reply.input_tokens)
    m.LLM_TOKENS.labels(provider=provider, model=model, direction="output").inc(reply.output_tokens)
    cost = (
        reply.input_tokens * limits.input_cost_per_1k
        + reply.output_tokens * limits.output_cost_per_1k
    ) / 1000.0
    m.LLM_COST.labels(provider=provider, model=model).inc(cost)


def cache_lookup(cache: str, *, hit: bool) -> None:
    m = _metrics()
    m.CACHE_LOOKUPS.labels(cache=cache, result="hit" if hit else "miss").inc()


def broker_error(exc: BaseException) -> None:
    """The execution road could not place or find an order (graph/execution/road.py)."""
    m = _metrics()
    m.BROKER_ERRORS.labels(kind=type(exc).__name__).inc()


def alert_raised(severity: str) -> None:
    """An alert reached the dispatcher (tools/alerts/dispatcher.py), sent or held back."""
    m = _metrics()
    m.ALERTS.labels(severity=severity).inc()
