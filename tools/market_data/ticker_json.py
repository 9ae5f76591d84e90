"""The canonical JSON of one ticker's data, worked out once per (frozen) ``TickerData`` object.

Why: a session's snapshot is serialised once for its content hash, and then the decision audit
hashes each decided ticker's data again (``record``'s inputs digest); in a backtest that is every
ticker at every session, 400 bars each. The snapshot's canonical JSON is assembled from these
per-ticker parts (byte for byte what ``model_dump_json`` of the whole snapshot gives), so the
audit reuses them. ``TickerData`` is frozen and so is everything in it: the same object cannot
serialise differently later. Entries are kept by ``id`` together with the object itself, so an
``id`` cannot be reused while its entry exists; the memory is small and cleared when full.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from domain import Bar, MarketSnapshot, TickerData
from tools.market_data.bar_series import window_of

__all__ = ["snapshot_json", "ticker_json"]

_KEPT = 256
_memo: dict[int, tuple[TickerData, bytes]] = {}


def ticker_json(data: TickerData) -> bytes:
    """``data.model_dump_json()`` as bytes, from memory when this very object was seen."""
    seen = _memo.get(id(data))
    if seen is not None and seen[0] is data:
        return seen[1]
    body = _from_history(data) or data.model_dump_json().encode()
    if len(_memo) >= _KEPT:
        _memo.clear()
    _memo[id(data)] = (data, body)
    return body


def _bar_jsons(bars: Sequence[Bar]) -> list[bytes]:
    return [bar.model_dump_json().encode() for bar in bars]


def _from_history(data: TickerData) -> bytes | None:
    """In a backtest the bars are a slice of an indexed history (``bar_series``): their JSON is
    each bar's, made once per bar and joined; the rest comes from pydantic with no bars."""
    found = window_of(data.bars)
    if found is None:
        return None
    series, start, stop = found
    frame = data.model_copy(update={"bars": ()}).model_dump_json().encode()
    key = b'"bars":[]'  # the field's key: a quote inside any string value would be escaped
    at = frame.find(key)
    if at < 0:
        return None
    bars = b",".join(series.derived("bar_json", _bar_jsons)[start:stop])
    return frame[:at] + b'"bars":[' + bars + b"]" + frame[at + len(key) :]


def snapshot_json(snapshot: MarketSnapshot) -> bytes:
    """``snapshot.model_dump_json()`` as bytes, assembled from the per-ticker parts.

    The frame (``as_of`` and an empty ``tickers``) comes from pydantic itself, so only the
    joining is done here; a test holds the two byte for byte equal.
    """
    frame = snapshot.model_copy(update={"tickers": {}}).model_dump_json().encode()
    tail = b'"tickers":{}}'
    if not frame.endswith(tail):  # the model changed shape: serialise it whole
        return snapshot.model_dump_json().encode()
    parts = b",".join(
        json.dumps(ticker, ensure_ascii=False).encode() + b":" + ticker_json(data)
        for ticker, data in snapshot.tickers.items()
    )
    return frame[: -len(tail)] + b'"tickers":{' + parts + b"}}"
