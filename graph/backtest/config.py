"""What a backtest runs: tickers, the session range, the roster and the simulated costs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph.modes import WorkflowMode

__all__ = ["BacktestConfig"]


class BacktestConfig(BaseModel):
    """One backtest's inputs; every field is validated here so the CLI can name a bad one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tickers: tuple[str, ...] = Field(min_length=1)
    start: date
    end: date
    data_dir: Path | None = None
    """A folder of ``<TICKER>*.csv`` daily bars; ``None`` uses the configured providers."""
    analysts: tuple[str, ...] | None = None
    """The roster (``None``: the configured one; ``("all",)``: every analyst)."""
    mode: str | None = None
    """The workflow mode (``None``: the configured one)."""
    initial_cash: Decimal = Field(default=Decimal(100_000), gt=0)
    slippage_bps: float = Field(default=5.0, ge=0, le=500)
    commission_per_share: Decimal = Field(default=Decimal(0), ge=0)
    benchmark: str | None = "SPY"
    hit_horizon: int = Field(default=5, ge=1)
    """Sessions after a verdict its direction is scored against (per-analyst hit rates)."""
    lookback_days: int = Field(default=400, ge=30)
    """Calendar days of history each session's snapshot holds (the live snapshot's default)."""

    @field_validator("tickers", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            cleaned = tuple(dict.fromkeys(str(t).strip().upper() for t in value if str(t).strip()))
            return cleaned
        return value

    @field_validator("benchmark", mode="before")
    @classmethod
    def _benchmark(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().upper() or None
        return value

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str | None) -> str | None:
        if value is None:
            return None
        known = [m.value for m in WorkflowMode]
        if value not in known:
            raise ValueError(f"unknown workflow mode {value!r}; known: {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        return self
