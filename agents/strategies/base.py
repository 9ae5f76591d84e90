"""The strategy interface: a deterministic function of bars that may emit a signal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain import Bar, StrategySignal

__all__ = ["Strategy"]


class Strategy(Protocol):
    name: str

    def evaluate(self, ticker: str, bars: Sequence[Bar]) -> StrategySignal | None:
        """A signal with entry / stop / target and confidence, or ``None`` if the setup is absent.

        ``bars`` is point-in-time (nothing after the snapshot's as-of) and oldest first.
        """
        ...
