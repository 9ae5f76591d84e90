"""Named mutants of the execution road, the risk gate and the exit path, each with the tests that
must kill it: a separate command, not part of the test suite.

``.venv/bin/python -m tests.mutation.execution_mutants [NAME ...]``

Why named mutants next to a general tool (mutmut): issue 9.14 lists deliberate breaks that the
whole suite once let through. Each is replayed here, in a throw-away copy of the working tree (the
shared tree is never touched), and must make its tests fail. Prints one line per mutant and exits
1 if any survived.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(
    ".venv",
    ".git",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "mutants",
    "*.egg-info",
)


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    original: str
    mutated: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        "execute sends the requested quantity, not the gate's",
        "graph/execution/road.py",
        "                    verdict.approved_qty,\n                    broker=road.broker,",
        "                    intent.qty,\n                    broker=road.broker,",
        ("tests/integration/execution/test_cycle_road.py",),
    ),
    Mutant(
        "execute sends verdicts the fresh gate vetoed",
        "graph/execution/road.py",
        "            if not verdict.executable:\n                codes",
        "            if False:\n                codes",
        (
            "tests/integration/execution/test_account_lock_and_resume.py::"
            "test_a_crashed_cycle_resumed_after_its_ttl_is_regated_and_sends_nothing",
        ),
    ),
    Mutant(
        "execute sends the stale verdict without re-gating",
        "graph/execution/road.py",
        "        verdicts = evaluate_intents([r.intent for r in requests], snapshot, road.limits)",
        "        verdicts = [_as_before(r) for r in requests]",
        (
            "tests/integration/execution/test_account_lock_and_resume.py::"
            "test_a_crashed_cycle_resumed_after_its_ttl_is_regated_and_sends_nothing",
        ),
    ),
    Mutant(
        "the daily-loss stop fires only below the limit",
        "graph/monitor/loss_guard.py",
        "    if loss >= limit:",
        "    if loss > limit:",
        ("tests/unit/risk/test_monitor_scenarios.py",),
    ),
    Mutant(
        "the gate's daily-loss rule fires only below the floor",
        "graph/risk/rules/account.py",
        "    floor = baseline * (1 - dec(check.limits.max_daily_loss_pct))\n"
        "    if check.equity <= floor:",
        "    floor = baseline * (1 - dec(check.limits.max_daily_loss_pct))\n"
        "    if check.equity < floor:",
        ("tests/unit/risk/test_gate_scenarios.py",),
    ),
    Mutant(
        "Alpaca's duplicate-client-order-id answer is treated as a timeout",
        "tools/brokers/alpaca.py",
        "raise DuplicateClientOrderIdError(str(exc)) from exc",
        "raise AmbiguousSubmissionError(str(exc)) from exc",
        ("tests/integration/brokers/test_alpaca_exactly_once.py",),
    ),
    Mutant(
        "exit ids repeat across attempts",
        "graph/execution/exits.py",
        '    prefix = f"{reason.value}:{symbol}:"\n',
        '    return 0\n    prefix = f"{reason.value}:{symbol}:"\n',
        ("tests/integration/execution/test_halt_alpaca.py",),
    ),
    Mutant(
        "the trading state is checked before the first attempt only",
        "graph/execution/exactly_once.py",
        "        _refuse_entry_when_blocked(intent, ledger)  # every attempt",
        "        if _ == 0:\n            _refuse_entry_when_blocked(intent, ledger)  # first only",
        ("tests/unit/brokers/test_exactly_once.py",),
    ),
    Mutant(
        "no account lock",
        "graph/execution/account_lock.py",
        "    with account_locks(locks).thread_lock(account_key(broker_name)):\n        yield",
        "    yield",
        ("tests/integration/execution/test_account_lock_and_resume.py",),
    ),
    Mutant(
        "the asset check fails open",
        "graph/risk/rules/data.py",
        "    if not assets and not check.snapshot.asset_master:",
        "    if not assets:",
        ("tests/unit/risk/test_gate_scenarios.py",),
    ),
    Mutant(
        "entries are sized at the decision's price, not the quote",
        "graph/risk/gather.py",
        "    quotes = _quotes(broker, wanted) if isinstance(broker, QuoteSource) else {}",
        "    quotes: dict[str, Quote] = {}",
        ("tests/unit/risk/test_road_pricing.py",),
    ),
    Mutant(
        "an exit order leaves no decision record",
        "graph/execution/road.py",
        "            self._record_decision(audit, verdict, order)\n",
        "",
        ("tests/unit/risk/test_monitor_scenarios.py",),
    ),
)


def _killed(mutant: Mutant) -> bool:
    with tempfile.TemporaryDirectory(prefix="hg-mutant-") as folder:
        tree = Path(folder) / "tree"
        shutil.copytree(ROOT, tree, ignore=SKIP)
        target = tree / mutant.path
        source = target.read_text()
        if source.count(mutant.original) != 1:
            raise SystemExit(f"{mutant.name}: the original text is not in {mutant.path} once")
        target.write_text(source.replace(mutant.original, mutant.mutated))
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=900,
        )
        return run.returncode != 0


def main(names: list[str]) -> int:
    chosen = [m for m in MUTANTS if not names or m.name in names]
    survived = 0
    for mutant in chosen:
        killed = _killed(mutant)
        survived += not killed
        print(f"{'killed  ' if killed else 'SURVIVED'} {mutant.path}: {mutant.name}", flush=True)
    print(f"{len(chosen) - survived}/{len(chosen)} killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
