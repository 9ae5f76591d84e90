"""The Redis saver's serializer, exact for Decimals and hedgegraph's models.

Why its own module: it subclasses langgraph's ``JsonPlusRedisSerializer``, and importing the
Redis checkpoint package costs about 0.6 s; only a ``redis://`` CHECKPOINT_URL imports this
(through ``graph.checkpoints.serde.redis_checkpoint_serializer``). Why it exists at all is in
``graph.checkpoints.serde``: the stock serializer turns a cash balance into ``Decimal('0')``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from langgraph.checkpoint.redis.jsonplus_redis import JsonPlusRedisSerializer
from pydantic import BaseModel

from graph.checkpoints.serde import (
    checkpoint_allowlist,
    json_allowlist,
    legacy_allowlist,
    register_legacy_modules,
)

__all__ = ["RedisCheckpointSerializer"]


class RedisCheckpointSerializer(JsonPlusRedisSerializer):
    """The Redis saver's JSON serializer, made exact for Decimals and our domain models."""

    def __init__(self) -> None:
        register_legacy_modules()
        allowed = checkpoint_allowlist()
        super().__init__(
            pickle_fallback=False,
            allowed_json_modules=json_allowlist(allowed),
            allowed_msgpack_modules=(*allowed, *legacy_allowlist(allowed)),
        )
        self._allowed_models = frozenset(t for t in allowed if issubclass(t, BaseModel))

    def _default_handler(self, obj: Any) -> Any:
        """Encode what orjson cannot: exact Decimals and allowlisted models by their JSON dump."""
        if isinstance(obj, Decimal):
            return self._encode_constructor_envelope(Decimal, args=[str(obj)])
        if isinstance(obj, BaseModel) and type(obj) in self._allowed_models:
            return self._encode_constructor_envelope(type(obj), kwargs=obj.model_dump(mode="json"))
        return super()._default_handler(obj)
