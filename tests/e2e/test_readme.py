"""The README's command blocks, walked in order on a fresh home: the README cannot drift.

Every ``sh`` block after "Two commands" is run line by line as a user would type it (``make demo``
becomes the Makefile's demo command; ``export`` sets the variable for the following lines). Each
command must be one this test knows, with its expected exit status and a piece of its output.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.e2e.test_cli import REPO, cli

pytestmark = pytest.mark.e2e

DEMO = ["run", "--tickers", "AAPL,MSFT,NVDA", "--as-of", "2025-09-15T15:00:00"]

EXPECTED: dict[str, tuple[int, str]] = {
    "run --tickers AAPL,MSFT,NVDA": (0, "AAPL"),
    "status --replay": (0, "AAPL"),
    "history --replay": (0, "AAPL"),
    "run --tickers AAPL,MSFT --as-of": (0, '"thread_id"'),
    "run --session supervised": (0, "awaiting approval"),
    "threads --pending": (0, "t1"),
    "approve --thread t1": (0, "completed"),
    "audit --thread t1": (0, "thread t1"),
    "run --thread t1": (0, "cycle t1"),
    "status": (0, "trading ACTIVE"),
    "positions": (0, "positions"),
    "orders": (0, "no orders"),
    "halt": (0, "HALTED"),
    "reduce-only": (0, "HALTED"),
    "resume-trading": (0, "ACTIVE"),
    "monitor-once": (0, "daily loss"),
    "alerts": (0, "emergency stop"),
    "watchlist add": (0, "watching TSLA"),
    "analysts": (0, "warren_buffett"),
    "strategies": (0, "momentum"),
    "config show": (0, "risk.max_position_pct"),
    "config check": (0, "configuration OK"),
    "db current": (0, "application store"),
    "--version": (0, "hedgegraph"),
}


def _blocks(readme: str) -> list[list[str]]:
    after = readme[readme.index("## Two commands") :]
    return [block.splitlines() for block in re.findall(r"```sh\n(.*?)```", after, re.S)]


def _expected(args: list[str]) -> tuple[int, str]:
    line = " ".join(args)
    for prefix in sorted(EXPECTED, key=len, reverse=True):
        if line == prefix or line.startswith(prefix + " "):
            return EXPECTED[prefix]
    raise AssertionError(f"the README runs a command this test does not know: {line}")


def test_readme_commands_run_in_order_on_a_fresh_home(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    checkout = tmp_path / "checkout"  # plays the user's clone: $PWD for the README's lines
    checkout.mkdir()
    env: dict[str, str] = {}
    home = tmp_path / "default-home" / ".hedgegraph"  # what the CLI would use unexported
    walked = 0
    for block in _blocks(readme):
        for raw in block:
            line = raw.split(" #", 1)[0].strip()
            if not line or line == "make test":
                continue
            if line.startswith("export "):
                name, value = line.removeprefix("export ").split("=", 1)
                env[name] = value.replace("$PWD", str(checkout))
                continue
            if line == "make demo":
                args = DEMO
                home_used = checkout / ".hedgegraph"  # the Makefile's HEDGEGRAPH_HOME
            else:
                parts = shlex.split(line)
                assert parts[0] == ".venv/bin/hedgegraph", line
                args = parts[1:]
                home_used = Path(env.get("HEDGEGRAPH_HOME", str(home)))
            code, needle = _expected(args)
            proc = cli(home_used, *args, cwd=checkout)
            assert proc.returncode == code, (line, proc.stdout, proc.stderr)
            assert needle in proc.stdout, (line, proc.stdout)
            walked += 1
    assert walked >= 20
