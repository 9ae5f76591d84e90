"""``hedgegraph backtest`` from the command line: the golden run's files and JSON, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "backtest" / "golden"
runner = CliRunner()

GOLDEN_ARGS = [
    "backtest",
    "--tickers",
    "gold",
    "--start",
    "2022-03-02",
    "--end",
    "2022-03-03",
    "--data",
    str(GOLDEN),
    "--analysts",
    "technicals",
    "--mode",
    "signal",
    "--commission-per-share",
    "0.01",
    "--slippage-bps",
    "5",
    "--benchmark",
    "",
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEDGEGRAPH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("THRESHOLDS__MIN_ANALYST_COVERAGE", "1")
    monkeypatch.setenv("RISK__MAX_POSITION_PCT", "0.01")
    monkeypatch.setenv("RISK__VOLATILITY_TARGET_DAILY_PCT", "1.0")
    return tmp_path / "home"


def test_json_and_result_files(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, [*GOLDEN_ARGS, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # The golden run (see test_golden.py): one entry, one gapped stop-loss, flat at 99 712.2965.
    assert payload["summary"]["final_equity"] == "99712.2965"
    assert payload["summary"]["commissions_paid"] == "0.14"
    assert [(t["side"], t["price"], t["reason"]) for t in payload["trades"]] == [
        ("buy", "101.0505", "open"),
        ("sell", "59.9700", "stop_loss"),
    ]
    assert json.loads((out / "summary.json").read_text()) == payload["summary"]
    with (out / "equity.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["date"], r["equity"]) for r in rows] == [
        ("2022-03-02", "100080.0765"),
        ("2022-03-03", "99712.2965"),
    ]
    with (out / "trades.csv").open() as handle:
        trades = list(csv.DictReader(handle))
    assert [t["decision_id"] for t in trades] == ["backtest-2022-03-02:GOLD"] * 2
    assert (out / "equity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The backtest's store is its own: the home's ledger and paper account were never created.
    assert not (home / "paper_broker.sqlite").exists()
    assert not (home / "hedgegraph.sqlite").exists()


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--start", "2022-13-01"], "--start"),
        (["--end", "2022-03-01"], "--end"),
        (["--analysts", "nobody"], "analysts"),
        (["--tickers", "NOPE"], "NOPE"),
        (["--commission-per-share", "-1"], "--commission-per-share"),
        (["--slippage-bps", "900"], "--slippage-bps"),
        (["--data", "/does/not/exist"], "--data"),
        (["--mode", "sideways"], "--mode"),
    ],
)
def test_bad_input_exits_2_naming_the_option(home: Path, args: list[str], names: str) -> None:
    argv = list(GOLDEN_ARGS)
    for flag, value in zip(args[::2], args[1::2], strict=True):
        argv[argv.index(flag) + 1] = value
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert names in result.output
    assert "Traceback" not in result.output


def test_without_the_backtest_extra_it_stops_before_running(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "empyrical", None)  # how Python marks a missing package
    result = runner.invoke(app, [*GOLDEN_ARGS, "--json"])
    assert result.exit_code == 2, result.output
    assert "pip install 'hedgegraph[backtest]'" in result.output
    assert "not installed: empyrical" in result.output
    assert not (home / "backtests").exists(), "nothing ran"
