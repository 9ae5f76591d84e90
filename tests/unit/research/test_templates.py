"""Research question templates: each asks its question, and bad input names the option."""

from __future__ import annotations

import pytest

from mazo_bridge.templates import TEMPLATES, TemplateError, render_template


def test_every_template_asks_about_its_tickers() -> None:
    assert render_template("company-analysis", ["AAPL"]).startswith("Analyse AAPL:")
    assert "Compare AAPL, MSFT, NVDA" in render_template("compare", ["AAPL", "MSFT", "NVDA"])
    assert render_template("earnings-preview", ["AAPL"]).startswith("Earnings preview for AAPL")
    assert render_template("risk-review", ["AAPL", "JPM"]).startswith("Risk review of AAPL, JPM")
    decisions = [
        {"ticker": "AAPL", "action": "buy", "quantity": "10", "confidence": 0.7, "reasoning": "x"}
    ]
    explained = render_template("explain-run", [], decisions=decisions)
    assert '"ticker": "AAPL", "action": "buy", "quantity": "10"' in explained
    assert set(TEMPLATES) == {
        "company-analysis",
        "compare",
        "explain-run",
        "earnings-preview",
        "risk-review",
    }


def test_a_focus_question_is_appended() -> None:
    assert render_template("company-analysis", ["AAPL"], question="margins?").endswith(
        "Focus: margins?"
    )


@pytest.mark.parametrize(
    ("name", "tickers", "option"),
    [
        ("compare", ["AAPL"], "--ticker"),
        ("compare", ["A", "B", "C", "D", "E", "F"], "--ticker"),
        ("company-analysis", ["AAPL", "MSFT"], "--ticker"),
        ("risk-review", [], "--ticker"),
        ("explain-run", [], "--run"),
        ("horoscope", ["AAPL"], "--template"),
    ],
)
def test_bad_input_names_the_option(name: str, tickers: list[str], option: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render_template(name, tickers)
    assert caught.value.option == option and str(caught.value).startswith(option)
