"""The CLI on a real terminal (a pseudo-terminal) and the operator tables at 80 and 160 columns.

Why a pty: the spinner exists only when stderr is a terminal; a pipe (cron, CI) gets plain lines.
Both faces are checked here with the real program as a subprocess on a fresh home.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli import AS_OF, TICKERS, clean_env, cli

pytestmark = pytest.mark.e2e

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # rich's "dots"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def _on_a_terminal(home: Path, *args: str, columns: str) -> tuple[int, str]:
    """Run ``hedgegraph ARGS`` with stdout and stderr on a pty; returns (status, what it drew)."""
    primary, secondary = pty.openpty()
    workdir = home.parent / f"{home.name}-tty"
    workdir.mkdir(parents=True, exist_ok=True)
    env = clean_env(home, COLUMNS=columns, TERM="xterm-256color")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", *args],
        stdin=secondary, stdout=secondary, stderr=secondary, env=env, cwd=workdir,
    )  # fmt: skip
    os.close(secondary)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([primary], [], [], 120)
        if not ready:
            proc.kill()
            raise AssertionError("the CLI drew nothing for 120 s")
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_a_terminal_gets_a_spinner_and_every_progress_line(tmp_path: Path) -> None:
    status, drawn = _on_a_terminal(
        tmp_path / "home", "run", "--tickers", "AAPL,MSFT", "--as-of", AS_OF, columns="80"
    )
    assert status == 0, drawn[-2000:]
    assert any(frame in drawn for frame in SPINNER_FRAMES), "no spinner on a terminal"
    assert "running " in drawn, "the spinner names the running step"
    plain = ANSI.sub("", drawn)
    assert re.search(r"risk_gate\s+\d+\.\d\d s", plain)
    for part in ("data: offline (synthetic)", "broker: paper (local)", "LLM: rules-only"):
        assert part in plain


def test_a_pipe_gets_no_spinner(tmp_path: Path) -> None:
    proc = cli(tmp_path / "home", "run", "--tickers", "AAPL,MSFT", "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    assert not any(frame in proc.stderr for frame in SPINNER_FRAMES)
    assert "\x1b[" not in proc.stderr, "no cursor control in a log file"


@pytest.mark.parametrize("columns", ["80", "160"])
def test_orders_and_history_fit_and_keep_ids_whole(tmp_path: Path, columns: str) -> None:
    home = tmp_path / "home"
    run = cli(home, "run", "--tickers", TICKERS, "--as-of", AS_OF, "--json")
    assert run.returncode == 0, run.stderr
    booked = json.loads(cli(home, "orders", "--replay", AS_OF, "--json").stdout)
    assert booked, "precondition: the replay placed an order"
    for view in ("orders", "history"):
        table = cli(home, view, "--replay", AS_OF, COLUMNS=columns)
        assert table.returncode == 0, table.stderr
        lines = table.stdout.splitlines()
        assert max(len(line) for line in lines) <= int(columns), table.stdout
        assert "…" not in table.stdout
        for order in booked:
            if view == "history" and not order["filled_qty"]:
                continue
            assert any(order["decision_id"] in line for line in lines), (
                "the decision id is whole on one line",
                order["decision_id"],
                table.stdout,
            )
            assert order["symbol"] in table.stdout
