"""What a caller asks a trading cycle to do."""

from __future__ import annotations

from domain._base import DomainModel

__all__ = ["RunRequest"]


class RunRequest(DomainModel):
    """What the caller asked for; the first thing written to a thread."""

    thread_id: str
    tickers: tuple[str, ...]
    mode: str
    session_mode: str
    analysts: tuple[str, ...] = ()
    """Analyst roster for this thread (empty: the default roster); fixed for its resumes."""
