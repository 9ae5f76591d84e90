"""What every command opens first: validated settings, the account it acts on, and a clock.

Why lazy: ``hedgegraph --help`` and ``status`` must start in well under a second, so nothing here
imports the graph, the LLM clients, pandas or the checkpointers at module level; each function
imports what it needs when it is called. Operator commands open the one engine
(``graph.engine.TradingEngine``) with ``purpose="operator"``: the broker, the ledger and the alert
dispatcher, never market-data providers with keys, analysts or LLMs (an emergency stop must not
depend on them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from api.replays import AS_OF_FORMATS, as_utc, replay_key, replay_settings, thread_replay
from api.startup_errors import fail, startup_guard

if TYPE_CHECKING:
    from config.settings import Settings
    from graph.engine import TradingEngine
    from tools.clock import Clock

__all__ = [
    "AsOfOption",
    "ReplayOption",
    "account_settings",
    "load_cli_settings",
    "operator_engine",
    "replay_clock",
]

AsOfOption = Annotated[
    datetime | None,
    typer.Option(
        "--as-of",
        formats=list(AS_OF_FORMATS),
        help="Replay at this time (UTC unless an offset is given) on the replay's own paper "
        "account; paper broker only.",
    ),
]
ReplayOption = Annotated[
    datetime | None,
    typer.Option(
        "--replay",
        formats=list(AS_OF_FORMATS),
        help="Act on the paper account of the replay started with this --as-of.",
    ),
]


def load_cli_settings(*, operator: bool = False) -> Settings:
    """Validated settings; a bad value exits 2 naming the key (nothing is opened yet).

    ``operator``: the broker's and the ledger's settings only are required; a missing LLM or
    market-data key must not stop ``halt`` or ``status`` (see ``load_operator_settings``).
    """
    with startup_guard():
        from config.settings import load_operator_settings, load_settings

        return load_operator_settings() if operator else load_settings()


def _replay_key_for(settings: Settings, at: datetime) -> str:
    if settings.broker != "paper":
        fail("--as-of / --replay replay history and are refused with BROKER=alpaca")
    return replay_key(at)


def account_settings(
    settings: Settings, *, as_of: datetime | None = None, thread_id: str | None = None
) -> tuple[Settings, str | None]:
    """The settings of the account a command acts on, and the replay key (``None``: real).

    A thread started in a replay stays in it: ``approve --thread`` and ``run --thread`` find its
    account through the replay index even when given a later ``--as-of`` or none.
    """
    key = thread_replay(settings.hedgegraph_home, thread_id) if thread_id else None
    if key is None and as_of is not None:
        key = _replay_key_for(settings, as_of)
    if key is None:
        return settings, None
    if settings.broker != "paper":
        fail("this thread belongs to a replay, which needs BROKER=paper")
    return replay_settings(settings, key), key


def replay_clock(as_of: datetime | None, key: str | None) -> Clock:
    """``--as-of`` if given; else the replay's own moment; else the wall clock."""
    from tools.clock import FixedClock, SystemClock

    if as_of is not None:
        return FixedClock(as_utc(as_of))
    if key is not None:
        return FixedClock(as_utc(datetime.strptime(key, "%Y-%m-%dT%H%M%SZ")))
    return SystemClock()


@contextmanager
def operator_engine(
    *, replay: datetime | None = None, tolerate_missing_ledger: bool = False
) -> Iterator[TradingEngine]:
    """The operator engine (broker, ledger, alerts) for the account a command acts on.

    Settings are validated first (exit 2 naming the key); the engine is then opened with
    ``purpose="operator"``, so the broker and the paper broker's price source are built in one
    place for every face, and everything it opened is closed when the command ends. A start-up
    failure exits 2 with the engine's message. A ledger that cannot be opened exits 2 too,
    unless ``tolerate_missing_ledger`` (the emergency stop): then ``engine.ledger_problem`` says
    why and ``engine.broker`` still works.

    Why a synchronous wrapper: the commands call synchronous code (the emergency stop, the
    position monitor) that may run its own event loop; the engine is opened and closed on a
    loop of its own that is not running while the command works.
    """
    import asyncio

    settings, key = account_settings(load_cli_settings(operator=True), as_of=replay)
    clock = replay_clock(replay, key)
    from graph.engine import EngineStartupError, TradingEngine

    with asyncio.Runner() as loop:
        opening = TradingEngine.open(settings, purpose="operator", clock=clock)
        try:
            engine = loop.run(opening.__aenter__())
        except EngineStartupError as exc:
            fail("start-up failed", str(exc))
        try:
            if engine.ledger_problem is not None and not tolerate_missing_ledger:
                fail("start-up failed", engine.ledger_problem)
            yield engine
        except BaseException as exc:
            if not loop.run(opening.__aexit__(type(exc), exc, exc.__traceback__)):
                raise
        else:
            loop.run(opening.__aexit__(None, None, None))
