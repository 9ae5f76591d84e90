"""``hedgegraph backtest``: the production graph over past sessions, through a simulated broker.

Why a command of its own and not ``run --as-of`` in a loop: a backtest builds and compiles the
graph once, keeps no checkpoints, reads every ticker's history once, and fills each decision at
the next session's open with costs; a replay is one live cycle at a past moment. Nothing here
opens the live ledger, the paper account or a broker client (``graph.backtest.session``).

Bad input (a date that does not parse, an unknown analyst, a folder without the tickers' files)
exits 2 naming the option; the heavy imports happen only once the options are valid.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli_context import load_cli_settings
from api.startup_errors import fail, startup_guard

if TYPE_CHECKING:
    from graph.backtest import BacktestConfig, BacktestResult
    from graph.backtest.ratio_worker import RatioWorker

__all__ = ["backtest", "register"]


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date (YYYY-MM-DD)")


def _decimal(option: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        fail(f"{option}: {text!r} is not a number")
    if not value.is_finite():
        fail(f"{option}: {text!r} is not a finite number")
    return value


_OPTION_OF = {
    "tickers": "--tickers",
    "start": "--start",
    "end": "--end",
    "data_dir": "--data",
    "analysts": "--analysts",
    "mode": "--mode",
    "initial_cash": "--initial-cash",
    "slippage_bps": "--slippage-bps",
    "commission_per_share": "--commission-per-share",
    "benchmark": "--benchmark",
    "hit_horizon": "--hit-horizon",
}


def _config(fields: dict[str, Any]) -> BacktestConfig:
    from pydantic import ValidationError

    from graph.backtest import BacktestConfig

    try:
        return BacktestConfig(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = error["loc"][0] if error["loc"] else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            if not where and message.startswith("end:"):  # the range check names --end
                where, message = "end", message.removeprefix("end: ")
            name = _OPTION_OF.get(str(where), str(where) or "options")
            problems.append(f"{name}: {message}")
        fail("invalid backtest options", "\n".join(problems))


def backtest(
    tickers: Annotated[str, typer.Option(help="Comma-separated tickers, e.g. AAPL,MSFT.")],
    start: Annotated[str, typer.Option(help="First session (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last session (YYYY-MM-DD).")],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Folder of <TICKER>*.csv daily bars (default: DATA_PROVIDERS)."
        ),
    ] = None,
    analysts: Annotated[
        str | None,
        typer.Option(help="Comma-separated analyst roster, or 'all' (default: ANALYSTS)."),
    ] = None,
    mode: Annotated[
        str | None, typer.Option(help="Workflow mode (default: WORKFLOW_MODE).")
    ] = None,
    initial_cash: Annotated[
        str | None, typer.Option(help="Starting cash (default 100000).")
    ] = None,
    slippage_bps: Annotated[
        float | None, typer.Option(help="Slippage against each fill, basis points (default 5).")
    ] = None,
    commission_per_share: Annotated[
        str | None, typer.Option(help="Commission per share filled (default 0).")
    ] = None,
    benchmark: Annotated[
        str | None, typer.Option(help="Benchmark ticker in the same data (default SPY).")
    ] = None,
    hit_horizon: Annotated[
        int | None, typer.Option(help="Sessions a verdict is scored over (default 5).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write summary.json, equity.csv, trades.csv and equity.png here."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary and trades.")] = False,
) -> None:
    """Backtest the trading graph over past sessions: next-open fills, costs, no look-ahead."""
    from config.extras import absent_from_extra

    if absent := absent_from_extra("backtest"):  # before the run, not after its last session
        fail(
            "backtest needs the backtest extra (pip install 'hedgegraph[backtest]')",
            f"not installed: {', '.join(absent)}",
        )
    if data is not None and not data.is_dir():
        fail(f"--data: {data} is not a folder")
    config = _config(
        {
            "tickers": tickers,
            "start": _day("--start", start),
            "end": _day("--end", end),
            "data_dir": data,
            "analysts": tuple(a.strip() for a in analysts.split(",") if a.strip())
            if analysts is not None
            else None,
            "mode": mode,
            "initial_cash": _decimal("--initial-cash", initial_cash),
            "slippage_bps": slippage_bps,
            "commission_per_share": _decimal("--commission-per-share", commission_per_share),
            "benchmark": benchmark,
            "hit_horizon": hit_horizon,
        }
    )
    settings = load_cli_settings()
    import asyncio  # here: ``--help`` of every command loads no event loop

    from api import startup_gc
    from graph.backtest.ratio_worker import RatioWorker
    from graph.backtest.session import BacktestInputError, run_backtest

    startup_gc.resume()  # a long run: collection on again, start-up's objects frozen out of it

    show_bar = not as_json and sys.stderr.isatty()
    # the statistics library imports in a second process while the sessions run (ratio_worker)
    with RatioWorker() as ratios:
        with startup_guard():
            try:
                # handed back through a box, not as the main task's result: asyncio.run
                # restores its SIGINT handler at the end, and the enum lookup of the old handler
                # formats the handler's repr, which holds the finished task and so the whole
                # result (0.1-0.2 s)
                box: list[BacktestResult] = []
                asyncio.run(_run(config, settings, run_backtest, show_bar, box))
                result = box[0]
            except BacktestInputError as exc:
                fail("backtest cannot run", str(exc))
        _report(result, out, as_json, home=settings.hedgegraph_home, ratios=ratios)


async def _run(
    config: Any, settings: Any, run_backtest: Any, show_bar: bool, box: list[BacktestResult]
) -> None:
    if not show_bar:
        box.append(await run_backtest(config, settings))
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("backtest {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),  # stdout stays the report's (or the JSON's)
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_session(done: int, total: int, record: Any) -> None:
            progress.update(task, completed=done, total=total, description=str(record.day))

        box.append(await run_backtest(config, settings, on_session=on_session))


def _report(
    result: BacktestResult, out: Path | None, as_json: bool, *, home: Path, ratios: RatioWorker
) -> None:
    from datetime import UTC, datetime

    from api.backtest_records import save_backtest
    from graph.backtest.report import summary_of, write_report

    summary = summary_of(result, ratios.ratios)
    if out is not None:
        write_report(result, summary, out)
    # Kept in the home too, so the API and the operator page list every finished backtest.
    record = save_backtest(home, result, summary, saved_at=datetime.now(UTC))
    if as_json:
        payload = {
            "id": record.id,
            "summary": summary.model_dump(mode="json"),
            "trades": [t.model_dump(mode="json") for t in result.trades],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(summary.describe())
    if out is not None:
        typer.echo(f"results written to {out}")
    typer.echo(f"kept as backtest {record.id} (the API's /api/v1/backtests, the operator page)")


def register(cli: typer.Typer) -> None:
    cli.command()(backtest)
