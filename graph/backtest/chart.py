"""``equity.png``: the equity curve with the benchmark beside it and the drawdown under it.

Why matplotlib (the ``backtest`` extra) with the Agg backend: a file, never a window, and no
display needed on a server. Without the extra installed the chart is skipped, the other result
files are still written.
"""

from __future__ import annotations

from pathlib import Path

from graph.backtest.results import BacktestResult

__all__ = ["write_equity_chart"]


def write_equity_chart(result: BacktestResult, path: Path) -> Path | None:
    """Write the chart to ``path``; ``None`` when matplotlib is not installed or nothing ran."""
    if not result.equity:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    days = [p.day for p in result.equity]
    equity = [float(p.equity) for p in result.equity]
    start = float(result.initial_cash)
    peak = start
    drawdown = []
    for value in equity:
        peak = max(peak, value)
        drawdown.append(value / peak - 1.0)
    figure, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=(10, 6), gridspec_kw={"height_ratios": [3, 1]}
    )
    top.plot(days, [v / start for v in equity], label="strategy", color="tab:blue")
    bench = [(d, p.benchmark_close) for d, p in zip(days, result.equity, strict=True)]
    known = [(d, c) for d, c in bench if c is not None]
    if result.benchmark and len(known) > 1:
        first = known[0][1]
        top.plot(
            [d for d, _ in known],
            [c / first for _, c in known],
            label=f"benchmark {result.benchmark}",
            color="tab:gray",
        )
    top.axhline(1.0, color="black", linewidth=0.5)
    top.set_ylabel("growth of 1")
    top.set_title(f"{', '.join(result.tickers)} {result.start}..{result.end}")
    top.legend(loc="upper left")
    bottom.fill_between(days, drawdown, 0, color="tab:red", alpha=0.4)
    bottom.set_ylabel("drawdown")
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
