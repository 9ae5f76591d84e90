"""The checkpoint serializer: msgpack with a strict allowlist of hedgegraph's own types.

Why strict: a checkpoint row is data, and whoever can write to the checkpoint database must not be
able to make us construct an arbitrary Python object when it is read back. LangGraph's default
serializer reconstructs any importable type (with a warning); ours reconstructs only the domain
model (every class and enum exported by ``graph.domain``), the graph's ``RunRequest``, the gate's
``GateSnapshot`` and LangGraph's own safe built-ins (Decimal, datetime, messages, Send, Interrupt,
Command). Anything else is left as its plain data (a dict or list), never instantiated.
"""

from __future__ import annotations

import inspect
from enum import Enum

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from pydantic import BaseModel

import graph.domain as domain
from graph.risk.snapshot import GateSnapshot
from graph.state import RunRequest

__all__ = ["checkpoint_allowlist", "checkpoint_serializer"]


def checkpoint_allowlist() -> tuple[type, ...]:
    """Every type a checkpoint may reconstruct, beyond LangGraph's built-in safe set.

    Derived from ``graph.domain.__all__`` so a new domain class is allowed the day it is exported,
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
    return JsonPlusSerializer(
        pickle_fallback=False,
        allowed_json_modules=None,
        allowed_msgpack_modules=checkpoint_allowlist(),
    )
