"""The checkpoint serializer: msgpack with a strict allowlist of hedgegraph's own types.

Why strict: a checkpoint row is data, and whoever can write to the checkpoint database must not be
able to make us construct an arbitrary Python object when it is read back. LangGraph's default
serializer reconstructs any importable type (with a warning); ours reconstructs only the domain
model (every class and enum exported by ``domain``), the graph's ``RunRequest``, the gate's
``GateSnapshot`` and LangGraph's own safe built-ins (Decimal, datetime, messages, Send, Interrupt,
Command). Anything else is left as its plain data (a dict or list), never instantiated.

The Redis saver stores checkpoints as JSON documents, not msgpack, and its stock serializer encodes
a pydantic model by its ``__dict__`` and a ``Decimal`` with no arguments, so a cash balance of
99999.63 comes back as ``Decimal('0')`` and models come back as raw envelopes (measured with
langgraph-checkpoint-redis 0.5.2). ``RedisCheckpointSerializer`` fixes both for our types: models
are written as their JSON-mode dump and revived through their own validation; Decimals are written
as their exact string.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from enum import Enum
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from pydantic import BaseModel

import domain
from domain import RunRequest
from graph.risk.snapshot import GateSnapshot

if TYPE_CHECKING:
    from graph.checkpoints.redis_serde import RedisCheckpointSerializer

__all__ = [
    "LEGACY_MODULES",
    "RedisCheckpointSerializer",
    "checkpoint_allowlist",
    "checkpoint_serializer",
    "redis_checkpoint_serializer",
]


LEGACY_MODULES: dict[str, str] = {
    "graph.domain": "domain",
    **{
        f"graph.domain.{sub}": f"domain.{sub}"
        for sub in (
            "_base",
            "approval",
            "decisions",
            "events",
            "gate",
            "market",
            "orders",
            "portfolio",
            "research",
            "signals",
            "trading_state",
            "verdicts",
        )
    },
    "tools.market_data.records": "domain.records",
}
"""Module paths that checkpoints written before the domain moved to its own package still name.

A checkpoint stores each value's module and class name; a thread checkpointed by an older release
must resume after the move, so each old path is registered as an alias of its new module (only
for paths that no longer exist, so nothing real is shadowed) and allowlisted for the same classes.
``RunRequest`` and ``AssetStatus`` kept importable names at their old homes (``graph.state``,
``graph.risk.snapshot``), which need no alias, only an allowlist entry.
"""

_LEGACY_NAMES: tuple[tuple[str, str], ...] = (
    ("graph.state", "RunRequest"),
    ("graph.risk.snapshot", "AssetStatus"),
)


def register_legacy_modules() -> None:
    for old, new in LEGACY_MODULES.items():
        if old not in sys.modules:
            sys.modules[old] = importlib.import_module(new)


def legacy_allowlist(types: tuple[type, ...]) -> list[tuple[str, str]]:
    """The (old module, class) pairs under which checkpoints may still name allowlisted types."""
    by_module = {new: old for old, new in LEGACY_MODULES.items()}
    entries = [(by_module[t.__module__], t.__name__) for t in types if t.__module__ in by_module]
    known = {t.__name__ for t in types}
    entries += [(module, name) for module, name in _LEGACY_NAMES if name in known]
    return entries


def checkpoint_allowlist() -> tuple[type, ...]:
    """Every type a checkpoint may reconstruct, beyond LangGraph's built-in safe set.

    Derived from ``domain.__all__`` so a new domain class is allowed the day it is exported,
    and nothing that is not exported (helpers, functions) ever is.
    """
    types: list[type] = []
    for name in domain.__all__:
        value = getattr(domain, name)
        if inspect.isclass(value) and issubclass(value, BaseModel | Enum):
            types.append(value)
    types.extend((RunRequest, GateSnapshot))
    return tuple(types)


def checkpoint_serializer() -> JsonPlusSerializer:
    """A ``JsonPlusSerializer`` that reconstructs only allowlisted types and never pickles."""
    register_legacy_modules()
    allowed = checkpoint_allowlist()
    return JsonPlusSerializer(
        pickle_fallback=False,
        allowed_json_modules=None,
        allowed_msgpack_modules=(*allowed, *legacy_allowlist(allowed)),
    )


def json_allowlist(types: tuple[type, ...]) -> list[tuple[str, ...]]:
    """The Redis serializer's allowlist: module path parts and class name, current and legacy."""
    current = [(*t.__module__.split("."), t.__name__) for t in types]
    legacy = [(*module.split("."), name) for module, name in legacy_allowlist(types)]
    return current + legacy


def redis_checkpoint_serializer() -> RedisCheckpointSerializer:
    """The serializer to install on a Redis saver (it hard-codes its own otherwise)."""
    from graph.checkpoints.redis_serde import RedisCheckpointSerializer

    return RedisCheckpointSerializer()


def __getattr__(name: str) -> Any:
    """``RedisCheckpointSerializer`` is built on langgraph's Redis package, which costs about
    0.6 s to import; it is loaded only when asked for, so the SQLite and Postgres backends (and
    every operator command) never pay for it."""
    if name == "RedisCheckpointSerializer":
        from graph.checkpoints.redis_serde import RedisCheckpointSerializer

        return RedisCheckpointSerializer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
