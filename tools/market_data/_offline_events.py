"""Synthetic news and insider trades for the offline market.

News sentiment leans with the session's return (good days get warmer headlines), so sentiment
analysts see a signal that agrees with price most of the time but not always. Insider trades are
Form-4 style: the filing (``available_at``) lands one to three business days after the trade,
and point-in-time filters use the filing, never the trade date.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from domain import InsiderTrade, NewsItem
from tools.market_data._synthetic import filing_instant, normal, seeded_rng

__all__ = ["insider_trades_for_week", "news_for_session"]

_SOURCES = ("Newswire", "Market Desk", "Street Journal", "Finance Daily", "Sector Watch")
_POSITIVE = (
    "{t} beats estimates as demand stays strong",
    "Analysts raise {t} price target after upbeat guidance",
    "{t} wins large multi-year contract",
    "{t} shares climb on record quarterly shipments",
)
_NEGATIVE = (
    "{t} cuts outlook citing softer orders",
    "Regulators open inquiry into {t} sales practices",
    "{t} shares slide as margins narrow",
    "Analyst downgrades {t} on valuation concerns",
)
_NEUTRAL = (
    "{t} to present at industry conference next week",
    "{t} announces date of quarterly results call",
    "What to watch in {t} ahead of earnings",
)
_INSIDERS = (
    ("Jordan Reyes", "Chief Executive Officer"),
    ("Priya Natarajan", "Chief Financial Officer"),
    ("Samuel Okafor", "Director"),
    ("Helen Brandt", "General Counsel"),
    (None, None),
)


def news_for_session(
    seed: int, ticker: str, day: date, prev_close: float, close: float
) -> list[NewsItem]:
    """Zero to two headlines published during ``day``, latest first."""
    rng = seeded_rng("offline-news", seed, ticker, day)
    count = int(rng.random() * 3)
    ret = close / prev_close - 1.0
    items: list[NewsItem] = []
    for n in range(count):
        tone = max(-1.0, min(1.0, ret * 15.0 + 0.3 * normal(rng)))
        pool = _POSITIVE if tone > 0.2 else _NEGATIVE if tone < -0.2 else _NEUTRAL
        title = pool[int(rng.random() * len(pool))].format(t=ticker)
        minute = 11 * 60 + int(rng.random() * 10 * 60)  # 11:00..21:00 UTC
        published = datetime.combine(day, time(minute // 60, minute % 60), UTC)
        items.append(
            NewsItem(
                ticker=ticker,
                title=title,
                source=_SOURCES[int(rng.random() * len(_SOURCES))],
                published_at=published,
                url=f"https://news.invalid/{ticker.lower()}/{day.isoformat()}/{n}",
                sentiment=round(tone, 3),
            )
        )
    items.sort(key=lambda item: item.published_at, reverse=True)
    return items


def _add_business_days(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def insider_trades_for_week(
    seed: int, ticker: str, monday: date, days: tuple[date, ...], closes: Sequence[float]
) -> list[InsiderTrade]:
    """Trades dated in the week starting ``monday`` (about one week in three has any)."""
    rng = seeded_rng("offline-insider", seed, ticker, monday)
    if rng.random() > 0.35:
        return []
    trades: list[InsiderTrade] = []
    for _ in range(1 + int(rng.random() * 2)):
        trade_day = monday + timedelta(days=int(rng.random() * 5))
        i = bisect_right(days, trade_day) - 1
        if i < 20:
            continue
        price = closes[i]
        # Insiders buy more after a 20-session drop, sell more after a rise.
        change = price / closes[i - 20] - 1.0
        buy = rng.random() < 0.35 - change * 2.0
        filed = _add_business_days(trade_day, 1 + int(rng.random() * 3))
        name, title = _INSIDERS[int(rng.random() * len(_INSIDERS))]
        shares = float(round(500 + rng.random() * 40000))
        trades.append(
            InsiderTrade(
                ticker=ticker,
                name=name,
                title=title,
                transaction_date=trade_day,
                available_at=filing_instant(filed),
                shares=shares if buy else -shares,
                price_per_share=round(price, 2),
                security_title="Common Stock",
            )
        )
    return trades
