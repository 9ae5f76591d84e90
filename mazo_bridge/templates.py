"""Question templates for the research questions people ask most.

Each template turns tickers (and for ``explain-run`` a past run's decision records) into one
question; a missing or wrong input is a ``TemplateError`` naming the option to fix.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = ["TEMPLATES", "TemplateError", "render_template"]

TEMPLATES: dict[str, str] = {
    "company-analysis": "company analysis of one ticker: trend, fundamentals, news, insiders",
    "compare": "compare two to five tickers on the same measures",
    "explain-run": "explain the decisions of a past run (by thread id)",
    "earnings-preview": "what to watch into the next earnings of one ticker",
    "risk-review": "the risks of holding one to five tickers",
}


class TemplateError(ValueError):
    """Bad template input; ``option`` names the command-line option at fault."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


def _count(tickers: Sequence[str], low: int, high: int, template: str) -> None:
    if not low <= len(tickers) <= high:
        want = f"{low}" if low == high else f"{low} to {high}"
        raise TemplateError("--ticker", f"{template} takes {want} tickers, got {len(tickers)}")


def render_template(
    name: str,
    tickers: Sequence[str],
    *,
    question: str = "",
    decisions: Sequence[dict[str, Any]] | None = None,
) -> str:
    """The question the template asks (``question``, when given, is appended as a focus)."""
    if name not in TEMPLATES:
        raise TemplateError(
            "--template", f"unknown template {name!r}; one of {', '.join(TEMPLATES)}"
        )
    focus = f" Focus: {question.strip()}" if question.strip() else ""
    listed = ", ".join(tickers)
    if name == "company-analysis":
        _count(tickers, 1, 1, name)
        text = (
            f"Analyse {listed}: how has it traded and what is its trend, how do its valuation "
            f"and margins look, what is the news tone, and what are insiders doing?"
        )
    elif name == "compare":
        _count(tickers, 2, 5, name)
        text = (
            f"Compare {listed} on price trend, valuation, margins, news tone and insider "
            f"trading, and say which looks strongest?"
        )
    elif name == "earnings-preview":
        _count(tickers, 1, 1, name)
        text = (
            f"Earnings preview for {listed}: what did the latest reported period show for growth "
            f"and margins, how has the price moved into the report, and what is the news tone?"
        )
    elif name == "risk-review":
        _count(tickers, 1, 5, name)
        text = (
            f"Risk review of {listed}: how volatile is the price (range over recent sessions), "
            f"how leveraged is the balance sheet, is the news negative, and are insiders selling?"
        )
    else:
        if not decisions:
            raise TemplateError(
                "--run", "explain-run needs the thread id of a past run with decisions"
            )
        brief = [
            {
                "ticker": d["ticker"],
                "action": d["action"],
                "quantity": d["quantity"],
                "confidence": d["confidence"],
                "reasoning": str(d["reasoning"])[:300],
                "gate": d.get("gate_outcome"),
            }
            for d in decisions
        ]
        text = (
            "Explain the decisions of this past run: for each ticker, what did the data show "
            "and does it support the action taken? Decisions (data): " + json.dumps(brief)
        )
    return text + focus
