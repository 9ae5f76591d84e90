"""The CLI's exit statuses: one table, so a cron job and the README agree on what each means.

Why distinct codes: a scheduler must tell "traded or decided not to" from "the cycle ran but had
nothing to decide with" from "stopped half-way, run it again", and all three from a typo in the
configuration. Every command exits through one of these; nothing else picks a number.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    OK = 0
    """Success. A supervised cycle waiting for its approval is a success too (JSON says so)."""
    INCOMPLETE = 1
    """The command ran but did not reach its goal: ``halt`` not flat, ``resume-trading`` refused
    by reconciliation, an unknown thread, a schema behind in ``db current``."""
    BAD_INPUT = 2
    """Bad configuration or input, or a start-up failure (database unreachable or corrupt,
    unwritable HEDGEGRAPH_HOME, a garbage URL): nothing was traded."""
    COULD_NOT_TRADE = 3
    """The cycle ran to the end but could not trade: the portfolio was unknown, data was
    unavailable for every ticker, every analyst call failed, or an order the gate approved was
    not placed."""
    STOPPED = 4
    """The cycle stopped before the end; its checkpoint is kept: resume with
    ``hedgegraph run --thread ID``."""
