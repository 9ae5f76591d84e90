"""Benchmark: the whole trading graph, LLM-bound and rules-only, checkpoints and savers.

Run: ``.venv/bin/python -m tests.bench.cycle_performance [--runs 5] [--delay 0.3] [--quick]``

Every measured cycle runs in a fresh worker process (``--worker``), the way a CLI cycle runs, so
per-process costs (calendar, synthesis, first connections) count; imports do not. Reported as the
median and the spread (min..max) of ``--runs`` runs, all sections side by side in one run:

- LLM-bound: 5 tickers, every analyst on the LLM path, the local OpenAI-compatible fake answering
  in ``--delay`` s (critical path = one analyst call + one PM call); graph time as a ratio to the
  critical path at the default settings; then 30 tickers (23+ candidates) where the PM's time must
  not grow with the candidates; then the repeated identical cycle (0 new calls).
- Checkpoints: bytes per cycle (checkpoints + writes) for 3 and 100 tickers, all analysts, rules
  only; saver time per cycle on SQLite and Postgres, summed over the saver's calls and as busy
  time (wall time with a call in flight; overlapping calls count once); then the same in a warm
  process (8 cycles each after one unmeasured), with the cycle time the saver adds over an
  in-memory saver.
- The same 5-ticker LLM cycle at several concurrency limits (``--limits``).
- Rules-only graph time at 3, 10, 30 and 100 tickers (default roster), each on a fresh home
  (offline paths synthesised in the run), and at 100 the next cycle on the same home; with the
  time in full (generation 2) collections. The worker freezes what start-up built, as the CLI
  does (``--no-freeze`` on a worker measures without).

The machines are shared and noisy: trust ratios and medians, not single times.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
"""A Tuesday during the session: every cycle decides on the same synthetic market."""
LLM_TICKERS = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL")
WIDE_TICKERS = 40
"""Enough offline tickers for 23+ candidates."""


def universe(n: int) -> list[str]:
    """``n`` ticker symbols: the five above first, then synthetic names."""
    names = list(LLM_TICKERS) + [f"T{i:03d}" for i in range(n)]
    return names[:n]


# ---------------------------------------------------------------------------------------------
# worker: one cycle in this process, measured, answered as one JSON line


def _timed_saver(saver: Any, spent: list[float], busy: list[float] | None = None) -> None:
    """Wrap the saver's async methods so the time inside them is summed into ``spent``.

    ``busy`` (when given) gets the wall time during which at least one call was in flight: calls
    that overlap (a step's parallel tasks write at once and queue on the saver's lock) count once
    there, where ``spent`` counts each call's own wait, queueing behind the others included."""
    in_flight, since = [0], [0.0]

    def enter() -> float:
        now = time.perf_counter()
        if in_flight[0] == 0:
            since[0] = now
        in_flight[0] += 1
        return now

    def leave(started: float) -> None:
        now = time.perf_counter()
        spent[0] += now - started
        in_flight[0] -= 1
        if in_flight[0] == 0 and busy is not None:
            busy[0] += now - since[0]

    for name in ("aput", "aput_writes", "aget_tuple", "alist"):
        original = getattr(saver, name)

        if name == "alist":

            def make_gen(fn: Callable[..., Any]) -> Callable[..., Any]:
                async def timed_gen(*args: Any, **kwargs: Any) -> Any:
                    started = enter()
                    try:
                        async for item in fn(*args, **kwargs):
                            yield item
                    finally:
                        leave(started)

                return timed_gen

            setattr(saver, name, make_gen(original))
            continue

        def make(fn: Callable[..., Any]) -> Callable[..., Any]:
            async def timed(*args: Any, **kwargs: Any) -> Any:
                started = enter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    leave(started)

            return timed

        setattr(saver, name, make(original))


def _gc_timer() -> list[float]:
    """Seconds spent in garbage collections from now on, per generation (0, 1, 2)."""
    spent, began = [0.0, 0.0, 0.0], [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            spent[info["generation"]] += time.perf_counter() - began[0]

    gc.callbacks.append(on_gc)
    return spent


def _sqlite_bytes(url: str, thread_id: str) -> int:
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        (cp,) = conn.execute(
            "select coalesce(sum(length(checkpoint) + length(metadata)), 0) from checkpoints"
            " where thread_id = ?",
            (thread_id,),
        ).fetchone()
        (wr,) = conn.execute(
            "select coalesce(sum(length(value)), 0) from writes where thread_id = ?",
            (thread_id,),
        ).fetchone()
    return int(cp) + int(wr)


async def _worker_cycle(args: argparse.Namespace) -> dict[str, Any]:
    from config.settings import load_settings
    from graph.assembly import build_context
    from graph.checkpoints.factory import aopen_checkpointer
    from graph.runner import arun_cycle
    from tools.clock import FixedClock

    home = Path(args.home)
    llm: dict[str, Any] = {"request_timeout_seconds": 30, "cache": "sqlite"}
    if args.max_concurrency:
        llm["max_concurrency"] = None if args.max_concurrency == "none" else args.max_concurrency
    overrides: dict[str, Any] = {
        "hedgegraph_home": home,
        "data_providers": ["offline"],
        "broker": "paper",
        "trading_session_mode": "autonomous",
        "redis_url": None,
        "checkpoint_url": args.checkpoint_url or None,
        "analysts": args.analysts.split(",") if args.analysts else None,
        "llm_provider": "openai" if args.llm_url else "none",
        "llm": llm,
    }
    if args.llm_url:
        overrides |= {
            "llm_model": "bench-model",
            "openai_base_url": args.llm_url,
            "openai_api_key": "sk-bench",
        }
    settings = load_settings(**overrides)
    context = build_context(settings, clock=FixedClock(AS_OF))
    if not args.no_freeze:
        gc.freeze()  # as the CLI does once its engine is open
    tickers = universe(args.tickers)
    thread_id = args.thread or f"bench-{uuid.uuid4().hex[:10]}"
    finished: dict[str, float] = {}
    spent, busy = [0.0], [0.0]
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        _timed_saver(saver, spent, busy)
        gc_spent = _gc_timer()
        started = time.perf_counter()

        def progress(node: str, update: dict[str, Any]) -> None:
            finished[node] = time.perf_counter() - started

        result = await arun_cycle(
            context,
            saver,
            thread_id=thread_id,
            tickers=tickers,
            mode="signal",
            session_mode="autonomous",
            on_progress=progress,
        )
        graph_s = time.perf_counter() - started
        warm = await _warm_cycles(args, context, saver) if args.warm_cycles else {}
    checkpoint_url = settings.effective_checkpoint_url
    ckpt_bytes = (
        _sqlite_bytes(checkpoint_url, thread_id) if checkpoint_url.startswith("sqlite") else 0
    )
    analysts_done = finished.get("analyst", finished.get("strategy_engine", 0.0))
    budget = sum(1 for v in result.analyst_verdicts if v.failure_reason == "budget_exhausted")
    return {
        "graph_s": graph_s,
        "saver_s": spent[0],
        "saver_busy_s": busy[0],
        "gc_s": list(gc_spent),
        "checkpoint_bytes": ckpt_bytes,
        "candidates": len(result.decisions),
        "verdicts": len(result.analyst_verdicts),
        "budget_exhausted": budget,
        "load_context_s": finished.get("load_context", 0.0),
        "before_analysts_s": finished.get("strategy_engine", 0.0),
        "pm_s": finished.get("portfolio_manager", analysts_done) - analysts_done,
        "events": [e.message for e in result.events if "budget" in e.message],
        "node_finished_s": {node: round(at, 3) for node, at in finished.items()},
        **warm,
    }


async def _warm_cycles(args: argparse.Namespace, context: Any, saver: Any) -> dict[str, Any]:
    """What the saver costs a cycle once the process is warm: ``--warm-cycles`` cycles on the
    saver alternating with as many on an in-memory saver (the same strict serializer), in this
    process, after one unmeasured cycle on each. The saver's calls are timed on its own cycles;
    the cycle time it adds is the difference of the two medians of graph time (the loop's wait
    for a reply is in the call times, but the other tasks run meanwhile, so it is not all cost)."""
    from langgraph.checkpoint.memory import InMemorySaver

    from graph.checkpoints.serde import checkpoint_serializer
    from graph.runner import arun_cycle

    memory = InMemorySaver(serde=checkpoint_serializer())
    graph: dict[str, list[float]] = {"saver": [], "memory": []}
    calls: list[float] = []
    busy_times: list[float] = []
    for cycle in range(args.warm_cycles + 1):
        for name, target in (("saver", saver), ("memory", memory)):
            spent, busy = [0.0], [0.0]
            before = dict(vars(target))
            _timed_saver(target, spent, busy)
            started = time.perf_counter()
            await arun_cycle(
                context,
                target,
                thread_id=f"warm-{uuid.uuid4().hex[:10]}",
                tickers=universe(args.tickers),
                mode="signal",
                session_mode="autonomous",
            )
            elapsed = time.perf_counter() - started
            for key in set(vars(target)) - set(before):  # unwrap for the next cycle
                delattr(target, key)
            if cycle == 0:
                continue
            graph[name].append(elapsed)
            if name == "saver":
                calls.append(spent[0])
                busy_times.append(busy[0])
    return {
        "warm_saver_s": statistics.median(calls),
        "warm_saver_busy_s": statistics.median(busy_times),
        "warm_added_s": statistics.median(graph["saver"]) - statistics.median(graph["memory"]),
    }


def worker_main(args: argparse.Namespace) -> None:
    print(json.dumps(asyncio.run(_worker_cycle(args))))


# ---------------------------------------------------------------------------------------------
# driver


@contextmanager
def llm_fake(delay: float) -> Iterator[Any]:
    from tests.bench.llm_fanout import remote_fake

    with remote_fake() as fake:
        fake.reset(delay_seconds=delay)
        yield fake


TREES: list[tuple[str, Path | None]] = [("now", None)]
"""(label, source tree) per measured variant; ``--compare DIR`` adds the tree at DIR (e.g. an
exported older commit) as ``before``, and every run alternates between the two, so both see the
same machine noise."""


def run_worker(tree: Path | None = None, **options: Any) -> dict[str, Any]:
    """One cycle in a fresh worker process of ``tree`` (this checkout when ``None``)."""
    argv = [sys.executable, "-m", "tests.bench.cycle_performance", "--worker"]
    for key, value in options.items():
        if value is not None:
            argv += [f"--{key.replace('_', '-')}", str(value)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APCA_", "OPENAI_", "HEDGE"))}
    done = subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=tree, timeout=900, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"worker failed: {' '.join(argv)}\n{done.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def spread(values: list[float], scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    med = statistics.median(values) * scale
    lo, hi = min(values) * scale, max(values) * scale
    return f"{fmt.format(med)} [{fmt.format(lo)}..{fmt.format(hi)}]"


def warm_home(tmp: Path, name: str) -> Path:
    """A fresh home (empty book, empty prompt cache) whose offline price paths are already
    synthesised, as every home's are from its second cycle on; the LLM figures measure the
    LLM-bound cycle, not the one-time synthesis (the rules section reports that cold). Trees
    without the path cache ignore the folder."""
    seed = tmp / "offline-seed"
    if not (seed / "offline_market").exists():
        run_worker(home=seed, tickers=WIDE_TICKERS)
    home = tmp / name
    shutil.copytree(seed / "offline_market", home / "offline_market")
    return home


def measured(
    args: argparse.Namespace, tmp: Path, name: str, *, fake: Any = None, **options: Any
) -> dict[str, list[dict[str, Any]]]:
    """``args.runs`` runs per tree, interleaved; each row gets the fake's call count."""
    rows: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in TREES}
    for run in range(args.runs):
        for label, tree in TREES:
            if fake is not None:
                fake.reset(delay_seconds=args.delay)
            home = (
                warm_home(tmp, f"{name}-{label}-{run}") if fake else tmp / f"{name}-{label}-{run}"
            )
            row = run_worker(tree, home=home, **options)
            if fake is not None:
                stats = fake.stats()
                row["calls"], row["max_in_flight"] = stats["count"], stats["max_in_flight"]
            row["home"] = str(home)
            rows[label].append(row)
    return rows


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite file with what its write-ahead log holds (the prompt cache runs in WAL
    mode; a process that exits without closing it leaves its last answers in ``-wal``)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def llm_section(args: argparse.Namespace, tmp: Path, report: dict[str, Any]) -> None:
    critical = 2 * args.delay
    with llm_fake(args.delay) as fake:
        for label, count, analysts in (
            ("5 tickers, all analysts", len(LLM_TICKERS), "all"),
            (f"{WIDE_TICKERS} tickers, default roster", WIDE_TICKERS, None),
        ):
            per_tree = measured(
                args,
                tmp,
                f"llm-{count}",
                fake=fake,
                tickers=count,
                analysts=analysts,
                llm_url=fake.openai_url,
            )
            for tree_label, rows in per_tree.items():
                graph = [r["graph_s"] for r in rows]
                print(
                    f"[{tree_label}] LLM {label}: graph {spread(graph)} s = "
                    f"{spread([g / critical for g in graph], fmt='{:.2f}')}x critical path "
                    f"({critical:.1f}s); candidates {rows[0]['candidates']}, "
                    f"calls {rows[0]['calls']}, budget_exhausted {rows[0]['budget_exhausted']}"
                )
                print(
                    f"    before first analyst {spread([r['before_analysts_s'] for r in rows])} s,"
                    f" PM node {spread([r['pm_s'] for r in rows])} s"
                )
                report[f"{tree_label}_llm_{count}"] = statistics.median(graph)
        # the repeated identical cycle: the same inputs (a fresh book, the same market) on a new
        # thread, with the first run's prompt cache; the first run's own home holds its orders,
        # which change the PM's allowed quantities and so, rightly, its prompts
        for tree_label, tree in TREES:
            fake.reset(delay_seconds=args.delay)
            repeat = warm_home(tmp, f"llm-repeat-{tree_label}")
            first = tmp / f"llm-{len(LLM_TICKERS)}-{tree_label}-0"
            _copy_sqlite(first / "llm_cache.sqlite", repeat / "llm_cache.sqlite")
            warm = run_worker(
                tree,
                home=repeat,
                tickers=len(LLM_TICKERS),
                analysts="all",
                llm_url=fake.openai_url,
            )
            calls = fake.stats()["count"]
            print(
                f"[{tree_label}] LLM repeated identical cycle: {calls} new calls, "
                f"graph {warm['graph_s']:.3f} s"
            )
            report[f"{tree_label}_llm_repeat_calls"] = calls


def limits_section(args: argparse.Namespace, tmp: Path, report: dict[str, Any]) -> None:
    """The 5-ticker, all-analyst LLM cycle at several concurrency limits (how the default was
    chosen); this checkout only."""
    critical = 2 * args.delay
    with llm_fake(args.delay) as fake:
        rows: dict[str, list[float]] = {limit: [] for limit in args.limits.split(",")}
        for run in range(args.runs):
            for limit in rows:  # interleaved, so every limit sees the same noise
                fake.reset(delay_seconds=args.delay)
                row = run_worker(
                    home=warm_home(tmp, f"limit-{limit}-{run}"),
                    tickers=len(LLM_TICKERS),
                    analysts="all",
                    llm_url=fake.openai_url,
                    max_concurrency=limit,
                )
                rows[limit].append(row["graph_s"])
        for limit, graph in rows.items():
            print(
                f"[now] LLM 5 tickers, all analysts, limit {limit:>4}: graph {spread(graph)} s = "
                f"{spread([g / critical for g in graph], fmt='{:.2f}')}x critical path"
            )
            report[f"limit_{limit}"] = statistics.median(graph)


def checkpoint_section(args: argparse.Namespace, tmp: Path, report: dict[str, Any]) -> None:
    from graph.checkpoints.factory import setup_checkpointer
    from tests.fixtures.servers import fresh_database, running_postgres

    for count, roster in ((3, None), (3, "all"), (100, "all")):
        label = "all analysts" if roster else "default roster"
        for tree_label, tree in TREES:
            size = run_worker(
                tree,
                home=tmp / f"ck-{count}-{roster}-{tree_label}",
                tickers=count,
                analysts=roster,
            )["checkpoint_bytes"]
            print(
                f"[{tree_label}] checkpoint bytes per cycle (SQLite), {count} tickers, "
                f"{label}: {size:,}"
            )
            report[f"{tree_label}_checkpoint_bytes_{count}_{roster or 'default'}"] = size
    with ExitStack() as stack:
        pg_server = stack.enter_context(running_postgres())
        pg_url = fresh_database(pg_server, "bench")
        setup_checkpointer(pg_url)
        for backend in ("sqlite", "postgres"):
            url = pg_url if backend == "postgres" else None
            per_tree = measured(args, tmp, f"saver-{backend}", tickers=3, checkpoint_url=url)
            for tree_label, rows in per_tree.items():
                times = [r["saver_s"] for r in rows]
                busy = [r["saver_busy_s"] for r in rows if "saver_busy_s" in r]
                busy_text = f"{spread(busy, 1000, '{:.1f}')} ms" if busy else "not measured"
                print(
                    f"[{tree_label}] saver time per 3-ticker cycle, {backend}: "
                    f"{spread(times, 1000, '{:.1f}')} ms summed over calls, "
                    f"busy (a call in flight) {busy_text}"
                )
                if busy:
                    report[f"{tree_label}_saver_busy_ms_{backend}"] = statistics.median(busy) * 1000
                report[f"{tree_label}_saver_ms_{backend}"] = statistics.median(times) * 1000
            warm = [  # this checkout only: older trees' workers have no --warm-cycles
                run_worker(home=tmp / f"warm-{backend}-{run}", checkpoint_url=url, warm_cycles=8)
                for run in range(args.runs)
            ]
            summed = [r["warm_saver_s"] for r in warm]
            busy = [r["warm_saver_busy_s"] for r in warm]
            added = [r["warm_added_s"] for r in warm]
            print(
                f"[now] warm process, 3-ticker cycle, {backend}: saver "
                f"{spread(summed, 1000, '{:.1f}')} ms summed, busy {spread(busy, 1000, '{:.1f}')} "
                f"ms; cycle time added over an in-memory saver {spread(added, 1000, '{:.1f}')} ms"
            )
            report[f"now_warm_saver_ms_{backend}"] = statistics.median(summed) * 1000
            report[f"now_warm_added_ms_{backend}"] = statistics.median(added) * 1000


def _gc2(row: dict[str, Any]) -> float:
    """Seconds of full collections in the cycle (0 from a tree whose worker does not say)."""
    return float(row.get("gc_s", [0.0, 0.0, 0.0])[2])


def rules_section(args: argparse.Namespace, tmp: Path, report: dict[str, Any]) -> None:
    for count in (3, 10, 30, 100):
        per_tree = measured(args, tmp, f"rules-{count}", tickers=count)
        for tree_label, rows in per_tree.items():
            print(
                f"[{tree_label}] rules-only {count:>3} tickers: graph "
                f"{spread([r['graph_s'] for r in rows])} s, "
                f"load_context {spread([r['load_context_s'] for r in rows])} s, "
                f"gc gen 2 {spread([_gc2(r) for r in rows])} s, "
                f"candidates {rows[0]['candidates']}"
            )
            report[f"{tree_label}_rules_{count}"] = statistics.median(r["graph_s"] for r in rows)
        if count != 100:
            continue
        for tree_label, tree in TREES:  # the next cycle on the same homes
            warm = [
                run_worker(tree, home=Path(r["home"]), tickers=count) for r in per_tree[tree_label]
            ]
            print(
                f"[{tree_label}] rules-only {count:>3} tickers, next cycle on the same home: "
                f"graph {spread([r['graph_s'] for r in warm])} s, "
                f"load_context {spread([r['load_context_s'] for r in warm])} s"
            )
            report[f"{tree_label}_rules_{count}_same_home"] = statistics.median(
                r["graph_s"] for r in warm
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--sections", default="llm,limits,checkpoints,rules")
    parser.add_argument("--limits", default="8,16,32,64,none", help="for the limits section")
    parser.add_argument("--compare", type=Path, help="an older source tree to measure alongside")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--home")
    parser.add_argument("--tickers", type=int, default=3)
    parser.add_argument("--analysts")
    parser.add_argument("--llm-url")
    parser.add_argument("--checkpoint-url")
    parser.add_argument("--thread")
    parser.add_argument("--warm-cycles", type=int, default=0, help="worker: see _warm_cycles")
    parser.add_argument("--max-concurrency")
    parser.add_argument("--no-freeze", action="store_true", help="worker: skip gc.freeze()")
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return
    if args.compare is not None:
        TREES.insert(0, ("before", args.compare.resolve()))
    report: dict[str, Any] = {}
    sections = {
        "llm": llm_section,
        "limits": limits_section,
        "checkpoints": checkpoint_section,
        "rules": rules_section,
    }
    with tempfile.TemporaryDirectory(prefix="hg-cycle-bench-") as tmp:
        print(f"median [min..max] of {args.runs} runs, each cycle in a fresh process")
        for name in args.sections.split(","):
            sections[name](args, Path(tmp), report)
    print(json.dumps(report, default=str))
    print(f"measured at {datetime.now(UTC).isoformat(timespec='seconds')}")


if __name__ == "__main__":
    main()
