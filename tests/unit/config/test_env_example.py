""".env.example lists every setting with its default and cannot drift from the model."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from config.env_example import field_docs, render_env_example
from config.env_files import known_env_names
from config.settings import RiskParameters, Settings

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


class _Base(BaseModel):
    kept: int = 0
    """From the base."""
    replaced: int = 0
    """The base's word."""
    bare: int = 0


class _Child(_Base):
    replaced: int = 1
    """The child's word,
    over two lines."""
    own: str = ""
    """Declared here."""
    shared: ClassVar[int] = 0
    """A class variable, not a field."""


def test_field_docs_come_from_every_declaring_class_the_nearest_winning() -> None:
    assert field_docs(_Child) == {
        "kept": "From the base.",
        "replaced": "The child's word,\nover two lines.",
        "own": "Declared here.",
    }


def test_the_settings_models_do_not_read_their_sources_when_built() -> None:
    """Start-up discipline: every command builds these models; only .env.example shows the
    docstrings, so only rendering it parses the sources."""
    assert Settings.model_fields["universe"].description is None
    assert RiskParameters.model_fields["max_position_pct"].description is None
    assert field_docs(Settings)["universe"].startswith("Watchlist tickers")
