"""No new entries while the position monitor is not watching the positions already open.

Why an entry rule: a dead monitor means stops and targets are not worked; adding exposure then
is adding risk nobody is watching. Exits never reach entry rules, so the monitor's own protective
exits (and any operator exit) still go through. No heartbeat at all means no scheduler has ever
run the monitor here (a CLI-only installation), which this rule does not judge.
"""

from __future__ import annotations

from domain import ReasonCode
from graph.risk.check import Constraint, EntryCheck, veto

__all__ = ["monitor_stale"]


def monitor_stale(check: EntryCheck) -> Constraint | None:
    beat = check.snapshot.monitor_heartbeat_at
    if beat is None or not check.snapshot.portfolio.positions:
        return None
    age = (check.snapshot.now - beat).total_seconds()
    limit = check.limits.monitor_heartbeat_max_age_seconds
    if age > limit:
        return veto(
            ReasonCode.MONITOR_STALE,
            "the position monitor's heartbeat is stale while positions are open",
            heartbeat_at=beat.isoformat(),
            age_seconds=int(age),
            max_age_seconds=limit,
        )
    return None
