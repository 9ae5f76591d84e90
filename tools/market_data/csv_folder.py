"""Daily bars from a folder of CSV files (``DATA_DIR/<TICKER>*.csv``), for backtests and demos.

Why the csv module and not pandas: the product must not need pandas at run time, and the files
are simple. The reader is tolerant where real files differ (header case, a leading unnamed index
column, float volumes, no trailing newline, an optional time after the date) and strict where a
silent guess would corrupt a backtest (a missing column or an unparsable number raises
``CsvFormatError`` naming file and line).

This provider has bars only: metrics, news and insider trades answer ``[]`` (data absence, which
analysts treat as insufficient data), never invented values.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from threading import Lock

from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem
from tools.market_data.provider import MarketDataError, TickerNotFoundError
from tools.market_data.sessions import nyse_sessions

__all__ = ["CsvFolderMarketData", "CsvFormatError", "read_bars_csv"]

_COLUMNS = ("date", "open", "high", "low", "close", "volume")


class CsvFormatError(MarketDataError):
    """A CSV file is malformed; the message names the file and the line."""


def _header_index(header: list[str], path: Path) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    missing = [c for c in _COLUMNS if c not in lowered]
    if missing:
        raise CsvFormatError("csv", f"{path}: missing column(s) {', '.join(missing)}")
    return {c: lowered.index(c) for c in _COLUMNS}


def _parse_row(row: list[str], cols: dict[str, int], path: Path, line: int) -> tuple[date, Bar]:
    try:
        day = date.fromisoformat(row[cols["date"]].strip()[:10])
        o, h, lo, c, v = (float(row[cols[k]]) for k in ("open", "high", "low", "close", "volume"))
    except (ValueError, IndexError) as exc:
        raise CsvFormatError("csv", f"{path}:{line}: cannot parse row {row!r}: {exc}") from exc
    ts = nyse_sessions().open_at(day)
    return day, Bar(ts=ts, open=o, high=h, low=lo, close=c, volume=v)


def read_bars_csv(path: Path) -> tuple[tuple[date, ...], tuple[Bar, ...]]:
    """Parse one OHLCV file into (session dates, bars), sorted by date, duplicates rejected."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise CsvFormatError("csv", f"{path}: empty file")
        cols = _header_index(header, path)
        rows = [
            _parse_row(row, cols, path, n)
            for n, row in enumerate(reader, start=2)
            if row and any(cell.strip() for cell in row)
        ]
    rows.sort(key=lambda r: r[0])
    for (a, _), (b, _) in pairwise(rows):
        if a == b:
            raise CsvFormatError("csv", f"{path}: duplicate date {a}")
    return tuple(r[0] for r in rows), tuple(r[1] for r in rows)


class CsvFolderMarketData:
    """``MarketDataProvider`` over ``data_dir``; files are parsed once and kept (keyed by mtime).

    File choice: among ``<TICKER>*.csv`` (case-insensitive), the first in sorted order whose name
    continues with a non-alphanumeric character (``AAPL_daily.csv``, ``AAPL.csv``), so ticker
    ``A`` never picks up ``AAPL_daily.csv``.
    """

    name = "csv"

    def __init__(self, data_dir: Path) -> None:
        if not data_dir.is_dir():
            raise MarketDataError("csv", f"DATA_DIR {data_dir} is not a folder")
        self.data_dir = data_dir
        self._parsed: dict[Path, tuple[float, tuple[tuple[date, ...], tuple[Bar, ...]]]] = {}
        self._lock = Lock()
        self._listing: tuple[int, tuple[tuple[str, Path], ...]] | None = None

    def _csv_files(self) -> tuple[tuple[str, Path], ...]:
        """(upper-cased name, path) of the folder's CSV files, sorted; listed again only when
        the folder changed (its mtime moves when a file is added, removed or renamed).

        Why kept: every metrics, news and insider read names its file, so a backtest listed
        the folder 21 times a session; a stat is all a read costs now."""
        mtime = self.data_dir.stat().st_mtime_ns
        listed = self._listing
        if listed is not None and listed[0] == mtime:
            return listed[1]
        files = tuple(
            (path.name.upper(), path)
            for path in sorted(self.data_dir.iterdir())
            if path.name.upper().endswith(".CSV") and path.is_file()
        )
        self._listing = (mtime, files)
        return files

    def file_for(self, ticker: str) -> Path:
        """The CSV file that holds ``ticker``; ``TickerNotFoundError`` when there is none."""
        wanted = ticker.upper()
        for stem, path in self._csv_files():
            if not stem.startswith(wanted):
                continue
            rest = stem[len(wanted) :]
            if rest == ".CSV" or not rest[0].isalnum():
                return path
        raise TickerNotFoundError("csv", f"no {wanted}*.csv in {self.data_dir}")

    def _load(self, path: Path) -> tuple[tuple[date, ...], tuple[Bar, ...]]:
        mtime = path.stat().st_mtime
        with self._lock:
            cached = self._parsed.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        parsed = read_bars_csv(path)
        with self._lock:
            self._parsed[path] = (mtime, parsed)
        return parsed

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        """Bars from ``start`` whose session had closed by ``as_of``."""
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        days, bars = self._load(self.file_for(ticker))
        table = nyse_sessions()
        return [
            bar
            for day, bar in zip(days, bars, strict=True)
            if day >= start and table.close_at(day) <= as_of
        ]

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        self.file_for(ticker)  # an unknown ticker is an error here too, so a chain moves on
        return []

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        self.file_for(ticker)
        return []

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        self.file_for(ticker)
        return []
