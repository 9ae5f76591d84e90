"""Sentiment analyst: provider news sentiment and net insider buying.

Rules-only scoring reads only the provider's numeric sentiment, never the words of a headline,
so text crafted to move a model cannot move the rules verdict. Headlines reach the LLM (when one is
configured) only as quoted data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agents.analysts.base import AnalystRequest
from agents.analysts.scorecard import Criterion, Scorecard, clip, finite
from agents.analysts.scorecard_analyst import ScorecardAnalyst
from domain import InsiderTrade, NewsItem

__all__ = ["SentimentAnalyst"]

MAX_NEWS = 20
MAX_INSIDER = 50


class SentimentAnalyst(ScorecardAnalyst):
    name = "sentiment"
    persona = (
        "You are a market-sentiment analyst. You read headlines and insider transactions as "
        "evidence of how informed parties feel about the stock."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                news_criterion(request.data.news[:MAX_NEWS]),
                insider_criterion(request.data.insider_trades[:MAX_INSIDER]),
            ),
            min_scored=1,
        )

    def facts(self, request: AnalystRequest) -> Mapping[str, object]:
        return {
            "news_items": len(request.data.news),
            "insider_trades": len(request.data.insider_trades),
        }

    def quoted_text(self, request: AnalystRequest) -> Sequence[str]:
        return [
            f"{item.published_at.date().isoformat()} {item.source}: {item.title}"
            for item in request.data.news[:MAX_NEWS]
        ]


def news_criterion(news: Sequence[NewsItem]) -> Criterion:
    scored = [s for s in (finite(item.sentiment) for item in news) if s is not None]
    if not scored:
        return Criterion("news", None, f"{len(news)} items, none with provider sentiment", 0.7)
    mean = sum(scored) / len(scored)
    return Criterion("news", clip(mean * 2), f"mean sentiment {mean:+.2f} over {len(scored)}", 0.7)


def insider_criterion(trades: Sequence[InsiderTrade]) -> Criterion:
    shares = [s for s in (finite(t.shares) for t in trades) if s is not None]
    bought = sum(s for s in shares if s > 0)
    sold = -sum(s for s in shares if s < 0)
    if bought + sold == 0:
        return Criterion("insider", None, f"{len(trades)} trades without share counts", 0.3)
    score = (bought - sold) / (bought + sold)
    return Criterion("insider", score, f"bought {bought:,.0f} / sold {sold:,.0f} shares", 0.3)
