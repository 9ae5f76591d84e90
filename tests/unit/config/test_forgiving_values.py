"""Forgiving where a value has one meaning only: comma lists, any-case choices, clear hints."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from config.settings import ConfigError, load_settings

FD_KEY = {
    "FINANCIAL_DATASETS_API_KEY": "fd-key",
    "APCA_API_KEY_ID": "id",
    "APCA_API_SECRET_KEY": "s",
}


@pytest.mark.parametrize(
    ("env", "value", "field", "expected"),
    [
        (
            "DATA_PROVIDERS",
            "financialdatasets,alpaca",
            "data_providers",
            ["financialdatasets", "alpaca"],
        ),
        (
            "DATA_PROVIDERS",
            '["financialdatasets", "alpaca"]',
            "data_providers",
            ["financialdatasets", "alpaca"],
        ),
        ("DATA_PROVIDERS", " Offline , ALPACA ", "data_providers", ["offline", "alpaca"]),
        ("ANALYSTS", "technicals,warren_buffett", "analysts", ["technicals", "warren_buffett"]),
        ("ANALYSTS", '["technicals"]', "analysts", ["technicals"]),
        ("UNIVERSE", "aapl, msft,BRK.B", "universe", ["AAPL", "MSFT", "BRK.B"]),
    ],
)
def test_list_settings_take_comma_lists_and_json(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str, expected: list[str]
) -> None:
    for name, secret in FD_KEY.items():
        monkeypatch.setenv(name, secret)
    monkeypatch.setenv(env, value)
    assert getattr(load_settings(), field) == expected


def test_yaml_universe_takes_a_comma_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "trading_config.yaml").write_text("universe: AAPL,MSFT\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    assert load_settings().universe == ["AAPL", "MSFT"]


@pytest.mark.parametrize(
    ("env", "value", "field", "expected"),
    [
        ("TRADING_SESSION_MODE", "Supervised", "trading_session_mode", "supervised"),
        ("BROKER", "PAPER", "broker", "paper"),
        ("LLM_PROVIDER", "None", "llm_provider", "none"),
        ("WORKFLOW_MODE", "PRE-RESEARCH", "workflow_mode", "pre_research"),
    ],
)
def test_choices_are_case_insensitive(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str, expected: str
) -> None:
    monkeypatch.setenv(env, value)
    assert getattr(load_settings(), field) == expected


def test_trading_mode_live_in_capitals_is_live(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TRADING_MODE": "LIVE",
        "BROKER": "Alpaca",
        "APCA_API_KEY_ID": "id",
        "APCA_API_SECRET_KEY": "secret",
        "LIVE_TRADING_CONFIRMATION": "PA123",
    }.items():
        monkeypatch.setenv(name, value)
    assert load_settings().trading_mode == "live"


def test_out_of_range_fraction_says_fractions_are_meant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISK__MAX_POSITION_PCT", "5")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    text = str(raised.value)
    assert "risk.max_position_pct" in text
    assert "fraction: 0.05 means 5 %" in text
    assert "RISK__MAX_POSITION_PCT" in text  # where it came from


def test_unknown_yaml_key_names_the_file_and_the_nearest_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "risk_parameters.yaml").write_text("max_positon_pct: 0.01\n")
    (tmp_path / "trading_config.yaml").write_text("thresholds:\n  buy_scor: 0.3\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as raised:
        load_settings()
    text = str(raised.value)
    assert (
        str(tmp_path / "trading_config.yaml") in text
        or str(tmp_path / "risk_parameters.yaml") in text
    )
    assert "did you mean" in text


@pytest.mark.parametrize(
    ("file", "text", "typo", "hint"),
    [
        (
            "risk_parameters.yaml",
            "max_positon_pct: 0.01\n",
            "risk.max_positon_pct",
            "max_position_pct",
        ),
        (
            "trading_config.yaml",
            "thresholds:\n  buy_scor: 0.3\n",
            "thresholds.buy_scor",
            "buy_score",
        ),
        ("trading_config.yaml", "tradng_mode: paper\n", "tradng_mode", "trading_mode"),
    ],
)
def test_each_unknown_yaml_key_gets_its_file_and_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, file: str, text: str, typo: str, hint: str
) -> None:
    (tmp_path / file).write_text(text)
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert f"{tmp_path / file}: unknown key {typo!r} (did you mean {hint!r}?)" in message


def test_unknown_nested_env_key_is_named_with_a_hint_and_no_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RISK__MAX_POSITON_PCT", "0.0123456")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    text = str(raised.value)
    assert "environment variable RISK__MAX_POSITON_PCT" in text
    assert "did you mean 'max_position_pct'" in text
    assert "0.0123456" not in text


def test_config_dir_pointing_nowhere_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="HEDGEGRAPH_CONFIG_DIR"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("risk_parameter.yaml", "risk_parameters.yaml"),
        ("trading_config.yml", "trading_config.yaml"),
        ("settings.yaml", None),
    ],
)
def test_override_file_with_an_unknown_name_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, hint: str | None
) -> None:
    (tmp_path / name).write_text("max_position_pct: 0.01\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as raised:
        load_settings()
    text = str(raised.value)
    assert repr(name) in text
    if hint:
        assert f"did you mean {hint!r}" in text


def test_other_tools_keys_in_dotenv_are_ignored_with_a_warning_without_value(
    dotenv,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    path = dotenv("ANTHROPIC_API_KEY=sk-ant-very-secret\nTRADING_SESSION_MODE=supervised\n")
    with caplog.at_level(logging.WARNING, logger="hedgegraph.config"):
        settings = load_settings()
    assert settings.trading_session_mode == "supervised"  # the rest of the file still applies
    assert "ANTHROPIC_API_KEY" in caplog.text and str(path) in caplog.text
    assert "sk-ant-very-secret" not in caplog.text


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("APCA_API_SECRET_KY=very-secret-value", "APCA_API_SECRET_KEY"),
        ("TRADNG_MODE=very-secret-value", "TRADING_MODE"),
        ("HEDGEGRAPH_APIKEY=very-secret-value", "HEDGEGRAPH_API_KEY"),
        ("RISK__MAX_POSITON_PCT=very-secret-value", "max_position_pct"),
    ],
)
def test_misspelt_dotenv_key_is_an_error_that_never_prints_its_value(
    dotenv,
    line: str,
    hint: str,  # type: ignore[no-untyped-def]
) -> None:
    path = dotenv(line + "\n")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    text = str(raised.value)
    assert str(path) in text and hint in text
    assert "very-secret-value" not in text


def test_misspelt_secret_value_never_printed_for_a_known_secret_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql//admin:hunter2@db")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert "database_url" in str(raised.value) and "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"LLM_PROVIDER": "openai"}, ["OPENAI_API_KEY"]),
        ({"LLM_PROVIDER": "openai", "OPENAI_API_KEY": " "}, ["OPENAI_API_KEY"]),
        ({"LLM__ANALYST_PROVIDERS": '{"sentiment": "openai"}'}, ["OPENAI_API_KEY"]),
        ({"DATA_PROVIDERS": "financialdatasets,offline"}, ["FINANCIAL_DATASETS_API_KEY"]),
        ({"DATA_PROVIDERS": "alpaca"}, ["APCA_API_KEY_ID", "APCA_API_SECRET_KEY"]),
        ({"BROKER": "alpaca", "APCA_API_KEY_ID": "id"}, ["APCA_API_SECRET_KEY"]),
    ],
)
def test_a_provider_without_its_credentials_fails_naming_them(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], missing: list[str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    for name in missing:
        assert name in str(raised.value)


def test_operator_settings_do_not_need_data_or_llm_keys_but_do_need_the_brokers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from config.settings import load_operator_settings

    monkeypatch.setenv("DATA_PROVIDERS", "financialdatasets")
    monkeypatch.setenv("LLM_PROVIDER", "openai")
    assert load_operator_settings().llm_provider == "openai"  # halt still works
    monkeypatch.setenv("BROKER", "alpaca")
    with pytest.raises(ConfigError, match="APCA_API_KEY_ID"):
        load_operator_settings()


def test_env_file_variable_chooses_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chosen = tmp_path / "team.env"
    chosen.write_text("TRADING_SESSION_MODE=supervised\n")
    monkeypatch.setenv("HEDGEGRAPH_ENV_FILE", str(chosen))
    assert load_settings().trading_session_mode == "supervised"
    monkeypatch.setenv("HEDGEGRAPH_ENV_FILE", str(tmp_path / "nope.env"))
    with pytest.raises(ConfigError, match="HEDGEGRAPH_ENV_FILE"):
        load_settings()
