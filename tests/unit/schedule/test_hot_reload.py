"""Config hot reload at the next job: an invalid file is refused (alert naming the key) and the old
settings keep working; a valid change is applied by the next slot and audited with its diff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from graph.schedule.context import JobContext
from graph.schedule.hot_reload import ConfigWatcher
from graph.schedule.jobs import JobName
from graph.schedule.leases import FileJobLeases
from graph.schedule.slots import SlotOutcome, SlotRunner
from tools.clock import FixedClock
from tools.persistence.schedule_records import ConfigChangeStore
from tools.persistence.sql_ledger import SqlLedger

AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "trading_config.yaml").write_text(
        "schedule:\n  position_monitor_interval_seconds: 60\n"
    )
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(folder))
    monkeypatch.chdir(tmp_path)  # no .env
    yield folder


def _settings(tmp_path: Path) -> Settings:
    return load_settings(hedgegraph_home=tmp_path / "home")


class SettingsSeen:
    """A job body that notes the settings the runner handed it."""

    def __init__(self) -> None:
        self.seen: list[Settings] = []

    async def __call__(self, job: JobContext) -> str:
        self.seen.append(job.settings)
        return "noted"


async def test_invalid_then_valid_reload_at_the_next_job(tmp_path: Path, config_dir: Path) -> None:
    settings = _settings(tmp_path)
    watcher = ConfigWatcher(settings, loader=lambda: _settings(tmp_path), config_dir=config_dir)
    body = SettingsSeen()
    runner = SlotRunner(
        watcher,
        clock=FixedClock(AT),
        leases=FileJobLeases(tmp_path / "leases"),
        bodies={JobName.RETENTION: body},
    )

    (config_dir / "trading_config.yaml").write_text(
        "schedule:\n  position_monitor_interval_seconds: 2\n"  # below its minimum of 5
    )
    first = await runner.run(JobName.RETENTION, AT)
    assert first.outcome is SlotOutcome.RAN
    assert body.seen[-1].schedule.position_monitor_interval_seconds == 60  # old one in force

    (config_dir / "trading_config.yaml").write_text(
        "schedule:\n  position_monitor_interval_seconds: 120\n"
    )
    second = await runner.run(JobName.RETENTION, AT.replace(day=25))
    assert second.outcome is SlotOutcome.RAN
    assert body.seen[-1].schedule.position_monitor_interval_seconds == 120  # applied

    ledger = SqlLedger.from_url(settings.effective_database_url)
    try:
        alerts = ledger.alerts.recent()
        rejected = [a for a in alerts if a.title == "config reload rejected"]
        assert len(rejected) == 1
        assert "position_monitor_interval_seconds" in rejected[0].message
        changes = ConfigChangeStore(ledger.store).recent()
        assert [c.diff for c in changes] == [
            {"schedule.position_monitor_interval_seconds": {"old": 60, "new": 120}}
        ]
    finally:
        ledger.close()


async def test_an_unchanged_file_is_not_reloaded(tmp_path: Path, config_dir: Path) -> None:
    calls: list[int] = []

    def loader() -> Settings:
        calls.append(1)
        return _settings(tmp_path)

    settings = _settings(tmp_path)
    watcher = ConfigWatcher(settings, loader=loader, config_dir=config_dir)
    ledger = SqlLedger.from_url(settings.effective_database_url)
    try:
        from tools.alerts.dispatcher import AlertDispatcher

        alerts = AlertDispatcher([], clock=FixedClock(AT), journal=ledger.alerts)
        assert watcher.refresh(now=AT, ledger=ledger, alerts=alerts) is settings
        assert calls == []
    finally:
        ledger.close()
