"""Two scheduler processes, one slot: exactly one run, counted at the broker.

Embedded: two processes on one HEDGEGRAPH_HOME (file leases, one SQLite ledger). Production
shape: the same with REDIS_URL set, so the lease is the Redis one (no file lease folder is made).
Either way, the slot record makes a third, later process skip the slot too.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from graph.schedule.leases import RedisJobLeases
from tests.integration.schedule.scheduler_processes import (
    SLOT,
    broker_orders,
    finish,
    start_scheduler,
)
from tools.persistence.schedule_records import JobSlotStore
from tools.persistence.sql_ledger import SqlLedger


def _two_at_once(home: Path, **extra: str) -> list[dict[str, str]]:
    args = ("--once", "--job", "trading_cycle", "--at", SLOT, "--json")
    procs = [start_scheduler(home, *args, **extra) for _ in range(2)]
    slots: list[dict[str, str]] = []
    for proc in procs:
        code, out, err = finish(proc)
        assert code == 0, err[-3000:]
        slots.extend(json.loads(out)["slots"])
    return slots


def _check_once(home: Path, slots: list[dict[str, str]], **extra: str) -> None:
    outcomes = sorted(s["outcome"] for s in slots)
    assert outcomes[0] == "ran", slots
    assert outcomes[1] in ("skipped_already_ran", "skipped_overlap"), slots
    orders = broker_orders(home)
    assert len(orders) == 1, orders  # the slot's one approved entry, submitted once

    code, out, err = finish(
        start_scheduler(home, "--once", "--job", "trading_cycle", "--at", SLOT, "--json", **extra)
    )
    assert code == 0, err[-3000:]
    assert [s["outcome"] for s in json.loads(out)["slots"]] == ["skipped_already_ran"]
    assert broker_orders(home) == orders

    ledger = SqlLedger.from_url(f"sqlite:///{home / 'hedgegraph.sqlite'}")
    try:
        rows = JobSlotStore(ledger.store).for_job("trading_cycle")
        assert [(r.slot_at, r.state) for r in rows] == [(datetime.fromisoformat(SLOT), "done")]
        assert "1 order(s)" in rows[0].note
    finally:
        ledger.close()


def test_two_embedded_processes_on_one_home_run_the_slot_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    slots = _two_at_once(home)
    _check_once(home, slots)
    assert (home / "schedule" / "leases").is_dir()  # the file leases were the ones used


def test_two_processes_over_one_redis_run_the_slot_once(tmp_path: Path, redis_url: str) -> None:
    home = tmp_path / "home"
    slots = _two_at_once(home, REDIS_URL=redis_url)
    _check_once(home, slots, REDIS_URL=redis_url)
    assert not (home / "schedule" / "leases").exists()  # Redis leases, not the file ones


def test_a_redis_lease_is_held_by_one_process_at_a_time(redis_url: str) -> None:
    first, second = (RedisJobLeases(redis_url, ttl_seconds=30) for _ in range(2))
    try:
        with first.hold("trading_cycle") as held:
            assert held
            with second.hold("trading_cycle") as also:
                assert not also
            with second.hold("position_monitor") as other_job:
                assert other_job
        with second.hold("trading_cycle") as after_release:
            assert after_release
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("jobs", [("trading_cycle",)])
def test_file_leases_exclude_each_other(tmp_path: Path, jobs: tuple[str, ...]) -> None:
    from graph.schedule.leases import FileJobLeases

    a, b = FileJobLeases(tmp_path), FileJobLeases(tmp_path)
    with a.hold(jobs[0]) as held, b.hold(jobs[0]) as also:
        assert held and not also
