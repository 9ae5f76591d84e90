"""Start-up benchmark: how long the CLI takes before it does anything useful.

Runs ``--help``, ``halt --help``, ``status``, ``db current``, ``halt --yes`` (the emergency stop
of an empty paper account) and a rules-only replayed cycle from two trees side by side,
interleaved, several times each, and reports medians and the ratio:
the tree under test (this checkout) and a baseline revision exported with ``git archive``
(default: the commit before the lazy-import work). Both use the same virtualenv and a fresh
HEDGEGRAPH_HOME per tree, and each subprocess runs in a clean environment in a temporary working
directory (no ``.env`` is read).

    python -m tests.bench.startup [--baseline REV] [--runs N] [--cycle-runs N]

Kept out of ``make test`` (noisy shared machines); ``make bench`` runs it with the others.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BASELINE = "5847249"
"""The last commit before the CLI's lazy imports ("TradingContext carries the alert dispatcher")."""
AS_OF = "2025-09-15T15:00:00"

COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "halt --help": ["halt", "--help"],
    "status": ["status"],
    "db current": ["db", "current"],
    "halt": ["halt", "--yes"],
    "cycle (rules-only)": ["run", "--tickers", "AAPL,MSFT", "--as-of", AS_OF, "--json"],
}


def _export(rev: str, into: Path) -> Path:
    """The baseline tree at ``rev`` (read-only use of git: nothing in the checkout changes)."""
    archive = into / "baseline.tar"
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", "-o", str(archive), rev], check=True
    )
    tree = into / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def _env(tree: Path, home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "HEDGEGRAPH_HOME": str(home),
        "PYTHONPATH": str(tree),
        "COLUMNS": "80",
    }


def _time(tree: Path, home: Path, args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=_env(tree, home),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1, 3):
        raise RuntimeError(f"{tree.name} {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare")
    parser.add_argument("--runs", type=int, default=5, help="runs per fast command")
    parser.add_argument("--cycle-runs", type=int, default=3, help="runs of the cycle")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hg-bench-") as tmp:
        root = Path(tmp)
        trees = {"before": _export(args.baseline, root), "after": REPO}
        homes = {name: root / f"home-{name}" for name in trees}
        cwd = root / "cwd"
        cwd.mkdir()
        for name, tree in trees.items():  # warm-up: migrations, bytecode caches
            _time(tree, homes[name], COMMANDS["status"], cwd)
        print(f"baseline {args.baseline} vs this checkout; medians in seconds")
        print(f"{'command':<20} {'before':>8} {'after':>8} {'after/before':>13}")
        for label, command in COMMANDS.items():
            runs = args.cycle_runs if label.startswith("cycle") else args.runs
            samples: dict[str, list[float]] = {name: [] for name in trees}
            for _ in range(runs):
                for name, tree in trees.items():  # interleaved: noise hits both alike
                    samples[name].append(_time(tree, homes[name], command, cwd))
            before = statistics.median(samples["before"])
            after = statistics.median(samples["after"])
            print(f"{label:<20} {before:8.2f} {after:8.2f} {after / before:13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
