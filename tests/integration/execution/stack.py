"""The embedded stack for execution-road tests: settings built explicitly, never from the env.

Loose thresholds make the offline market yield entries (AAPL 6 and TSLA 14 at ``AS_OF``, sells of
held JPM, META and MSFT), as the issue's reproduction recipe does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.settings import Settings, packaged_settings

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]
LOOSE = {"buy_score": 0.01, "min_signal_confidence": 0.01, "min_analyst_coverage": 1}


def stack_settings(home: Path, **risk: Any) -> Settings:
    """Packaged defaults, loose thresholds, ``risk`` overrides; the environment is not read."""
    return packaged_settings(
        hedgegraph_home=home,
        broker="paper",
        data_providers=["offline"],
        llm_provider="none",
        thresholds=LOOSE,
        risk={"symbol_cooldown_seconds": 0, **risk},
    )
