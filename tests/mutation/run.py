"""Mutation testing of the capital-safety code, module group by module group (``make mutation``).

Why a separate command: a mutation run re-runs focused tests once per mutant, minutes of CPU that
``make test`` must not pay. Why groups: each group's mutants run only against the tests that
exercise it (mutmut then narrows further, per function, to the tests that called it), so a group
fits on a small shared machine with one worker.

Why a must-kill list: a kill rate alone can hide the one break that loses money. Issue 9 item 14
names deliberate breaks the whole suite once missed; each is either one of mutmut's own mutants
(found by what its diff changes, so renumbered ids do not break the list) or, where mutmut does not
generate that exact break, an explicit edit applied to a temporary copy of the tree followed by the
tests that must catch it. The run exits non-zero if any of them survives or can no longer be found.

Usage::

    .venv/bin/python -m tests.mutation.run                 # every group, then the must-kill list
    .venv/bin/python -m tests.mutation.run --group pm_clamp --skip-explicit
    .venv/bin/python -m tests.mutation.run --explicit-only
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "config", "tools", "agents", "mazo_bridge", "graph", "api")
KILLED = frozenset({"killed", "timeout"})
"""mutmut counts a mutant whose tests run past the limit as caught (an endless loop is a kill)."""


@dataclass(frozen=True, slots=True)
class Group:
    """Modules mutated together and the focused tests their mutants run against."""

    name: str
    mutants: tuple[str, ...]
    """mutmut mutant-name globs (``package.module.*``)."""
    tests: tuple[str, ...]
    """pytest selections, relative to the repository root."""


GROUPS: tuple[Group, ...] = (
    Group(
        "pm_clamp",
        ("agents.portfolio_manager.clamp.*", "agents.portfolio_manager.llm_policy.*"),
        (
            "tests/unit/agents/test_clamp.py",
            "tests/unit/agents/test_manager.py",
            "tests/unit/agents/test_mutation_killers.py",
            "tests/integration/llm/test_injection.py",
            "tests/integration/llm/test_fail_closed.py",
        ),
    ),
    Group(
        "risk_gate",
        ("graph.risk.gate.*", "graph.risk.check.*", "graph.risk.rules.*"),
        (
            "tests/unit/risk/test_gate_scenarios.py",
            "tests/unit/risk/test_gate_properties.py",
            "tests/unit/risk/test_gate_mutation_killers.py",
        ),
    ),
    Group(
        "execution",
        ("graph.execution.*", "graph.nodes.execute.*"),
        (
            "tests/integration/execution/test_cycle_road.py",
            "tests/integration/execution/test_halt_alpaca.py",
            "tests/integration/brokers/test_alpaca_exactly_once.py",
            "tests/unit/risk/test_monitor_scenarios.py",
            "tests/unit/execution/test_road_mutation_killers.py",
            "tests/unit/risk/test_road_pricing.py",
            "tests/integration/execution/test_road_account_lock.py",
            "tests/unit/execution/test_broker_only.py",
            "tests/integration/graph/test_execute_node.py",
        ),
    ),
    Group(
        "exit_path",
        ("graph.monitor.exit_path.*", "graph.monitor.emergency.*", "graph.monitor.loss_guard.*"),
        (
            "tests/unit/risk/test_monitor_scenarios.py",
            "tests/unit/risk/test_mutation_killers.py",
            "tests/unit/risk/test_emergency_mutation_killers.py",
            "tests/integration/execution/test_halt_alpaca.py",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class MutmutBreak:
    """A must-kill break that mutmut generates itself, recognised by the line it changes."""

    name: str
    function: str
    """Glob over mutant names (``module.x_function__mutmut_*``)."""
    removed: str
    """Text of a line the mutant removes."""
    added: str
    """Text of the line it puts in its place."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One regex substitution in one file; the pattern must match exactly once."""

    path: str
    pattern: str
    replacement: str


@dataclass(frozen=True, slots=True)
class ExplicitBreak:
    """A must-kill break mutmut does not generate: edits on a copy, then the tests that catch it."""

    name: str
    edits: tuple[Edit, ...]
    tests: tuple[str, ...]


MUST_KILL_MUTMUT: tuple[MutmutBreak, ...] = (
    MutmutBreak(
        "daily-loss stop (gate) fires only below the limit instead of at it",
        "graph.risk.rules.account.x_daily_loss_limit__mutmut_*",
        "if check.equity <= floor:",
        "if check.equity < floor:",
    ),
    MutmutBreak(
        "daily-loss stop (monitor) fires only past the limit instead of at it",
        "graph.monitor.loss_guard.x_*__mutmut_*",
        "if loss >= limit:",
        "if loss > limit:",
    ),
    MutmutBreak(
        "LLM PM buys against research that disagrees (the research guard answers nothing)",
        "agents.portfolio_manager.llm_policy.x_consensus_guard__mutmut_*",
        'reason = f"entry_against_research',
        "reason = None",
    ),
    MutmutBreak(
        "LLM PM buys against research that disagrees (stance test inverted)",
        "agents.portfolio_manager.llm_policy.x_consensus_guard__mutmut_*",
        "research.stance is ResearchStance.DISAGREES",
        "research.stance is not ResearchStance.DISAGREES",
    ),
    MutmutBreak(
        "LLM PM buys against research that disagrees (guard skipped when research exists)",
        "agents.portfolio_manager.llm_policy.x_consensus_guard__mutmut_*",
        "elif research is not None and",
        "elif research is None and",
    ),
)

CYCLE_ROAD = "tests/integration/execution/test_cycle_road.py"
MUST_KILL_EXPLICIT: tuple[ExplicitBreak, ...] = (
    ExplicitBreak(
        "execute submits the requested quantity instead of the gate's approved quantity",
        (
            Edit(
                "graph/execution/road.py",
                r"(submit_exactly_once\(\s*intent,\s*)verdict\.approved_qty,",
                r"\1intent.qty,",
            ),
        ),
        (CYCLE_ROAD,),
    ),
    ExplicitBreak(
        "execute also submits vetoed verdicts (node filter and road check both removed)",
        (
            Edit(
                "graph/nodes/execute.py",
                r"approved = \[v for v in verdicts if v\.executable\]",
                "approved = verdicts",
            ),
            Edit("graph/execution/road.py", r"if not verdict\.executable:", "if False:"),
        ),
        (CYCLE_ROAD,),
    ),
    ExplicitBreak(
        "Alpaca's duplicate-client-order-id answer is treated as an ordinary timeout",
        (
            Edit(
                "tools/brokers/alpaca.py",
                r"raise DuplicateClientOrderIdError\(str\(exc\)\) from exc",
                "raise AmbiguousSubmissionError(str(exc)) from exc",
            ),
        ),
        ("tests/integration/brokers/test_alpaca_exactly_once.py",),
    ),
)

_ONE_OUTCOME_PER_REQUEST = "AccountDesk.send returns one outcome per request, so zip never trips"
_SIGN_IS_PLUS_OR_MINUS_ONE = "the side's sign (direction) is +1 or -1, never 0: same test"
_RULES_BOUND_BELOW_OPENING = "every rule returns None or a bound below the opening, never at it"
_ROLE_LABEL = "another role label, still distinct per role: ids stay deterministic and unique"
_EXIT_ID_NAMES_SYMBOL = (
    "the exit's decision id (reason:symbol:attempt) already names the symbol and never equals an "
    "entry's (thread:ticker), so the id stays unique per thread and attempt"
)
_GATE_NEVER_ABOVE_INTENT = (
    "the gate never approves above the intent's quantity, so a cap below the fresh approval is "
    "below the intent's quantity too: the APPROVED branch of _capped is unreachable"
)
_EXIT_AUDIT_DEFAULTS = (
    "only exits are retried, and exit_requests builds their decision context with the defaults "
    "(no analysts, model 'rules', no prompt hash): dropping one in the retry's copy changes nothing"
)
EQUIVALENT: dict[str, str] = {
    "graph.execution.road.x__capped__mutmut_3": (
        "at equality the copy recomputes the fresh verdict's own outcome at the same quantity"
    ),
    "graph.execution.road.x__capped__mutmut_14": _GATE_NEVER_ABOVE_INTENT,
    "graph.execution.road.x__capped__mutmut_16": _GATE_NEVER_ABOVE_INTENT,
    "graph.execution.road.xǁAccountDeskǁ_submit__mutmut_95": _EXIT_AUDIT_DEFAULTS,
    "graph.execution.road.xǁAccountDeskǁ_submit__mutmut_98": _EXIT_AUDIT_DEFAULTS,
    "graph.execution.road.xǁAccountDeskǁ_submit__mutmut_99": _EXIT_AUDIT_DEFAULTS,
    "graph.execution.road.xǁAccountDeskǁ_submit__mutmut_100": _EXIT_AUDIT_DEFAULTS,
    "graph.execution.exits.x_exit_attempt__mutmut_25": (
        "attempt numbers only have to grow: a gap in the numbering (n + 2) keeps every id fresh"
    ),
    "graph.execution.intents.x_decision_intent__mutmut_38": _ROLE_LABEL,
    "graph.execution.intents.x_decision_intent__mutmut_39": _ROLE_LABEL,
    "graph.execution.intents.x_decision_intent__mutmut_40": _ROLE_LABEL,
    "graph.execution.intents.x_decision_intent__mutmut_41": _ROLE_LABEL,
    "graph.execution.intents.x_exit_intent__mutmut_37": _EXIT_ID_NAMES_SYMBOL,
    "graph.execution.intents.x_exit_intent__mutmut_38": _EXIT_ID_NAMES_SYMBOL,
    "graph.execution.intents.x_exit_intent__mutmut_41": _EXIT_ID_NAMES_SYMBOL,
    "graph.execution.intents.x_exit_intent__mutmut_42": _EXIT_ID_NAMES_SYMBOL,
    "graph.execution.intents.x_exit_intent__mutmut_43": _EXIT_ID_NAMES_SYMBOL,
    "graph.execution.intents.x_exit_intent__mutmut_44": _EXIT_ID_NAMES_SYMBOL,
    "graph.monitor.exit_path.x_exit_through_road__mutmut_21": _ONE_OUTCOME_PER_REQUEST,
    "graph.monitor.exit_path.x_exit_through_road__mutmut_24": _ONE_OUTCOME_PER_REQUEST,
    "graph.monitor.exit_path.x_exit_through_road__mutmut_26": _ONE_OUTCOME_PER_REQUEST,
    "graph.risk.check.x_floor_to_step__mutmut_1": "a zero quantity floors to zero on either branch",
    "graph.risk.gate.x_qty_step__mutmut_7": "at min_order_qty 1 both branches return a step of 1",
    "graph.risk.gate.x__evaluate_one__mutmut_14": "held != 0 comes first: held >= 0 is held > 0",
    "graph.risk.gate.x__evaluate_one__mutmut_17": _SIGN_IS_PLUS_OR_MINUS_ONE,
    "graph.risk.gate.x__evaluate_one__mutmut_54": (
        "charging a zero exit sets a flat position to 0, which every reader treats as no position"
    ),
    "graph.risk.gate.x__judge_opening__mutmut_16": _SIGN_IS_PLUS_OR_MINUS_ONE,
    "graph.risk.gate.x__judge_opening__mutmut_17": _SIGN_IS_PLUS_OR_MINUS_ONE,
    "graph.risk.gate.x__judge_opening__mutmut_76": _RULES_BOUND_BELOW_OPENING,
    "graph.risk.rules.data.x_price_sanity__mutmut_12": (
        "the reference price is required, so only the last item (the limit) can be None"
    ),
    "graph.risk.rules.data.x_asset_tradable__mutmut_29": _SIGN_IS_PLUS_OR_MINUS_ONE,
    "graph.risk.rules.data.x_asset_tradable__mutmut_30": _SIGN_IS_PLUS_OR_MINUS_ONE,
    "graph.risk.rules.sizing.x_net_exposure__mutmut_6": _SIGN_IS_PLUS_OR_MINUS_ONE,
}
"""Surviving mutant id -> one-line reason it cannot change behaviour (reported, not counted)."""

# Run inside a fresh interpreter: mutmut reads its configuration once from pyproject.toml; a group
# swaps in its own test selection before running, then dumps every verdict with its diff.
_BOOTSTRAP = """
import dataclasses, json, sys
import mutmut.configuration as configuration
spec = json.loads(sys.argv[1])
configuration._config = dataclasses.replace(
    configuration.config(), pytest_add_cli_args_test_selection=spec["tests"]
)
from mutmut.__main__ import _run, collect_source_file_mutation_data, get_diff_for_mutant
from mutmut.stats import status_by_exit_code
_run(spec["mutants"], spec["max_children"])
found, _ = collect_source_file_mutation_data(mutant_names=spec["mutants"])
verdicts = {
    name: {
        "status": status_by_exit_code[data.exit_code_by_key[name]],
        "diff": get_diff_for_mutant(name, path=data.path),
    }
    for data, name, _ in found
}
with open(spec["out"], "w", encoding="utf-8") as out:
    json.dump(verdicts, out)
"""


@dataclass(slots=True)
class Verdicts:
    """What one group's run found: status and diff per mutant id."""

    by_mutant: dict[str, dict[str, str]] = field(default_factory=dict)

    def module_of(self, mutant: str) -> str:
        return re.split(r"\.x(?:_|ǁ)", mutant, maxsplit=1)[0]


def run_group(group: Group, *, max_children: int) -> Verdicts:
    out = ROOT / "mutants" / f"verdicts-{group.name}.json"
    out.parent.mkdir(exist_ok=True)
    spec = {
        "mutants": list(group.mutants),
        "tests": list(group.tests),
        "max_children": max_children,
        "out": str(out),
    }
    print(f"== {group.name}: mutmut run {' '.join(group.mutants)}", flush=True)
    print(f"   against {' '.join(group.tests)}", flush=True)
    log = ROOT / "mutants" / f"run-{group.name}.log"
    with log.open("w", encoding="utf-8") as sink:
        proc = subprocess.run(
            [sys.executable, "-c", _BOOTSTRAP, json.dumps(spec)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"mutmut failed for {group.name} (rc {proc.returncode}):\n{tail}")
    return Verdicts(json.loads(out.read_text(encoding="utf-8")))


def report_group(group: Group, verdicts: Verdicts) -> None:
    modules: dict[str, Counter[str]] = {}
    survivors: dict[str, list[str]] = {}
    for mutant, verdict in sorted(verdicts.by_mutant.items()):
        module = verdicts.module_of(mutant)
        modules.setdefault(module, Counter())[verdict["status"]] += 1
        if verdict["status"] not in KILLED:
            survivors.setdefault(module, []).append(mutant)
    for module, counts in sorted(modules.items()):
        total = sum(counts.values())
        killed = sum(counts[s] for s in KILLED)
        equivalent = sum(1 for m in survivors.get(module, []) if m in EQUIVALENT)
        rate = 100 * killed / total if total else 0.0
        others = ", ".join(f"{s} {n}" for s, n in sorted(counts.items()) if s not in KILLED)
        print(
            f"   {module}: killed {killed}/{total} ({rate:.1f} %)"
            + (f"; {others}" if others else "")
            + (f"; {equivalent} equivalent" if equivalent else "")
        )
        for mutant in survivors.get(module, []):
            status = verdicts.by_mutant[mutant]["status"]
            note = f"  [equivalent: {EQUIVALENT[mutant]}]" if mutant in EQUIVALENT else ""
            print(f"      {status}: {mutant}{note}")


def _diff_matches(diff: str, wanted: MutmutBreak) -> bool:
    lines = diff.splitlines()
    removed = any(
        line.startswith("-") and not line.startswith("---") and wanted.removed in line
        for line in lines
    )
    added = any(
        line.startswith("+") and not line.startswith("+++") and wanted.added in line
        for line in lines
    )
    return removed and added


def check_mutmut_breaks(verdicts: Verdicts, groups_run: list[Group]) -> list[str]:
    """Failures among the must-kill breaks whose mutants lie in a group that ran."""
    failures = []
    for wanted in MUST_KILL_MUTMUT:
        owner = [g for g in groups_run if any(_overlaps(wanted.function, p) for p in g.mutants)]
        if not owner:
            continue
        found = [
            m
            for m, v in sorted(verdicts.by_mutant.items())
            if fnmatch.fnmatch(m, wanted.function) and _diff_matches(v["diff"], wanted)
        ]
        if not found:
            failures.append(f"{wanted.name}: no mutmut mutant changes {wanted.removed!r}")
            print(f"   MISSING {wanted.name}")
            continue
        for mutant in found:
            status = verdicts.by_mutant[mutant]["status"]
            print(f"   {'killed ' if status in KILLED else 'SURVIVED'} {mutant}: {wanted.name}")
            if status not in KILLED:
                failures.append(f"{wanted.name}: {mutant} {status}")
    return failures


def _overlaps(function_glob: str, group_glob: str) -> bool:
    prefix = group_glob.rstrip("*")
    return function_glob.startswith(prefix)


def _copy_tree(into: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in (*PACKAGES, "tests"):
        shutil.copytree(ROOT / name, into / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", into / "pyproject.toml")


def _pytest(tree: Path, tests: tuple[str, ...]) -> int:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", *tests],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return proc.returncode


def _apply(tree: Path, edit: Edit) -> None:
    path = tree / edit.path
    source = path.read_text(encoding="utf-8")
    mutated, count = re.subn(edit.pattern, edit.replacement, source)
    if count != 1:
        raise LookupError(f"{edit.path}: {edit.pattern!r} matched {count} times, expected 1")
    path.write_text(mutated, encoding="utf-8")


def check_explicit_breaks() -> list[str]:
    """Apply each explicit break to a fresh copy; it is killed when its tests fail (rc 1)."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="hedgegraph-mutation-") as scratch:
        # tests read ../shared/data beside the checkout: the copies get the same neighbour
        (Path(scratch) / "shared").symlink_to(ROOT.parent / "shared", target_is_directory=True)
        clean = Path(scratch) / "clean"
        _copy_tree(clean)
        baseline = sorted({t for b in MUST_KILL_EXPLICIT for t in b.tests})
        rc = _pytest(clean, tuple(baseline))
        if rc != 0:
            return [f"the explicit breaks' tests fail on the unmutated tree (rc {rc})"]
        for index, wanted in enumerate(MUST_KILL_EXPLICIT):
            tree = Path(scratch) / f"break-{index}"
            shutil.copytree(clean, tree)
            try:
                for edit in wanted.edits:
                    _apply(tree, edit)
            except LookupError as exc:
                failures.append(f"{wanted.name}: {exc}")
                print(f"   MISSING {wanted.name}: {exc}")
                continue
            rc = _pytest(tree, wanted.tests)
            killed = rc == 1
            verdict = "killed " if killed else "SURVIVED"
            print(f"   {verdict} explicit: {wanted.name} (pytest rc {rc})")
            if not killed:
                failures.append(f"{wanted.name}: pytest rc {rc}")
            shutil.rmtree(tree, ignore_errors=True)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", choices=[g.name for g in GROUPS])
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument("--skip-explicit", action="store_true")
    parser.add_argument("--explicit-only", action="store_true")
    parser.add_argument(
        "--only", action="append", help="mutant-name glob: run only these mutants of each group"
    )
    args = parser.parse_args(argv)
    chosen = [g for g in GROUPS if not args.group or g.name in args.group]
    if args.only:
        chosen = [replace(g, mutants=tuple(args.only)) for g in chosen]
    failures: list[str] = []
    if not args.explicit_only:
        # mutmut keeps mutated copies by file time; a fresh folder never mixes two layouts
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        merged = Verdicts()
        for group in chosen:
            verdicts = run_group(group, max_children=args.max_children)
            report_group(group, verdicts)
            merged.by_mutant.update(verdicts.by_mutant)
        print("== must-kill (mutmut's own mutants)")
        failures += check_mutmut_breaks(merged, chosen)
    if not args.skip_explicit:
        print("== must-kill (explicit breaks on a copy of the tree)")
        failures += check_explicit_breaks()
    if failures:
        print("MUST-KILL FAILURES:")
        for failure in failures:
            print(f"   {failure}")
        return 1
    print("every must-kill mutant was killed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
