"""Turn a model's raw text into a validated schema instance, or a typed failure."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tools.llm.base import LLMError
from tools.llm.failures import LLMFailure

__all__ = ["parse_answer"]

T = TypeVar("T", bound=BaseModel)


def _json_object(text: str) -> object:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`")
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else stripped
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        pass
    start, end = stripped.find("{"), stripped.rfind("}")
    if start == -1 or end <= start:
        raise LLMError(LLMFailure.UNPARSABLE, f"no JSON object in answer: {text[:120]!r}")
    try:
        return json.loads(stripped[start : end + 1])
    except json.JSONDecodeError as exc:
        raise LLMError(LLMFailure.UNPARSABLE, f"malformed JSON in answer: {exc}") from exc


def parse_answer(text: str, schema: type[T]) -> T:
    """Validate strictly: wrong types, out-of-range values and unknown keys all fail."""
    data = _json_object(text)
    if not isinstance(data, dict):
        raise LLMError(LLMFailure.UNPARSABLE, f"answer is JSON but not an object: {text[:120]!r}")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise LLMError(LLMFailure.INVALID_ANSWER, problems) from exc
