"""Is the market open for a scheduled job? The broker's clock first, the exchange calendar second.

Why "closed" when neither answers: the systems we replace treat a market-hours error as "open" and
send orders into a closed market. Here an unreadable clock and an unreadable calendar mean closed,
and an alert says why, so an operator learns that the scheduler is idle on purpose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain import EventSeverity
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import Broker, BrokerError, MarketClock
from tools.market_data.sessions import SessionTable, nyse_sessions

__all__ = ["MarketSession", "SessionAnswer", "SessionWindow"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionWindow:
    """One regular session, UTC instants (an early close is simply an earlier ``close``)."""

    day: date
    open: datetime
    close: datetime


@dataclass(frozen=True, slots=True)
class SessionAnswer:
    is_open: bool
    source: str
    """``broker_clock``, ``exchange_calendar`` or ``unreadable``."""
    problem: str | None = None
    """Why no source could answer (then ``is_open`` is False)."""


class MarketSession:
    """The market's sessions for the scheduler.

    Args:
        calendar: the session table (the pinned XNYS table); a callable so that a failure to read
            it is an answer ("closed"), not an import-time crash.
        broker: asked first for "open now" when it has a clock (Alpaca's ``/v2/clock``).
        alerts: where "clock unreadable, treated as closed" goes.
    """

    def __init__(
        self,
        *,
        calendar: Callable[[], SessionTable] = nyse_sessions,
        broker: Broker | None = None,
        alerts: AlertDispatcher | None = None,
    ) -> None:
        self._calendar = calendar
        self._broker = broker
        self._alerts = alerts

    def window(self, day: date) -> SessionWindow | None:
        """The session on ``day`` (None: no session, or the calendar is unreadable)."""
        try:
            table = self._calendar()
            if not table.is_session(day):
                return None
            return SessionWindow(day=day, open=table.open_at(day), close=table.close_at(day))
        except (OSError, ValueError, LookupError) as exc:
            log.error("exchange calendar unreadable for %s: %s", day, exc)
            return None

    def next_windows(self, after: datetime, days: int = 14) -> list[SessionWindow]:
        """Sessions whose close is after ``after``, over the next ``days`` calendar days."""
        start = after.date() - timedelta(days=1)
        found = (self.window(start + timedelta(days=i)) for i in range(days + 2))
        return [w for w in found if w is not None and w.close > after]

    def open_at(self, at: datetime, *, ask_broker: bool = False) -> SessionAnswer:
        """Open at ``at``? Ask the broker only when ``at`` is now: its clock knows only now."""
        problems: list[str] = []
        if ask_broker and isinstance(self._broker, MarketClock):
            try:
                return SessionAnswer(bool(self._broker.market_open()), "broker_clock")
            except (BrokerError, OSError) as exc:
                problems.append(f"broker clock: {type(exc).__name__}: {exc}")
        try:
            return SessionAnswer(self._calendar().is_open(at), "exchange_calendar")
        except (OSError, ValueError, LookupError) as exc:
            problems.append(f"exchange calendar: {type(exc).__name__}: {exc}")
        problem = "; ".join(problems)
        self._alert_closed(at, problem)
        return SessionAnswer(False, "unreadable", problem)

    def _alert_closed(self, at: datetime, problem: str) -> None:
        log.error("market clock unreadable at %s, treated as closed: %s", at.isoformat(), problem)
        if self._alerts is None:
            return
        self._alerts.send(
            Alert(
                severity=EventSeverity.ERROR,
                title="market clock unreadable: treated as closed",
                message=f"neither the broker clock nor the exchange calendar answered ({problem}); "
                "scheduled trading is idle until one does",
                at=at,
                key=f"market-clock-unreadable:{at.date()}",
                source="scheduler",
                context={"at": at.isoformat(), "problem": problem},
            )
        )
