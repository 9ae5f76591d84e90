"""Base class for every value object that crosses a node boundary or lands in a checkpoint."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DomainModel(BaseModel):
    """Frozen, strict-about-unknown-keys pydantic model.

    Why frozen: values in graph state are shared between nodes and checkpoints; mutating one in
    place would silently rewrite history. Why ``extra="forbid"``: a typo in a field name (from an
    LLM, a config file or a fake server) must fail loudly instead of being dropped.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
