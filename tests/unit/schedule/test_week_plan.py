"""A whole week on the exchange's calendar: Thanksgiving 2026 (closed) and the early close after it.

The plan is asked of the same triggers the daemon hands to APScheduler, on a fake clock (no wall
time is read): each job fires exactly at the listed New York times, nothing trades outside the
session, and an unreadable clock means closed, with an alert.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.sections import ScheduleConfig
from domain import EventSeverity
from graph.schedule.jobs import JobName, job_specs, planned_fires
from graph.schedule.session import MarketSession
from graph.schedule.triggers import SessionCronTrigger, SessionRule, cron_weekdays
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import BrokerError
from tools.clock import FixedClock
from tools.market_data.sessions import SessionTable

NY = ZoneInfo("America/New_York")
WEEK_START = datetime(2026, 11, 23, tzinfo=NY)  # Monday
WEEK_END = WEEK_START + timedelta(days=7)
SESSION_DAYS = (23, 24, 25, 27)  # Thursday 26 is Thanksgiving; Friday 27 closes at 13:00


def _ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NY).astimezone(UTC)


class RecordingSink:
    """An alert sink that keeps what it is given (the dispatcher is the real one)."""

    name = "recording"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.alerts.append(alert)


def _week(config: ScheduleConfig) -> dict[JobName, list[datetime]]:
    fires: dict[JobName, list[datetime]] = {name: [] for name in JobName}
    for at, name in planned_fires(job_specs(config, MarketSession()), WEEK_START, WEEK_END):
        fires[name].append(at)
    return fires


def test_the_thanksgiving_week_fires_exactly_the_expected_jobs() -> None:
    fires = _week(ScheduleConfig(position_monitor_interval_seconds=1800))

    assert fires[JobName.TRADING_CYCLE] == [_ny(d, 9, 35) for d in SESSION_DAYS]
    assert fires[JobName.HEALTH_CHECK] == [_ny(d, 9) for d in SESSION_DAYS]
    assert fires[JobName.RECONCILE] == [t for d in SESSION_DAYS for t in (_ny(d, 8), _ny(d, 17))]
    # the report follows each close: 16:00 on full days, 13:00 on the day after Thanksgiving
    assert fires[JobName.EOD_REPORT] == [_ny(d, 16, 10) for d in (23, 24, 25)] + [_ny(27, 13, 10)]
    assert fires[JobName.RETENTION] == [_ny(d, 2, 30) for d in range(23, 30)]
    full_day = [_ny(d, 9, 30) + timedelta(minutes=30 * k) for d in (23, 24, 25) for k in range(13)]
    early_close = [_ny(27, 9, 30) + timedelta(minutes=30 * k) for k in range(7)]  # last 12:30
    assert fires[JobName.POSITION_MONITOR] == full_day + early_close


def test_switched_off_jobs_never_fire() -> None:
    fires = _week(ScheduleConfig(trading_cycle_enabled=False, position_monitor_enabled=False))
    assert fires[JobName.TRADING_CYCLE] == [] and fires[JobName.POSITION_MONITOR] == []
    assert fires[JobName.HEALTH_CHECK]


@pytest.mark.parametrize(
    ("cron", "expected_days"),
    [
        ("35 9 * * 1-5", SESSION_DAYS),
        ("30 14 * * 1-5", (23, 24, 25)),  # after Friday's 13:00 early close: no cycle
        ("0 8 * * 1-5", ()),  # before the open: never trades
        ("0 18 * * *", ()),  # after the close, any day: never trades
        ("0 12 * * 6,0", ()),  # weekends: never trades
    ],
)
def test_nothing_trades_outside_the_session(cron: str, expected_days: tuple[int, ...]) -> None:
    fires = _week(ScheduleConfig(trading_cycle_cron=cron))[JobName.TRADING_CYCLE]
    assert [f.astimezone(NY).day for f in fires] == list(expected_days)
    for at in fires:
        assert MarketSession().open_at(at).is_open


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("6,0", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("mon-wed", "mon,tue,wed"),
        ("*", "*"),
    ],
)
def test_crontab_weekdays_keep_their_crontab_meaning(field: str, names: str) -> None:
    assert cron_weekdays(field) == names


def test_a_backwards_weekday_range_is_refused() -> None:
    with pytest.raises(ValueError, match="backwards"):
        cron_weekdays("5-1")


def test_a_bad_cron_is_refused_naming_the_key() -> None:
    with pytest.raises(ValueError, match="trading_cycle_cron"):
        ScheduleConfig(trading_cycle_cron="every morning")
    with pytest.raises(ValueError, match="timezone"):
        ScheduleConfig(timezone="Mars/Olympus")


def _unreadable_calendar() -> SessionTable:
    raise OSError("xnys_sessions.csv.gz: permission denied")


class DeadClockBroker:
    """A broker whose clock endpoint fails (the MarketClock capability, failing)."""

    def market_open(self) -> bool:
        raise BrokerError("GET /v2/clock: 503")


def test_an_unreadable_clock_means_closed_with_an_alert() -> None:
    sink = RecordingSink()
    at = _ny(24, 11)  # a normal session hour: only the failure makes it closed
    alerts = AlertDispatcher([sink], clock=FixedClock(at))
    session = MarketSession(calendar=_unreadable_calendar, broker=DeadClockBroker(), alerts=alerts)  # type: ignore[arg-type]

    answer = session.open_at(at, ask_broker=True)

    assert (answer.is_open, answer.source) == (False, "unreadable")
    assert "503" in (answer.problem or "") and "permission denied" in (answer.problem or "")
    assert [a.severity for a in sink.alerts] == [EventSeverity.ERROR]
    assert "treated as closed" in sink.alerts[0].title


def test_a_dead_broker_clock_falls_back_to_the_exchange_calendar() -> None:
    session = MarketSession(broker=DeadClockBroker())  # type: ignore[arg-type]
    assert session.open_at(_ny(24, 11), ask_broker=True).source == "exchange_calendar"
    assert session.open_at(_ny(24, 11), ask_broker=True).is_open
    assert not session.open_at(_ny(26, 11), ask_broker=True).is_open  # Thanksgiving


def test_an_unreadable_calendar_schedules_no_trading_at_all() -> None:
    session = MarketSession(calendar=_unreadable_calendar)
    trigger = SessionCronTrigger(
        "35 9 * * 1-5", timezone="America/New_York", session=session, rule=SessionRule.MARKET_OPEN
    )
    assert trigger.fires_between(WEEK_START, WEEK_END) == []
