"""The research tools over the data layer, point in time, with loop detection.

Why the toolbox sets ``as_of`` and the model never does: a model asked about "the latest
earnings" in a backtest must not be able to read past the cycle's as-of. Every call reads at the
toolbox's ``as_of`` and records it in the call's source entry.

Why tool outputs are compact JSON: they go back to the model as data (``tool`` messages), and the
validator checks every number of a draft against them, so they carry the numbers an answer would
quote (changes already in percent, ratios rounded) rather than raw bar dumps.

Loop detection: the same tool with the same (validated) arguments runs once; a repeat is refused
with a note, and refusals count against the depth's tool-call budget, so a model stuck on one
call stops at its budget.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain import FinancialMetrics
from mazo_bridge.answer import SourceCall
from tools.market_data.provider import MarketDataProvider
from tools.market_data.sessions import NEW_YORK

__all__ = ["TOOL_NAMES", "ResearchToolbox", "ToolResult", "ToolSpec"]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ticker: str = Field(min_length=1, max_length=12, description="Stock ticker, e.g. AAPL")

    @field_validator("ticker")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


class PricesArgs(_Args):
    lookback_sessions: int = Field(default=60, ge=5, le=250, description="Sessions to summarise")


class MetricsArgs(_Args):
    periods: int = Field(default=4, ge=1, le=8, description="Most recent report periods")


class LineItemsArgs(_Args):
    items: tuple[str, ...] = Field(
        default=("revenue", "net_income", "free_cash_flow"),
        min_length=1,
        max_length=8,
        description="Statement line item names",
    )
    periods: int = Field(default=4, ge=1, le=8)


class ListArgs(_Args):
    limit: int = Field(default=20, ge=1, le=50, description="Most recent records")


class FactsArgs(_Args):
    pass


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    args: type[_Args]

    def function_schema(self) -> dict[str, Any]:
        """The OpenAI-style ``tools`` entry (Ollama accepts the same shape)."""
        params = self.args.model_json_schema()
        params.pop("title", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": params},
        }


@dataclass(frozen=True, slots=True)
class ToolResult:
    """One tool call's outcome; ``output`` is JSON text, untrusted data for the model."""

    call_id: str
    tool: str
    args: dict[str, Any]
    status: Literal["ok", "refused", "error"]
    output: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


_METRIC_FIELDS: tuple[tuple[str, int], ...] = (
    ("price_to_earnings_ratio", 2),
    ("price_to_book_ratio", 2),
    ("price_to_sales_ratio", 2),
    ("gross_margin", 4),
    ("operating_margin", 4),
    ("net_margin", 4),
    ("return_on_equity", 4),
    ("debt_to_equity", 2),
    ("current_ratio", 2),
    ("revenue_growth", 4),
    ("earnings_growth", 4),
    ("earnings_per_share", 2),
    ("free_cash_flow_yield", 4),
)


def _metrics_row(m: FinancialMetrics) -> dict[str, Any]:
    row: dict[str, Any] = {"report_period": m.report_period.isoformat(), "period": m.period}
    for name, digits in _METRIC_FIELDS:
        value = getattr(m, name)
        if value is not None:
            row[name] = _r(value, digits)
    return row


@dataclass
class ResearchToolbox:
    """The tools one research run may call, all reading at ``as_of``; keeps the call ledger."""

    provider: MarketDataProvider
    as_of: datetime
    id_prefix: str = ""
    """Prefix of this run's call ids (a thread's turns keep distinct ids)."""
    results: list[ToolResult] = field(default_factory=list)
    _seen: dict[str, str] = field(default_factory=dict)
    """Canonical call key -> call id of the first (executed) call."""

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        self._run: dict[str, Callable[[Any], dict[str, Any]]] = {
            "get_prices": self._prices,
            "get_financial_metrics": self._metrics,
            "get_line_items": self._line_items,
            "get_insider_trades": self._insider,
            "get_news": self._news,
            "get_company_facts": self._facts,
        }

    @staticmethod
    def specs() -> tuple[ToolSpec, ...]:
        return _SPECS

    @property
    def executed(self) -> list[ToolResult]:
        return [r for r in self.results if r.status != "refused"]

    @property
    def refused(self) -> list[ToolResult]:
        return [r for r in self.results if r.status == "refused"]

    def sources(self, call_ids: Sequence[str] | None = None) -> tuple[SourceCall, ...]:
        """Source entries for executed calls (all, or those in ``call_ids``)."""
        wanted = None if call_ids is None else set(call_ids)
        return tuple(
            SourceCall(call_id=r.call_id, tool=r.tool, args=r.args, as_of=self.as_of)
            for r in self.results
            if r.ok and (wanted is None or r.call_id in wanted)
        )

    def call(
        self, tool: str, raw_args: dict[str, Any], *, call_id: str | None = None
    ) -> ToolResult:
        """Run one tool call, or refuse it (unknown tool, invalid arguments, a repeat)."""
        call_id = call_id or f"{self.id_prefix}call_{len(self.results) + 1}"
        spec = _BY_NAME.get(tool)
        if spec is None:
            return self._keep(
                call_id, tool, raw_args, "refused", {"refused": f"unknown tool {tool!r}"}
            )
        try:
            args = spec.args.model_validate(raw_args)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]
            )
            return self._keep(call_id, tool, raw_args, "refused", {"refused": problems})
        clean = args.model_dump(mode="json")
        key = json.dumps([tool, clean], sort_keys=True)
        if key in self._seen:
            note = f"repeat of {self._seen[key]}: the same call runs once; its result is above"
            return self._keep(call_id, tool, clean, "refused", {"refused": note})
        self._seen[key] = call_id
        try:
            body = self._run[tool](args)
        except Exception as exc:  # a provider failure is data for the model, not a crash
            return self._keep(
                call_id, tool, clean, "error", {"error": f"{type(exc).__name__}: {exc}"}
            )
        return self._keep(call_id, tool, clean, "ok", body)

    def _keep(
        self, call_id: str, tool: str, args: dict[str, Any], status: Any, body: dict[str, Any]
    ) -> ToolResult:
        result = ToolResult(
            call_id=call_id,
            tool=tool,
            args=dict(args),
            status=status,
            output=json.dumps(body, sort_keys=False, default=str),
        )
        self.results.append(result)
        return result

    # -- the tools ------------------------------------------------------------------------

    def _header(self, ticker: str) -> dict[str, Any]:
        return {"ticker": ticker, "as_of": self.as_of.isoformat()}

    def _prices(self, args: PricesArgs) -> dict[str, Any]:
        start = self.as_of.astimezone(NEW_YORK).date() - timedelta(
            days=int(args.lookback_sessions * 1.6) + 10
        )
        bars = self.provider.bars(args.ticker, start=start, as_of=self.as_of)[
            -args.lookback_sessions :
        ]
        if not bars:
            return {**self._header(args.ticker), "sessions": 0, "note": "no bars"}
        first, last = bars[0].close, bars[-1].close
        return {
            **self._header(args.ticker),
            "sessions": len(bars),
            "first_date": bars[0].ts.astimezone(NEW_YORK).date().isoformat(),
            "last_date": bars[-1].ts.astimezone(NEW_YORK).date().isoformat(),
            "first_close": _r(first),
            "last_close": _r(last),
            "change_pct": _r((last - first) / first * 100),
            "high": _r(max(b.high for b in bars)),
            "low": _r(min(b.low for b in bars)),
            "avg_volume": round(fmean(b.volume for b in bars)),
            "last_5_closes": [_r(b.close) for b in bars[-5:]],
        }

    def _metrics(self, args: MetricsArgs) -> dict[str, Any]:
        rows = self.provider.financial_metrics(args.ticker, as_of=self.as_of, limit=args.periods)
        return {
            **self._header(args.ticker),
            "periods": [_metrics_row(m) for m in rows if m.available_at <= self.as_of],
        }

    def _line_items(self, args: LineItemsArgs) -> dict[str, Any]:
        fetch = getattr(self.provider, "line_items", None)
        if fetch is None:
            return {
                **self._header(args.ticker),
                "unsupported": f"{self.provider.name} has no line items",
            }
        rows = fetch(args.ticker, list(args.items), as_of=self.as_of, limit=args.periods)
        return {
            **self._header(args.ticker),
            "periods": [
                {
                    "report_period": r.report_period.isoformat(),
                    **{k: _r(v, 0) for k, v in r.values.items()},
                }
                for r in rows
                if r.available_at <= self.as_of
            ],
        }

    def _insider(self, args: ListArgs) -> dict[str, Any]:
        trades = [
            t
            for t in self.provider.insider_trades(args.ticker, as_of=self.as_of, limit=args.limit)
            if t.available_at <= self.as_of
        ]
        shares = [t.shares for t in trades if t.shares is not None]
        return {
            **self._header(args.ticker),
            "trades": len(trades),
            "buys": sum(1 for s in shares if s > 0),
            "sells": sum(1 for s in shares if s < 0),
            "net_shares": round(sum(shares)),
            "recent": [
                {
                    "filed": t.available_at.date().isoformat(),
                    "name": t.name,
                    "title": t.title,
                    "shares": None if t.shares is None else round(t.shares),
                    "price": _r(t.price_per_share),
                }
                for t in trades[:5]
            ],
        }

    def _news(self, args: ListArgs) -> dict[str, Any]:
        items = [
            n
            for n in self.provider.news(args.ticker, as_of=self.as_of, limit=args.limit)
            if n.published_at <= self.as_of
        ]
        tones = [n.sentiment for n in items if n.sentiment is not None]
        return {
            **self._header(args.ticker),
            "items": len(items),
            "avg_sentiment": _r(fmean(tones), 2) if tones else None,
            "headlines": [
                {
                    "published": n.published_at.isoformat(),
                    "title": n.title,
                    "source": n.source,
                    "sentiment": _r(n.sentiment),
                }
                for n in items[:8]
            ],
        }

    def _facts(self, args: FactsArgs) -> dict[str, Any]:
        fetch = getattr(self.provider, "company_facts", None)
        if fetch is None:
            return {
                **self._header(args.ticker),
                "unsupported": f"{self.provider.name} has no company facts",
            }
        facts = fetch(args.ticker)
        # only the static profile: market_cap and share counts are today's, not as of the cycle
        keep = ("name", "sector", "industry", "exchange", "location", "listing_date")
        return {**self._header(args.ticker), **{k: getattr(facts, k, None) for k in keep}}


_SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "get_prices",
        "Daily price summary over the last N sessions: closes, change in percent, range, volume.",
        PricesArgs,
    ),
    ToolSpec(
        "get_financial_metrics",
        "Trailing financial metrics per report period (valuation ratios, margins, growth).",
        MetricsArgs,
    ),
    ToolSpec("get_line_items", "Financial statement line items per report period.", LineItemsArgs),
    ToolSpec(
        "get_insider_trades",
        "Insider transactions filed by the as-of time: counts, net shares, recent filings.",
        ListArgs,
    ),
    ToolSpec(
        "get_news", "Recent headlines with provider sentiment and the average tone.", ListArgs
    ),
    ToolSpec("get_company_facts", "Static company profile: name, sector, industry.", FactsArgs),
)
_BY_NAME = {s.name: s for s in _SPECS}
TOOL_NAMES = tuple(_BY_NAME)
