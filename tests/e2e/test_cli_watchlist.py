"""``hedgegraph watchlist``: add, list, remove on a fresh home, as real subprocesses.

What a second process reads is what the first wrote: each command is its own process on the same
``HEDGEGRAPH_HOME``, so the entries come from the ledger, not from memory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import cli

pytestmark = pytest.mark.e2e


def _watched(home: Path) -> list[dict[str, object]]:
    proc = cli(home, "watchlist", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_watchlist_add_list_remove(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _watched(home) == []
    added = cli(home, "watchlist", "add", "aapl", "--note", "earnings on the 30th")
    assert added.returncode == 0, added.stderr
    assert "watching AAPL" in added.stdout
    assert cli(home, "watchlist", "add", "MSFT").returncode == 0
    assert cli(home, "watchlist", "add", "AAPL").returncode == 0, "adding twice is fine"
    rows = _watched(home)
    assert [(r["symbol"], r["notes"]) for r in rows] == [
        ("AAPL", "earnings on the 30th"),
        ("MSFT", ""),
    ]
    table = cli(home, "watchlist", COLUMNS="80")
    assert table.returncode == 0 and "earnings on the 30th" in table.stdout

    removed = cli(home, "watchlist", "remove", "aapl", "--json")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["status"] == "removed"
    assert [r["symbol"] for r in _watched(home)] == ["MSFT"]


def test_bad_and_unwatched_symbols_exit_2_with_a_reason(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad = cli(home, "watchlist", "add", "AAPL;rm")
    assert bad.returncode == 2 and "invalid ticker" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = cli(home, "watchlist", "remove", "TSLA")
    assert missing.returncode == 2 and "TSLA is not on the watchlist" in missing.stderr
    assert _watched(home) == []
