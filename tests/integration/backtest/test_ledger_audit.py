"""The backtest's ledger holds every session's decision audit when the run ends, or stops.

Why: the backtest keeps the decision audit in memory and writes it once (``BacktestLedger``);
what is left in its store must still be the audit of every decision of every session that ran,
each with its gate outcome, also when the run stops half-way.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from graph.backtest import BacktestConfig, SessionRecord, run_backtest
from graph.backtest.store import LEDGER_FILE
from tools.persistence.sql_ledger import SqlLedger

PRICES_TICKERS = ("AAPL", "MSFT", "NVDA", "TSLA")


def _config(shared_data: Path) -> BacktestConfig:
    return BacktestConfig(
        tickers=PRICES_TICKERS,
        start=date(2022, 1, 3),
        end=date(2022, 1, 21),
        data_dir=shared_data / "prices",
        analysts=("technicals",),
        mode="signal",
        initial_cash=Decimal(100_000),
        benchmark=None,
    )


def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THRESHOLDS__MIN_ANALYST_COVERAGE", "1")
    return load_settings(hedgegraph_home=tmp_path / "home")


def _stored(store: Path, sessions: list[SessionRecord]) -> list[list[tuple[str, str, str]]]:
    ledger = SqlLedger.from_url(f"sqlite:///{store / LEDGER_FILE}")
    try:
        return [
            [
                (r.decision_id, str(r.action), str(r.gate_outcome))
                for r in ledger.decisions_for_thread(s.thread_id)
            ]
            for s in sessions
        ]
    finally:
        ledger.close()


def _decided(sessions: list[SessionRecord]) -> list[list[tuple[str, str, str]]]:
    out = []
    for s in sessions:
        outcome = {v.intent.decision_id: str(v.outcome) for v in s.gate_verdicts}
        out.append(
            sorted(
                (d.decision_id, str(d.action), outcome.get(d.decision_id, "None"))
                for d in s.decisions
            )
        )
    return out


async def test_every_decision_is_in_the_ledger_after_the_run(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    result = await run_backtest(_config(shared_data), _settings(tmp_path, monkeypatch), store=store)
    sessions = list(result.sessions)
    assert sum(len(s.decisions) for s in sessions) >= 10, "precondition: decisions to audit"
    assert any(s.gate_verdicts for s in sessions), "precondition: gate outcomes to audit"
    assert [sorted(rows) for rows in _stored(store, sessions)] == _decided(sessions)


async def test_a_run_that_stops_leaves_the_audit_of_the_sessions_it_ran(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    ran: list[SessionRecord] = []

    def stop_after_three(done: int, _total: int, record: SessionRecord) -> None:
        ran.append(record)
        if done == 3:
            raise KeyboardInterrupt  # what a Ctrl-C at the progress bar raises

    with pytest.raises(KeyboardInterrupt):
        await run_backtest(
            _config(shared_data),
            _settings(tmp_path, monkeypatch),
            store=store,
            on_session=stop_after_three,
        )
    assert len(ran) == 3 and any(s.decisions for s in ran), "precondition"
    assert [sorted(rows) for rows in _stored(store, ran)] == _decided(ran)


async def test_a_named_store_keeps_the_equity_points_the_gate_observed(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    result = await run_backtest(_config(shared_data), _settings(tmp_path, monkeypatch), store=store)
    ledger = SqlLedger.from_url(f"sqlite:///{store / LEDGER_FILE}")
    try:
        points = ledger.performance_between(
            result.sessions[0].decided_at, result.sessions[-1].decided_at
        )
    finally:
        ledger.close()
    # one point per session the gate ran (a session without an order intent skips the gate)
    assert points and len(points) == len({p.as_of for p in points})
    assert {p.as_of for p in points} <= {s.decided_at for s in result.sessions}


def test_a_throwaway_ledger_answers_during_the_run_and_writes_nothing(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from graph.backtest.store import open_backtest_ledger
    from tools.persistence.records import PerformanceSnapshot

    at = datetime(2022, 1, 3, 14, 30, tzinfo=UTC)
    point = PerformanceSnapshot(
        as_of=at,
        equity=Decimal(100_000),
        cash=Decimal(100_000),
        gross_exposure=Decimal(0),
        net_exposure=Decimal(0),
        drawdown_pct=0.0,
    )
    for throwaway in (True, False):
        home = tmp_path / f"throwaway-{throwaway}"
        home.mkdir()
        ledger = open_backtest_ledger(home, throwaway=throwaway)
        assert ledger.record_performance(point) is True
        assert ledger.record_performance(point) is False  # a second point at the same instant
        assert [p.as_of for p in ledger.performance_between(at, at)] == [at]
        ledger.record_performance(point.model_copy(update={"as_of": at.replace(hour=15)}))
        ledger.close()
        reopened = SqlLedger.from_url(f"sqlite:///{home / LEDGER_FILE}")
        try:
            stored = reopened.performance_between(at, at.replace(hour=16))
        finally:
            reopened.close()
        # the point read during the run was written then; the throwaway run's later one never
        assert len(stored) == (1 if throwaway else 2), throwaway
