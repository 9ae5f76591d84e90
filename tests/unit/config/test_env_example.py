""".env.example lists every setting with its default and cannot drift from the model."""

from __future__ import annotations

from pathlib import Path

from config.env_example import render_env_example
from config.env_files import known_env_names
from config.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[3] / ".env.example"


def test_env_example_is_the_rendered_model() -> None:
    assert ENV_EXAMPLE.read_text() == render_env_example(), (
        "stale .env.example: run `python -m config.env_example > .env.example`"
    )


def test_every_setting_is_listed_once_with_its_default() -> None:
    text = ENV_EXAMPLE.read_text()
    for name in known_env_names(Settings):
        assert text.count(f"\n# {name}=") == 1, name
    assert "\n# RISK__MAX_POSITION_PCT=0.1\n" in text
    assert "\n# UNIVERSE=AAPL,MSFT,NVDA\n" in text
    assert "\n# TRADING_MODE=paper\n" in text
    assert "\n# ALERTS__SMTP_PORT=25\n" in text
