"""The stop and target each open position was entered with, asked of the ledger.

Why through the ledger: ``tools.persistence`` owns the intents and orders tables; the monitor
needs the levels to survive a restart, not the tables' shape.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain import ProtectiveLevels
from tools.persistence.ledger import Ledger

__all__ = ["entry_levels"]


def entry_levels(ledger: Ledger, symbols: Iterable[str]) -> dict[str, ProtectiveLevels]:
    """Levels of the latest filled entry per symbol that carried a stop or a target."""
    return ledger.entry_levels(symbols)
