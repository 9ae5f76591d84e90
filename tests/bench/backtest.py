"""Benchmark: ``hedgegraph backtest`` as a user runs it, process start included.

Run: ``.venv/bin/python -m tests.bench.backtest [--runs 3] [--quick] [--rules-only] [--delay 0.05]``

Sections (each measured in fresh processes, median and spread of ``--runs``):

- rules-only, 1 year x 7 tickers (AAPL MSFT NVDA GOOGL TSLA AMZN META, 2022-01-03..2022-12-30)
  on the real prices in ../shared/data/prices, the default roster; target under 5 s wall;
- the same with ``--analysts all`` (17 analysts);
- the LLM path: every analyst call and the PM against the local OpenAI-wire fake answering after
  ``--delay`` s, on one quarter (2022-10-03..2022-12-30) and the technicals analyst, a first run
  on an empty prompt cache and the cached re-run (its LLM calls must be 0).

Reported: wall seconds (spawn to exit), child CPU seconds, and ticker-days per second. The
machines are shared and noisy: trust medians and CPU more than a single wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.llm_fanout import remote_fake

TREE = Path(__file__).resolve().parents[2]
PRICES = next(
    (p / "shared" / "data" / "prices" for p in TREE.parents if (p / "shared" / "data").is_dir()),
    TREE.parent / "shared" / "data" / "prices",
)
TICKERS = "AAPL,MSFT,NVDA,GOOGL,TSLA,AMZN,META"
YEAR = ("2022-01-03", "2022-12-30")
QUARTER = ("2022-10-03", "2022-12-30")


def _env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "HEDGEGRAPH_HOME": str(home / "hedgegraph"),
        "HEDGEGRAPH_ENV_FILE": "",
        "PYTHONPATH": str(TREE),
        **(extra or {}),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, dict[str, Any]]:
    cli = Path(sys.executable).parent / "hedgegraph"
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "api.cli"]
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "backtest", *args, "--json"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"backtest failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, _children_cpu() - cpu, json.loads(done.stdout)["summary"]


def _line(name: str, samples: list[tuple[float, float]], ticker_days: int) -> dict[str, Any]:
    walls = sorted(w for w, _ in samples)
    cpus = sorted(c for _, c in samples)
    median = statistics.median(walls)
    row = {
        "section": name,
        "wall_median_s": round(median, 2),
        "wall_min_s": round(walls[0], 2),
        "wall_max_s": round(walls[-1], 2),
        "cpu_median_s": round(statistics.median(cpus), 2),
        "ticker_days_per_s": round(ticker_days / median, 1),
    }
    print(
        f"{name:<34} wall {median:6.2f} s (min {walls[0]:.2f}, max {walls[-1]:.2f})  "
        f"cpu {row['cpu_median_s']:6.2f} s  {row['ticker_days_per_s']:7.1f} ticker-days/s",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.05, help="fake LLM latency, seconds")
    parser.add_argument("--quick", action="store_true", help="one run each, no --analysts all")
    parser.add_argument(
        "--rules-only",
        action="store_true",
        help="only the rules-only default-roster year (the issue's target), no LLM sections",
    )
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    base = ["--tickers", TICKERS, "--data", str(PRICES), "--benchmark", ""]
    year = [*base, "--start", YEAR[0], "--end", YEAR[1]]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-backtest-") as tmp:
        cwd = Path(tmp)
        env = _env(cwd)
        sections = [("rules-only, default roster", year)]
        if not (args.quick or args.rules_only):
            sections.append(("rules-only, --analysts all", [*year, "--analysts", "all"]))
        for name, argv in sections:
            samples, sessions = [], 0
            for _ in range(runs):
                wall, cpu, summary = _run(argv, env, cwd)
                samples.append((wall, cpu))
                sessions = summary["sessions"]
            rows.append(_line(name, samples, sessions * 7))
        if args.rules_only:
            print(json.dumps(rows))
            return
        quarter = [*base, "--start", QUARTER[0], "--end", QUARTER[1], "--analysts", "technicals"]
        with remote_fake() as fake:
            fake.reset(delay_seconds=args.delay)
            firsts, cached, calls = [], [], []
            for i in range(runs):
                llm_env = _env(
                    cwd / f"llm-{i}",
                    {
                        "LLM_PROVIDER": "openai",
                        "LLM_MODEL": "test-model",
                        "OPENAI_BASE_URL": fake.openai_url,
                        "OPENAI_API_KEY": "sk-test",
                        "LLM__CACHE": "sqlite",
                    },
                )
                (cwd / f"llm-{i}").mkdir()
                wall, cpu, summary = _run(quarter, llm_env, cwd)
                firsts.append((wall, cpu))
                wall, cpu, again = _run(quarter, llm_env, cwd)
                cached.append((wall, cpu))
                calls.append((summary["llm_calls"], again["llm_calls"]))
                sessions = summary["sessions"]
            rows.append(_line(f"LLM {args.delay}s, first run", firsts, sessions * 7))
            rows.append(_line("LLM, cached re-run", cached, sessions * 7))
            print(f"LLM calls per run (first, re-run): {calls}")
            if any(again for _, again in calls):
                raise SystemExit("a cached re-run made LLM calls")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
