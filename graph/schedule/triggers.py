"""APScheduler triggers that know the exchange's sessions: holidays skipped, early closes honoured.

Why triggers and not checks inside each job: the fire times themselves are then the plan. The
daemon, ``hedgegraph scheduler --list`` and the fake-clock week test ask the same objects for
the same times, so what the list prints is what will run. Each trigger is a pure function of
time and the calendar: ``first_at_or_after`` is the whole idea, APScheduler's
``get_next_fire_time`` is derived from it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from graph.schedule.session import MarketSession

__all__ = [
    "AfterCloseTrigger",
    "InSessionIntervalTrigger",
    "SessionCronTrigger",
    "SessionRule",
    "SlotTrigger",
    "cron_weekdays",
]

_TICK = timedelta(microseconds=1)
_MAX_CANDIDATES = 5000
"""A cron that never meets its session rule (``0 3 * * *`` with ``market_open``) gives up here."""


class SessionRule(StrEnum):
    ANY_DAY = "any_day"
    """Every fire time of the cron (retention)."""
    SESSION_DAY = "session_day"
    """Only on exchange session days (health check, reconciliation): holidays are skipped."""
    MARKET_OPEN = "market_open"
    """Only while the regular session is open (the trading cycle): an early close ends it."""


class SlotTrigger(BaseTrigger):
    """A trigger whose fire times are slots: ``first_at_or_after`` defines them all."""

    __slots__ = ()

    def first_at_or_after(self, at: datetime) -> datetime | None:
        raise NotImplementedError

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        start = previous_fire_time + _TICK if previous_fire_time is not None else now
        return self.first_at_or_after(start)

    def fires_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Every slot with ``start <= slot < end`` (UTC)."""
        out: list[datetime] = []
        at = self.first_at_or_after(start)
        while at is not None and at < end:
            out.append(at)
            at = self.first_at_or_after(at + _TICK)
        return out

    def latest_at_or_before(self, at: datetime, *, lookback: timedelta) -> datetime | None:
        """The newest slot in ``(at - lookback, at]``: the one a run at ``at`` belongs to."""
        slots = self.fires_between(at - lookback + _TICK, at + _TICK)
        return slots[-1] if slots else None


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_weekdays(field: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday, 1 = Monday) as APScheduler day names.

    Why: APScheduler's own numbers start at Monday = 0, so ``1-5`` handed over as is would mean
    Tuesday to Saturday, and every Monday's trading cycle would silently never fire.
    """
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for token in field.split(","):
        span, _, step_text = token.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            a, b = span.split("-")
            first, last = _day_number(a), _day_number(b)
        else:
            first = last = _day_number(span)
            if step_text:
                last = 6
        if last < first:
            raise ValueError(f"day-of-week range {token!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


def _day_number(text: str) -> int:
    lowered = text.strip().lower()
    if lowered[:3] in _DAY_NAMES:
        return _DAY_NAMES.index(lowered[:3])
    number = int(lowered)
    if not 0 <= number <= 7:
        raise ValueError(f"day of week {text!r} is outside 0..7")
    return number


class SessionCronTrigger(SlotTrigger):
    """A five-field cron in the exchange's time zone, filtered by a ``SessionRule``."""

    __slots__ = ("_cron", "_rule", "_session", "expression")

    def __init__(
        self, expression: str, *, timezone: str, session: MarketSession, rule: SessionRule
    ):
        self.expression = expression
        minute, hour, day, month, weekday = expression.split()
        self._cron = CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=cron_weekdays(weekday),
            timezone=timezone,
        )
        self._session = session
        self._rule = rule

    def _allowed(self, at: datetime) -> bool:
        if self._rule is SessionRule.ANY_DAY:
            return True
        window = self._session.window(at.astimezone(self._cron.timezone).date())
        if window is None:
            return False
        if self._rule is SessionRule.SESSION_DAY:
            return True
        return window.open <= at < window.close

    def first_at_or_after(self, at: datetime) -> datetime | None:
        candidate = self._cron.get_next_fire_time(None, at)
        for _ in range(_MAX_CANDIDATES):
            if candidate is None:
                return None
            utc = candidate.astimezone(UTC)
            if self._allowed(utc):
                return utc
            candidate = self._cron.get_next_fire_time(None, candidate + _TICK)
        return None

    def __repr__(self) -> str:
        return f"SessionCronTrigger({self.expression!r}, rule={self._rule.value})"


class InSessionIntervalTrigger(SlotTrigger):
    """Every ``seconds`` from each session's open, while it is open (the position monitor)."""

    __slots__ = ("_session", "_step")

    def __init__(self, seconds: int, *, session: MarketSession):
        self._step = timedelta(seconds=seconds)
        self._session = session

    def first_at_or_after(self, at: datetime) -> datetime | None:
        for window in self._session.next_windows(at):
            if at <= window.open:
                return window.open
            steps = -((window.open - at) // self._step)  # ceil((at - open) / step)
            candidate = window.open + steps * self._step
            if candidate < window.close:
                return candidate
        return None

    def __repr__(self) -> str:
        return f"InSessionIntervalTrigger({int(self._step.total_seconds())}s)"


class AfterCloseTrigger(SlotTrigger):
    """``minutes`` after each session's close, early closes included (the end-of-day report)."""

    __slots__ = ("_offset", "_session")

    def __init__(self, minutes: int, *, session: MarketSession):
        self._offset = timedelta(minutes=minutes)
        self._session = session

    def first_at_or_after(self, at: datetime) -> datetime | None:
        for window in self._session.next_windows(at - self._offset):
            candidate = window.close + self._offset
            if candidate >= at:
                return candidate
        return None

    def __repr__(self) -> str:
        return f"AfterCloseTrigger(+{int(self._offset.total_seconds() // 60)}min)"
