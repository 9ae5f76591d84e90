"""The backtest's summary and the files written under ``--out``.

``summary_of`` turns a ``BacktestResult`` into the ``BacktestSummary`` the CLI prints (and
``--json`` emits); ``write_report`` writes ``summary.json``, ``equity.csv``, ``trades.csv`` and,
with the ``backtest`` extra installed, ``equity.png``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from graph.backtest.results import BacktestResult
from graph.backtest.risk_ratios import EquityCurve, RiskRatios, risk_ratios
from graph.backtest.statistics import Statistics, statistics_of

__all__ = ["BacktestSummary", "summary_of", "write_report"]


class BacktestSummary(BaseModel):
    """The headline numbers of one backtest."""

    tickers: list[str]
    start: str
    end: str
    sessions: int
    analysts: list[str]
    mode: str
    initial_cash: Decimal
    final_equity: Decimal
    slippage_bps: float
    commission_per_share: Decimal
    commissions_paid: Decimal
    fills: int
    decisions: int
    orders_submitted: int
    llm_calls: int
    benchmark: str | None
    statistics: Statistics
    notes: list[str]

    def describe(self) -> str:
        s = self.statistics
        lines = [
            f"backtest {', '.join(self.tickers)} {self.start}..{self.end} "
            f"({self.sessions} sessions, {self.mode}, analysts: {', '.join(self.analysts)})",
            f"equity {self.initial_cash} -> {self.final_equity}  total return "
            f"{s.total_return:+.2%}  annualised {s.annual_return:+.2%}",
            f"volatility {s.annual_volatility:.2%}  Sharpe {s.sharpe:.2f}  Sortino "
            f"{s.sortino:.2f}  Calmar {s.calmar:.2f}",
            f"max drawdown {s.max_drawdown:.2%} ({s.drawdown_peak} -> {s.drawdown_trough})  "
            f"exposure {s.exposure:.1%}  turnover {s.turnover:.2f}",
            f"fills {self.fills}  closed trades {s.closed_trades}  win rate "
            f"{_pct(s.win_rate)}  profit factor {_num(s.profit_factor)}  commissions "
            f"{self.commissions_paid}  LLM calls {self.llm_calls}",
        ]
        if s.benchmark_return is not None:
            lines.append(
                f"benchmark {self.benchmark} {s.benchmark_return:+.2%}  excess "
                f"{_pct(s.excess_return, signed=True)}"
            )
        for name, hit in s.analyst_hit_rates.items():
            lines.append(f"  {name}: hit rate {_pct(hit.hit_rate)} over {hit.scored} verdicts")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _pct(value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.2%}" if signed else f"{value:.2%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def summary_of(
    result: BacktestResult, ratios: Callable[[EquityCurve], RiskRatios] = risk_ratios
) -> BacktestSummary:
    """The summary of ``result``; ``ratios`` as in ``statistics_of``."""
    return BacktestSummary(
        tickers=list(result.tickers),
        start=result.start.isoformat(),
        end=result.end.isoformat(),
        sessions=len(result.sessions),
        analysts=list(result.analysts),
        mode=result.mode,
        initial_cash=result.initial_cash,
        final_equity=result.equity[-1].equity if result.equity else result.initial_cash,
        slippage_bps=result.slippage_bps,
        commission_per_share=result.commission_per_share,
        commissions_paid=sum((t.commission for t in result.trades), Decimal(0)),
        fills=len(result.trades),
        decisions=sum(len(s.decisions) for s in result.sessions),
        orders_submitted=sum(len(s.orders) for s in result.sessions),
        llm_calls=result.llm_calls,
        benchmark=result.benchmark,
        statistics=statistics_of(result, ratios),
        notes=list(result.notes),
    )


def write_report(result: BacktestResult, summary: BacktestSummary, out: Path) -> list[Path]:
    """Write the result files into ``out`` (created); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "summary.json", out / "equity.csv", out / "trades.csv"]
    written[0].write_text(json.dumps(summary.model_dump(mode="json"), indent=2) + "\n")
    with written[1].open("w", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["date", "equity", "cash", "gross_exposure", "benchmark_close"])
        for point in result.equity:
            rows.writerow(
                [
                    point.day.isoformat(),
                    point.equity,
                    point.cash,
                    point.gross_exposure,
                    "" if point.benchmark_close is None else point.benchmark_close,
                ]
            )
    with written[2].open("w", newline="") as handle:
        rows = csv.writer(handle)
        fields = list(result.trades[0].model_dump().keys()) if result.trades else _TRADE_FIELDS
        rows.writerow(fields)
        for trade in result.trades:
            values = trade.model_dump(mode="json")
            rows.writerow(["" if values[f] is None else values[f] for f in fields])
    from graph.backtest.chart import write_equity_chart

    chart = write_equity_chart(result, out / "equity.png")
    if chart is not None:
        written.append(chart)
    return written


_TRADE_FIELDS = [
    "day",
    "at",
    "ticker",
    "side",
    "qty",
    "price",
    "commission",
    "reason",
    "gapped",
    "decision_id",
    "client_order_id",
    "realized_pnl",
]
