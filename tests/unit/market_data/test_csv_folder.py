"""The CSV folder provider against the real files in ../shared/data/prices and crafted quirks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tools.market_data.csv_folder import CsvFolderMarketData, CsvFormatError
from tools.market_data.provider import TickerNotFoundError
from tools.market_data.quality import check_ohlc
from tools.market_data.sessions import NEW_YORK


@pytest.fixture(scope="module")
def prices(shared_data: Path) -> CsvFolderMarketData:
    return CsvFolderMarketData(shared_data / "prices")


def _day(bar_ts: datetime) -> date:
    return bar_ts.astimezone(NEW_YORK).date()


def test_known_aapl_close(prices: CsvFolderMarketData) -> None:
    bars = prices.bars("AAPL", start=date(2023, 12, 1), as_of=datetime(2024, 1, 2, tzinfo=UTC))
    assert _day(bars[-1].ts) == date(2023, 12, 29)
    assert bars[-1].close == pytest.approx(192.53, abs=0.005)
    assert bars[-1].ts == datetime(2023, 12, 29, 14, 30, tzinfo=UTC)  # session open, UTC


def test_pandas_index_column_float_volume_no_trailing_newline(prices: CsvFolderMarketData) -> None:
    bars = prices.bars("SPY", start=date(2020, 3, 1), as_of=datetime(2020, 12, 31, tzinfo=UTC))
    by_day = {_day(b.ts): b for b in bars}
    assert by_day[date(2020, 3, 23)].close == pytest.approx(222.95)
    assert _day(bars[-1].ts) == date(2020, 8, 28)  # the file's last line has no newline
    assert bars[-1].volume == 48588940.0


def test_lowercase_ticker_and_point_in_time(prices: CsvFolderMarketData) -> None:
    as_of = datetime(2023, 12, 29, 20, 0, tzinfo=UTC)  # 15:00 New York: the 29th has not closed
    bars = prices.bars("aapl", start=date(2023, 12, 1), as_of=as_of)
    assert _day(bars[-1].ts) == date(2023, 12, 28)


def test_unknown_ticker_is_a_typed_error(prices: CsvFolderMarketData) -> None:
    with pytest.raises(TickerNotFoundError):
        prices.bars("NOPE", start=date(2023, 1, 1), as_of=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(TickerNotFoundError):
        prices.news("NOPE", as_of=datetime(2024, 1, 1, tzinfo=UTC))


def test_known_ticker_has_no_fundamentals(prices: CsvFolderMarketData) -> None:
    as_of = datetime(2024, 1, 1, tzinfo=UTC)
    assert prices.financial_metrics("AAPL", as_of=as_of) == []
    assert prices.news("AAPL", as_of=as_of) == []
    assert prices.insider_trades("AAPL", as_of=as_of) == []


def test_prefix_ticker_does_not_match_longer_ticker(tmp_path: Path) -> None:
    (tmp_path / "AAPL_daily.csv").write_text(
        "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,10\n"
    )
    provider = CsvFolderMarketData(tmp_path)
    with pytest.raises(TickerNotFoundError):
        provider.bars("A", start=date(2024, 1, 1), as_of=datetime(2024, 2, 1, tzinfo=UTC))


def test_first_match_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "XYZ_b.csv").write_text("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,10\n")
    (tmp_path / "XYZ_a.csv").write_text("date,open,high,low,close,volume\n2024-01-02,5,6,5,6,10")
    provider = CsvFolderMarketData(tmp_path)
    assert provider.file_for("XYZ").name == "XYZ_a.csv"
    bars = provider.bars("XYZ", start=date(2024, 1, 1), as_of=datetime(2024, 2, 1, tzinfo=UTC))
    assert [b.close for b in bars] == [6.0]


def test_files_added_or_removed_after_a_read_are_seen(tmp_path: Path) -> None:
    """The folder's listing is kept between reads, and listed again when the folder changes."""
    row = "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,10\n"
    (tmp_path / "AAPL.csv").write_text(row)
    provider = CsvFolderMarketData(tmp_path)
    assert provider.file_for("AAPL").name == "AAPL.csv"
    with pytest.raises(TickerNotFoundError):
        provider.file_for("MSFT")
    (tmp_path / "MSFT.csv").write_text(row)
    assert provider.file_for("MSFT").name == "MSFT.csv"
    (tmp_path / "AAPL.csv").unlink()
    with pytest.raises(TickerNotFoundError):
        provider.file_for("AAPL")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("Date,Open,High,Low,Close\n2024-01-02,1,2,1,2\n", "missing column"),
        ("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,x,2,10\n", ":2: cannot parse"),
        (
            "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,10\n2024-01-02,1,2,1,2,10\n",
            "duplicate",
        ),
        ("", "empty file"),
    ],
)
def test_malformed_files_raise_typed_errors(tmp_path: Path, content: str, match: str) -> None:
    (tmp_path / "BAD.csv").write_text(content)
    with pytest.raises(CsvFormatError, match=match):
        CsvFolderMarketData(tmp_path).bars(
            "BAD", start=date(2024, 1, 1), as_of=datetime(2024, 2, 1, tzinfo=UTC)
        )


def test_bad_yahoo_bars_are_visible_to_the_ohlc_check(shared_data: Path) -> None:
    provider = CsvFolderMarketData(shared_data / "prices-extra")
    bars = provider.bars("SPY", start=date(2015, 1, 1), as_of=datetime(2015, 12, 31, tzinfo=UTC))
    finding = check_ohlc(bars)
    assert finding is not None and "2015-03-05" in finding[1] and "2015-03-30" in finding[1]
