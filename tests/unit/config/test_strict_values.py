"""Strict where it used to be lenient (issue 9, item 12): no infinite limits, no duplicate YAML
keys, valid tickers only, no silent paper run, no live URL in paper mode, usable storage URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from config.settings import ConfigError, Settings, load_settings
from config.tickers import TickerError, parse_ticker, parse_tickers


def _float_limits() -> list[str]:
    """Every float field of every section, as its environment name."""
    names = []
    for section, field in Settings.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            for name, sub in model.model_fields.items():
                if "float" in str(sub.annotation):
                    names.append(f"{section}__{name}".upper())
    return names


FLOAT_LIMITS = _float_limits()


def test_the_table_covers_the_limits_named_in_the_issue() -> None:
    for name in ("RISK__MAX_ORDER_NOTIONAL", "RISK__TAKE_PROFIT_PCT", "PAPER__STARTING_CASH"):
        assert name in FLOAT_LIMITS


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity"])
@pytest.mark.parametrize("env", FLOAT_LIMITS)
def test_infinite_or_nan_numbers_are_refused(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert env.lower().replace("__", ".") in str(raised.value)


def test_infinite_limit_in_yaml_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "risk_parameters.yaml").write_text("max_order_notional: .inf\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"risk\.max_order_notional"):
        load_settings()


def test_duplicate_yaml_key_is_an_error_naming_file_and_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "risk_parameters.yaml").write_text(
        "max_position_pct: 0.02\nmax_position_pct: 0.9\n"
    )
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert "risk_parameters.yaml" in str(raised.value)
    assert "duplicate key 'max_position_pct'" in str(raised.value)


def test_duplicate_nested_yaml_key_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "trading_config.yaml").write_text("paper:\n  slippage_bps: 5\n  slippage_bps: 0\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="duplicate key 'slippage_bps'"):
        load_settings()


@pytest.mark.parametrize(
    ("raw", "symbol"),
    [
        ("AAPL", "AAPL"),
        ("brk.b", "BRK.B"),
        (" msft ", "MSFT"),
        ("BF-B", "BF-B"),
        ("X", "X"),
        ("ABCDEFGHIJ", "ABCDEFGHIJ"),
        ("7203", "7203"),
    ],
)
def test_valid_tickers(raw: str, symbol: str) -> None:
    assert parse_ticker(raw) == symbol


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "AAPL;rm",
        "A" * 300,
        "ABCDEFGHIJK",
        "ÄPPL",
        "AAPL\u200b",
        "../../etc/passwd",
        "AAPL MSFT",
        "$AAPL",
        "..",
        "-",
        "aapl/x",
    ],
)
def test_invalid_tickers_are_refused(raw: str) -> None:
    with pytest.raises(TickerError, match="A-Z"):
        parse_ticker(raw)


def test_ticker_list_rule() -> None:
    assert parse_tickers("aapl, msft,,AAPL") == ["AAPL", "MSFT"]
    with pytest.raises(TickerError):
        parse_tickers("")
    with pytest.raises(TickerError):
        parse_tickers([])


@pytest.mark.parametrize("value", ["", "AAPL;rm", "A" * 300, "../../etc/passwd", "ÄPPL"])
def test_bad_universe_is_an_error_not_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("UNIVERSE", value)
    with pytest.raises(ConfigError, match="universe"):
        load_settings()


def test_empty_universe_in_yaml_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "trading_config.yaml").write_text('universe: ""\n')
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="universe"):
        load_settings()


ALPACA = {"broker": "alpaca", "apca_api_key_id": "id", "apca_api_secret_key": "secret"}


def test_live_without_confirmation_is_an_error_not_a_paper_run() -> None:
    with pytest.raises(ConfigError, match="live_trading_confirmation"):
        load_settings(**ALPACA, trading_mode="live", apca_api_base_url="http://127.0.0.1:9")


def test_live_with_confirmation_loads() -> None:
    settings = load_settings(**ALPACA, trading_mode="live", live_trading_confirmation="PA1")
    assert settings.is_live


@pytest.mark.parametrize(
    "url",
    ["https://api.alpaca.markets", "https://api.alpaca.markets/", "HTTPS://API.ALPACA.MARKETS/v2"],
)
def test_live_trading_url_in_paper_mode_is_an_error(url: str) -> None:
    with pytest.raises(ConfigError, match="apca_api_base_url"):
        load_settings(**ALPACA, apca_api_base_url=url)


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("database_url", "garbage"),
        ("database_url", "mysql://u:hunter2@db/x"),
        ("database_url", "sqlite:relative.db"),
        ("database_url", "postgresql://:hunter2@"),
        ("checkpoint_url", "not a url"),
        ("checkpoint_url", "http://127.0.0.1:5432/db"),
        ("checkpoint_url", "postgresql://u:hunter2@h:notaport/db"),
        ("redis_url", "redis://"),
        ("redis_url", "127.0.0.1:6379"),
        ("redis_url", ""),
    ],
)
def test_garbage_storage_urls_are_config_errors_naming_the_key(key: str, url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(**{key: url})
    assert key in str(raised.value)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("database_url", "sqlite:///tmp/x.sqlite"),
        ("database_url", "postgresql://postgres@127.0.0.1:5432/postgres"),
        ("database_url", "postgresql+psycopg://u:p@db.internal/hg"),
        ("checkpoint_url", "sqlite:///:memory:"),
        ("checkpoint_url", "postgres://u@127.0.0.1/db"),
        ("checkpoint_url", "redis://127.0.0.1:6379/0?ttl_minutes=5"),
        ("redis_url", "rediss://cache.internal:6380/1"),
    ],
)
def test_usable_storage_urls_load(key: str, url: str) -> None:
    assert getattr(load_settings(**{key: url}), key) == url
