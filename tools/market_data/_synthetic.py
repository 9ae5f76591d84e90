"""Version-stable randomness for the synthetic market (shared by the offline modules).

Only ``random.Random.random()`` is used: it is the one stream Python promises not to change across
versions, so the synthetic market is identical on every machine.
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, date, datetime, time

__all__ = ["filing_instant", "normal", "seeded_rng"]


def seeded_rng(*parts: object) -> random.Random:
    """A ``random.Random`` whose state depends only on ``parts``."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def normal(rng: random.Random) -> float:
    """Standard normal via Box-Muller on ``rng.random()`` only."""
    u1 = max(rng.random(), 1e-12)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * rng.random())


def filing_instant(day: date) -> datetime:
    """Filings land after the close: 21:30 UTC of ``day`` (16:30 or 17:30 in New York)."""
    return datetime.combine(day, time(21, 30), UTC)
