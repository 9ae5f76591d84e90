"""Start-up benchmark: how long the CLI takes before it does anything useful.

Runs ``--help``, ``halt --help``, ``status``, ``db current``, ``halt`` (the emergency stop of
an empty paper account) and a rules-only replayed cycle from two trees side by side,
interleaved, several times each, and reports medians and the ratio, of the wall time and of the
child's CPU time (user plus system; less moved by other work on a shared machine):
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
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BASELINE = "5847249"
"""The last commit before the CLI's lazy imports ("TradingContext carries the alert dispatcher")."""
AS_OF = "2025-09-15T15:00:00"

COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "halt --help": ["halt", "--help"],
    "status": ["status"],
    "db current": ["db", "current"],
    "halt": ["halt"],  # stdin is no terminal, so it never asks (older trees have no --yes)
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


class Sample(NamedTuple):
    wall: float
    """Seconds from spawn to exit, what an operator waits."""
    cpu: float
    """User plus system seconds of the child: less moved than ``wall`` by other work on a
    shared machine, which delays a process without making it use more CPU."""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(tree: Path, home: Path, args: list[str], cwd: Path) -> Sample:
    cpu_before = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=_env(tree, home),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    if proc.returncode not in (0, 1, 3):
        raise RuntimeError(f"{tree.name} {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return Sample(elapsed, cpu)


def _medians(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples)
    )


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
        print(f"baseline {args.baseline} vs this checkout; medians in seconds (wall | CPU)")
        print(
            f"{'command':<20} {'before':>8} {'after':>8} {'ratio':>6}"
            f" | {'before':>8} {'after':>8} {'ratio':>6}"
        )
        for label, command in COMMANDS.items():
            runs = args.cycle_runs if label.startswith("cycle") else args.runs
            samples: dict[str, list[Sample]] = {name: [] for name in trees}
            for _ in range(runs):
                for name, tree in trees.items():  # interleaved: noise hits both alike
                    samples[name].append(_time(tree, homes[name], command, cwd))
            before, after = _medians(samples["before"]), _medians(samples["after"])
            print(
                f"{label:<20} {before.wall:8.2f} {after.wall:8.2f} {after.wall / before.wall:6.2f}"
                f" | {before.cpu:8.2f} {after.cpu:8.2f} {after.cpu / before.cpu:6.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
