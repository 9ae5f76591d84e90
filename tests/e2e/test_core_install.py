"""The README's main job on a core install: no extra (LLM SDKs, Alpaca, Postgres, Redis, serve).

Each command runs in a fresh interpreter where every extra's modules are missing, the way Python
treats an uninstalled package (``sys.modules[name] = None``), so a stray import of one fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config.extras import EXTRAS
from tests.e2e.test_cli import clean_env

pytestmark = pytest.mark.e2e

HIDDEN = sorted(m for modules in EXTRAS.values() for m in modules)
AS_OF = "2025-09-15T15:00:00"


def _core_cli(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import runpy, sys\n"
        f"for name in {HIDDEN!r}:\n"
        "    sys.modules[name] = None\n"
        f"sys.argv = ['hedgegraph', *{list(args)!r}]\n"
        "runpy.run_module('api.cli', run_name='__main__')\n"
    )
    workdir = home.parent / "core-cwd"
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(home, **extra),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=workdir,
    )


def test_the_demo_cycle_and_the_operator_views_need_no_extra(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = _core_cli(home, "run", "--tickers", "AAPL,MSFT,NVDA", "--as-of", AS_OF)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "LLM: rules-only" in run.stdout
    for view in (["status", "--replay", AS_OF], ["history", "--replay", AS_OF], ["halt", "--yes"]):
        proc = _core_cli(home, *view)
        assert proc.returncode == 0, (view, proc.stderr[-3000:])


def test_selecting_a_missing_extra_is_a_clear_start_up_error(tmp_path: Path) -> None:
    proc = _core_cli(
        tmp_path / "home",
        "run",
        "--tickers",
        "AAPL",
        "--as-of",
        AS_OF,
        LLM_PROVIDER="openai",
        OPENAI_API_KEY="sk-test",
    )
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "pip install 'hedgegraph[llm]'" in proc.stderr
    assert "Traceback" not in proc.stderr
