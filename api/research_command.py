"""``hedgegraph research "question"``: a research session in the terminal.

Multi-turn: ``--thread ID`` continues a thread (its questions, answers and tool results are
checkpointed under HEDGEGRAPH_HOME, so a later process resumes it); without it a new thread is
started and its id printed. Progress is live: the plan, each tool call as it runs, then the
answer with its sources. ``--template`` asks one of the common questions. Research reads data
only: nothing here reaches a broker.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli_context import load_cli_settings
from api.replays import AS_OF_FORMATS
from api.startup_errors import fail, startup_guard

if TYPE_CHECKING:
    from config.settings import Settings
    from mazo_bridge.answer import ResearchAnswer

__all__ = ["register", "research"]


class Depth(StrEnum):
    QUICK = "quick"
    STANDARD = "standard"
    DEEP = "deep"


class Template(StrEnum):
    COMPANY_ANALYSIS = "company-analysis"
    COMPARE = "compare"
    EXPLAIN_RUN = "explain-run"
    EARNINGS_PREVIEW = "earnings-preview"
    RISK_REVIEW = "risk-review"


def _line(kind: str, detail: dict[str, Any]) -> None:
    """One live progress line per agent event."""
    if kind == "understood":
        typer.echo(
            f"understood: {len(detail['parts'])} part(s), tickers {', '.join(detail['tickers'])}"
        )
    elif kind == "plan":
        tasks = ", ".join(f"{t['tool']} {t['ticker']}" for t in detail["tasks"]) or "nothing new"
        typer.echo(f"plan (step {detail['step']}): {tasks}")
    elif kind == "tool":
        args = ", ".join(f"{k}={v}" for k, v in detail["args"].items())
        typer.echo(f"tool {detail['call_id']}: {detail['tool']}({args}) {detail['status']}")
    elif kind == "draft":
        typer.echo("draft: " + ("ok" if not detail["errors"] else "; ".join(detail["errors"])))


def _show(answer: ResearchAnswer, thread: str) -> None:
    mark = " [rules-only]" if answer.rules_only else ""
    typer.echo(f"answer{mark}: {answer.summary}")
    typer.echo(f"stance: {answer.stance.value} (confidence {answer.confidence:.2f})")
    for point in answer.key_points:
        typer.echo(f"  - {point}")
    for risk in answer.risks:
        typer.echo(f"  risk: {risk}")
    for label in answer.source_labels():
        typer.echo(f"  source: {label}")
    verdict = (
        "validated" if answer.validated else "NOT validated: " + "; ".join(answer.validation_errors)
    )
    u = answer.usage
    typer.echo(
        f"{verdict}; stopped: {answer.stop_reason.value}; {u.planning_steps} planning step(s), "
        f"{u.tool_calls} tool call(s), {u.refused_calls} refused, {u.tokens} tokens"
    )
    typer.echo(f"thread: {thread}")


def _decisions(settings: Settings, run: str) -> list[dict[str, Any]]:
    from tools.persistence.sql_ledger import SqlLedger

    ledger = SqlLedger.from_url(settings.effective_database_url)
    return [r.model_dump(mode="json") for r in ledger.decisions_for_thread(run)]


def research(
    question: Annotated[str, typer.Argument(help="The question (optional with --template).")] = "",
    ticker: Annotated[
        list[str] | None, typer.Option("--ticker", "-t", help="A ticker (repeat for several).")
    ] = None,
    depth: Annotated[
        Depth, typer.Option(help="Budgets: planning steps, tool calls, tokens, time.")
    ] = Depth.QUICK,
    thread: Annotated[str | None, typer.Option(help="Continue this research thread.")] = None,
    template: Annotated[Template | None, typer.Option(help="Ask a common question.")] = None,
    run: Annotated[str | None, typer.Option(help="explain-run: the past run's thread id.")] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of", formats=list(AS_OF_FORMATS), help="Research as of this time (UTC)."
        ),
    ] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Do not use the LLM.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Research a question with the research agent (rules-only when no LLM is configured)."""
    from mazo_bridge.templates import TemplateError, render_template

    settings = load_cli_settings()
    tickers = [t.strip().upper() for t in ticker or [] if t.strip()]
    if template is not None:
        decisions = _decisions(settings, run) if template is Template.EXPLAIN_RUN and run else None
        if decisions:
            tickers = tickers or list(dict.fromkeys(str(d["ticker"]) for d in decisions))
        try:
            question = render_template(
                template.value, tickers, question=question, decisions=decisions
            )
        except TemplateError as exc:
            fail(str(exc))
    if not question.strip():
        fail("question: give a question or --template")
    moment = as_of.replace(tzinfo=as_of.tzinfo or UTC) if as_of else datetime.now(UTC)
    import asyncio

    from mazo_bridge.sessions import ResearchSessions, new_thread_id
    from tools.market_data.factory import build_market_data

    thread_id = thread or new_thread_id()
    with startup_guard():
        sessions = ResearchSessions(settings, build_market_data(settings), use_llm=not rules_only)
        answer = asyncio.run(
            sessions.ask(
                question,
                tickers,
                as_of=moment,
                depth=depth.value,
                thread_id=thread_id,
                progress=None if as_json else _line,
            )
        )
    if as_json:
        typer.echo(json.dumps({"thread": thread_id, "answer": answer.model_dump(mode="json")}))
    else:
        _show(answer, thread_id)


def register(cli: typer.Typer) -> None:
    cli.command()(research)
