"""The one rule for a ticker symbol, shared by settings, the CLI and the API.

Why here: a symbol ends up in file names (``DATA_DIR/<TICKER>*.csv``), URLs and broker orders, so
``AAPL;rm``, ``../../etc/passwd`` or 300 characters must be refused at every door by the same rule.
Lower case is forgiven (``aapl`` is AAPL); an empty list is an error, never "the default universe".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["TICKER_RULE", "TickerError", "parse_ticker", "parse_tickers"]

TICKER_RULE = "1-10 characters of A-Z, digits, '.' and '-' (e.g. AAPL, BRK.B)"
_TICKER = re.compile(r"[A-Z0-9.\-]{1,10}")


class TickerError(ValueError):
    """A ticker symbol breaks the rule; the message shows the rule (and a short, safe excerpt)."""


def _excerpt(raw: str) -> str:
    shown = raw if len(raw) <= 16 else raw[:16] + "..."
    return ascii(shown)


def parse_ticker(raw: str) -> str:
    """The upper-cased symbol, or ``TickerError`` naming the rule."""
    symbol = raw.strip().upper()
    if not symbol:
        raise TickerError(f"empty ticker: expected {TICKER_RULE}")
    if not symbol.isascii() or _TICKER.fullmatch(symbol) is None or set(symbol) <= {".", "-"}:
        raise TickerError(f"invalid ticker {_excerpt(raw)}: expected {TICKER_RULE}")
    return symbol


def parse_tickers(raw: str | Iterable[str]) -> list[str]:
    """Symbols from ``"AAPL, msft"`` or a list; duplicates dropped, order kept; none is an error."""
    items = [part for part in raw.split(",") if part.strip()] if isinstance(raw, str) else list(raw)
    symbols: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise TickerError(
                f"invalid ticker of type {type(item).__name__}: expected {TICKER_RULE}"
            )
        symbol = parse_ticker(item)
        if symbol not in symbols:
            symbols.append(symbol)
    if not symbols:
        raise TickerError(f"no tickers given: expected at least one, {TICKER_RULE}")
    return symbols
