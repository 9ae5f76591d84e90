"""The checkpoint serializer: msgpack with a strict allowlist of hedgegraph's own types.

Why strict: a checkpoint row is data, and whoever can write to the checkpoint database must not be
able to make us construct an arbitrary Python object when it is read back. LangGraph's default
serializer reconstructs any importable type (with a warning); ours reconstructs only the domain
model (every class and enum exported by ``graph.domain``), the graph's ``RunRequest``, the gate's
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

import inspect
from decimal import Decimal
from enum import Enum
from typing import Any

from langgraph.checkpoint.redis.jsonplus_redis import JsonPlusRedisSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from pydantic import BaseModel

import graph.domain as domain
from graph.risk.snapshot import GateSnapshot
from graph.state import RunRequest

__all__ = [
    "RedisCheckpointSerializer",
    "checkpoint_allowlist",
    "checkpoint_serializer",
    "redis_checkpoint_serializer",
]


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


def _json_allowlist(types: tuple[type, ...]) -> list[tuple[str, ...]]:
    return [(*t.__module__.split("."), t.__name__) for t in types]


class RedisCheckpointSerializer(JsonPlusRedisSerializer):
    """The Redis saver's JSON serializer, made exact for Decimals and our domain models."""

    def __init__(self) -> None:
        allowed = checkpoint_allowlist()
        super().__init__(
            pickle_fallback=False,
            allowed_json_modules=_json_allowlist(allowed),
            allowed_msgpack_modules=allowed,
        )
        self._allowed_models = frozenset(t for t in allowed if issubclass(t, BaseModel))

    def _default_handler(self, obj: Any) -> Any:
        """Encode what orjson cannot: exact Decimals and allowlisted models by their JSON dump."""
        if isinstance(obj, Decimal):
            return self._encode_constructor_envelope(Decimal, args=[str(obj)])
        if isinstance(obj, BaseModel) and type(obj) in self._allowed_models:
            return self._encode_constructor_envelope(type(obj), kwargs=obj.model_dump(mode="json"))
        return super()._default_handler(obj)


def redis_checkpoint_serializer() -> RedisCheckpointSerializer:
    """The serializer to install on a Redis saver (it hard-codes its own otherwise)."""
    return RedisCheckpointSerializer()
