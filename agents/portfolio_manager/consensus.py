"""The analysts' weighted consensus that both PM policies read.

Only directional verdicts carry weight: NO_SIGNAL (a failure) and INSUFFICIENT_DATA (missing data)
count neither for nor against a trade, and do not count toward coverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain import AnalystVerdict, VerdictSignal

__all__ = ["Consensus", "consensus_of"]

_SIGN = {VerdictSignal.BULLISH: 1.0, VerdictSignal.BEARISH: -1.0, VerdictSignal.NEUTRAL: 0.0}


@dataclass(frozen=True, slots=True)
class Consensus:
    score: float
    """Confidence-weighted mean direction of the directional verdicts, in [-1, 1]."""
    coverage: int
    """How many verdicts were directional."""
    failed: tuple[str, ...]
    """Analysts that returned NO_SIGNAL (recorded, weightless)."""
    insufficient: tuple[str, ...]
    """Analysts that lacked data (weightless)."""

    def describe(self) -> str:
        text = f"consensus {self.score:+.2f} over {self.coverage} directional verdicts"
        if self.failed:
            text += f"; no signal from {', '.join(self.failed)}"
        if self.insufficient:
            text += f"; insufficient data for {', '.join(self.insufficient)}"
        return text


def consensus_of(ticker: str, verdicts: Sequence[AnalystVerdict]) -> Consensus:
    mine = [v for v in verdicts if v.ticker == ticker]
    directional = [v for v in mine if v.signal.is_directional]
    total = sum(_SIGN[v.signal] * v.confidence for v in directional)
    score = total / len(directional) if directional else 0.0
    return Consensus(
        score=max(-1.0, min(1.0, score)),
        coverage=len(directional),
        failed=tuple(v.analyst for v in mine if v.signal is VerdictSignal.NO_SIGNAL),
        insufficient=tuple(v.analyst for v in mine if v.signal is VerdictSignal.INSUFFICIENT_DATA),
    )
