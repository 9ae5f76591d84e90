"""``hedgegraph research`` in a subprocess: live progress, threads across processes, templates,
and usage errors that exit 2 naming the option."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import load_settings
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.modes import WorkflowMode
from graph.runner import arun_cycle
from tests.fakes.research_llm_server import FakeResearchModel
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

AS_OF = "2025-06-02T21:00:00"
REPO = Path(__file__).resolve().parents[3]
CLI = (sys.executable, "-m", "api.cli", "research")


def clean_env(home: Path) -> dict[str, str]:
    """PATH and locale only: no trading, broker, LLM or data setting reaches the subprocess."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")}
    env.update(HOME=str(home), HEDGEGRAPH_HOME=str(home), PYTHONPATH=str(REPO), COLUMNS="100")
    return env


def research(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    workdir = home.parent / "cwd"
    workdir.mkdir(parents=True, exist_ok=True)
    env = clean_env(home)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "research", *args, "--as-of", AS_OF],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=workdir,
    )


def answer_of(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr
    parsed: dict[str, Any] = json.loads(proc.stdout)
    return parsed


def test_live_progress_then_the_answer(tmp_path: Path) -> None:
    proc = research(
        tmp_path / "home", "How has AAPL traded?", "--ticker", "AAPL", "--thread", "cli-1"
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("plan (step 1): get_prices AAPL")
    tools = [line for line in lines if line.startswith("tool ")]
    assert tools[0] == "tool t1.call_1: get_prices(ticker=AAPL, lookback_sessions=60) ok"
    assert len(tools) == 4
    answer = next(
        line for line in lines if line.startswith("answer [rules-only]: AAPL: last close")
    )
    assert lines.index(answer) > lines.index(tools[-1])  # the answer after the tool calls
    assert any(line.startswith("  source: get_prices(ticker=AAPL") for line in lines)
    assert "validated; stopped: answered" in proc.stdout and lines[-1] == "thread: cli-1"


def test_a_thread_continues_in_a_later_process(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = answer_of(
        research(home, "How has MSFT traded?", "-t", "MSFT", "--thread", "c", "--json")
    )
    follow = answer_of(research(home, "And now?", "--thread", "c", "--json"))
    assert follow["thread"] == "c" and follow["answer"]["tickers"] == ["MSFT"]
    assert (
        f"builds on the earlier answer: {first['answer']['summary']}"
        in follow["answer"]["key_points"]
    )


def test_compare_template_researches_every_ticker_within_the_depth(tmp_path: Path) -> None:
    doc = answer_of(
        research(
            tmp_path / "home",
            "--template",
            "compare",
            "-t",
            "AAPL",
            "-t",
            "NVDA",
            "--depth",
            "deep",
            "--json",
        )
    )
    answer = doc["answer"]
    assert answer["question"].startswith("Compare AAPL, NVDA on price trend")
    assert {s["args"]["ticker"] for s in answer["sources"]} == {"AAPL", "NVDA"}
    assert answer["depth"] == "deep" and answer["usage"]["tool_calls"] == 8


async def test_explain_run_reads_the_past_runs_decisions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings(hedgegraph_home=home)
    context = build_context(settings, clock=FixedClock(datetime(2025, 3, 11, 15, 0, tzinfo=UTC)))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(
            context,
            saver,
            thread_id="run-7",
            tickers=["AAPL", "MSFT", "NVDA"],
            mode=WorkflowMode.SIGNAL,
            session_mode="autonomous",
        )
    decided = {d.ticker: d.action.value for d in result.decisions}
    assert decided, "precondition: the run made decisions"
    doc = answer_of(research(home, "--template", "explain-run", "--run", "run-7", "--json"))
    question = doc["answer"]["question"]
    assert question.startswith("Explain the decisions of this past run")
    for ticker, action in decided.items():
        assert f'"ticker": "{ticker}", "action": "{action}"' in question
    assert set(doc["answer"]["tickers"]) == set(decided)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--template", "compare", "-t", "AAPL"), "--ticker: compare takes 2 to 5 tickers, got 1"),
        (("--template", "company-analysis"), "--ticker: company-analysis takes 1 tickers, got 0"),
        (("--template", "explain-run"), "--run: explain-run needs the thread id"),
        (("--template", "explain-run", "--run", "never-ran"), "--run: explain-run needs"),
        ((), "question: give a question or --template"),
        (("why?", "--depth", "bottomless"), "bottomless"),
        (("why?", "--template", "horoscope"), "horoscope"),
    ],
)
def test_usage_errors_exit_2_naming_the_option(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    proc = research(tmp_path / "home", *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_rules_only_research_runs_on_a_core_install(tmp_path: Path) -> None:
    """No extra installed (LLM SDKs, Alpaca, Postgres, Redis, serve): research still answers."""
    from config.extras import EXTRAS

    hidden = sorted(m for modules in EXTRAS.values() for m in modules)
    code = (
        "import runpy, sys\n"
        f"for name in {hidden!r}:\n"
        "    sys.modules[name] = None\n"
        "sys.argv = ['hedgegraph', 'research', 'How is AAPL?', '-t', 'AAPL', "
        f"'--as-of', {AS_OF!r}, '--json']\n"
        "runpy.run_module('api.cli', run_name='__main__')\n"
    )
    home = tmp_path / "home"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    answer = answer_of(proc)["answer"]
    assert answer["rules_only"] and answer["validated"] and len(answer["sources"]) == 4


def test_with_an_llm_the_agent_reports_each_step_live(
    tmp_path: Path, model: FakeResearchModel
) -> None:
    home = tmp_path / "home"
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    env = {
        **clean_env(home),
        "LLM_PROVIDER": "openai",
        "LLM_MODEL": "test-model",
        "OPENAI_BASE_URL": model.openai_url,
        "OPENAI_API_KEY": "sk-test",
    }
    proc = subprocess.run(
        [*CLI, "How has AAPL traded?", "-t", "AAPL", "--as-of", AS_OF, "--thread", "llm-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=workdir,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "understood: 1 part(s), tickers AAPL"
    assert lines[1].startswith("plan (step 1): get_prices AAPL, get_financial_metrics AAPL")
    assert [line.split(":")[0] for line in lines[2:6]] == [f"tool t1.call_{i}" for i in range(1, 5)]
    assert lines[6] == "draft: ok"
    assert lines[7].startswith("answer: AAPL last close ")
    assert "validated; stopped: answered" in proc.stdout
    assert [s.kind for s in model.seen][:2] == ["understand", "plan"]
